//! Master-password strength, from zxcvbn-ts (pattern and dictionary aware, unlike a bare entropy
//! count). The store's master password guards every secret, so only "strong" or better passes.
import { zxcvbn, zxcvbnOptions } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";

zxcvbnOptions.setOptions({
  dictionary: { ...common.dictionary },
  graphs: common.adjacencyGraphs,
});

export type Score = 0 | 1 | 2 | 3 | 4;

export interface Strength {
  score: Score;
  label: string;
  warning: string | null;
  suggestions: string[];
  /** Time to guess offline with a slow hash (Coffer's KDF is far slower still). */
  crackTime: string;
  acceptable: boolean;
}

export const minimumLength = 12;
export const minimumScore: Score = 3;
const labels = ["Very weak", "Weak", "Fair", "Strong", "Very strong"] as const;

/** Rates `password`; `userInputs` (the store path, say) count as guessable words. */
export function assessPassword(password: string, userInputs: string[] = []): Strength {
  if (password.length === 0) {
    return {
      score: 0,
      label: "Empty",
      warning: null,
      suggestions: [],
      crackTime: "instantly",
      acceptable: false,
    };
  }
  const r = zxcvbn(password, userInputs);
  const score = r.score as Score;
  const suggestions = [...r.feedback.suggestions];
  if (password.length < minimumLength) {
    suggestions.unshift(`Use at least ${minimumLength} characters.`);
  }
  return {
    score,
    label: labels[score],
    warning: r.feedback.warning || null,
    suggestions,
    crackTime: String(r.crackTimesDisplay.offlineSlowHashing1e4PerSecond),
    acceptable: score >= minimumScore && password.length >= minimumLength,
  };
}

/** Why the create-store form cannot be submitted yet, or null when it can. */
export function createStoreProblem(password: string, confirm: string): string | null {
  if (password.length === 0) return "Enter a master password.";
  const s = assessPassword(password);
  if (!s.acceptable) {
    return password.length < minimumLength
      ? `The master password needs at least ${minimumLength} characters.`
      : "The master password is too easy to guess: add more words or characters.";
  }
  if (confirm !== password) return "The two passwords do not match.";
  return null;
}
