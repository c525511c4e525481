//! Error messages that say what to do. The shell's `message` says what happened (AWS's wording
//! for AWS errors); this adds the next step, keyed by `code`.

export interface ErrorLike {
  code?: string;
  message: string;
}

const nextStep: Record<string, string> = {
  Locked: "Coffer is locked. Unlock it with your master password to continue.",
  Sealed: "The store is sealed. Enter the master password to unseal it.",
  NoStore: "No store exists yet. Create one with a master password.",
  WrongPassword: "Check the master password (and Caps Lock) and try again.",
  Internal: "Try again. If it keeps failing, restart Coffer and check its log.",
  ResourceNotFoundException: "It may have been deleted or renamed: refresh the list.",
  ResourceExistsException:
    "Choose a different name, or restore the secret that is scheduled for deletion.",
  InvalidRequestException: "Change the request as the message says and try again.",
  InvalidParameterException: "Correct the highlighted value and try again.",
  AccessDeniedException: "Ask an administrator for permission, or use another principal.",
  LimitExceededException: "Remove something you no longer need (old versions or tags) and retry.",
  MalformedPolicyDocumentException: "Fix the policy JSON as the message says.",
  DecryptionFailure: "The KMS key may be disabled: enable it on the Keys screen.",
  EncryptionFailure: "The KMS key may be disabled: enable it on the Keys screen.",
};

/** The message to show a person: what happened, then what to do about it. */
export function describeError(err: unknown): { title: string; action: string } {
  const e = asErrorLike(err);
  const action = (e.code ? nextStep[e.code] : undefined) ?? "Try again.";
  return { title: e.message || "Something went wrong.", action };
}

function asErrorLike(err: unknown): ErrorLike {
  if (err && typeof err === "object" && "message" in err) {
    const o = err as { code?: unknown; message: unknown };
    return { code: typeof o.code === "string" ? o.code : undefined, message: String(o.message) };
  }
  return { message: typeof err === "string" ? err : "Something went wrong." };
}
