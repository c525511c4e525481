//! An error shown where it happened: the engine's message, then what to do about it.
import { describeError } from "@/lib/errors";

export function ErrorNote({ error, context }: { error: unknown; context?: string }) {
  const { title, action } = describeError(error);
  return (
    <p role="alert" className="text-destructive text-sm">
      {context ? `${context}: ` : ""}
      {title} <span className="text-muted-foreground">{action}</span>
    </p>
  );
}
