//! Toast helpers: errors always say what to do next (see `lib/errors.ts`).
import { toast } from "sonner";
import { describeError } from "@/lib/errors";

export function toastError(err: unknown, context?: string): void {
  const { title, action } = describeError(err);
  toast.error(context ? `${context}: ${title}` : title, { description: action });
}

export function toastSuccess(message: string, description?: string): void {
  toast.success(message, { description });
}
