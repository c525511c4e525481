//! Turns the bindings' `Result` values into thrown `IpcError`s, the shape TanStack Query expects
//! (a failed query or mutation carries the error; `code` is the AWS or Coffer code to branch on).

/** What every generated command resolves to (tauri-specta's `typedError` shape). */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

/** Coffer's own error codes beside the AWS ones (see the IPC contract). */
export type CofferErrorCode = "Locked" | "Sealed" | "NoStore" | "WrongPassword" | "Internal";

/** An error returned by a shell command: `code` is machine-readable, `message` is for people. */
export class IpcError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "IpcError";
    this.code = code;
  }
}

/** True when `err` is an `IpcError` with one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): err is IpcError {
  return err instanceof IpcError && codes.includes(err.code);
}

/**
 * Normalises whatever crossed the bridge as an error. The shell sends `{code, message}`; a
 * refused permission or a missing command arrives from Tauri itself as a bare string.
 */
export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof IpcError) return raw;
  if (raw && typeof raw === "object" && "code" in raw && "message" in raw) {
    const { code, message } = raw as { code: unknown; message: unknown };
    return new IpcError(String(code), String(message));
  }
  if (typeof raw === "string") return new IpcError("Internal", raw);
  if (raw instanceof Error) return new IpcError("Internal", raw.message);
  return new IpcError("Internal", "The desktop shell returned an unexpected error.");
}

/** Awaits a command and returns its data, or throws its error as an `IpcError`. */
export async function unwrap<T>(call: Promise<Result<T, unknown>>): Promise<T> {
  let result: Result<T, unknown>;
  try {
    result = await call;
  } catch (e) {
    throw toIpcError(e);
  }
  if (result.status === "ok") return result.data;
  throw toIpcError(result.error);
}
