//! Visual strength of the master password being chosen (an ARIA meter, with words as well as
//! colour so it reads without colour vision).
import { cn } from "@/lib/utils";
import type { Strength } from "./strength";

const colours = ["bg-red-600", "bg-red-500", "bg-amber-500", "bg-emerald-500", "bg-emerald-600"];

export function StrengthMeter({ strength }: { strength: Strength }) {
  const filled = strength.label === "Empty" ? 0 : strength.score + 1;
  return (
    <div className="flex flex-col gap-1.5">
      <div
        role="meter"
        aria-label="Password strength"
        aria-valuemin={0}
        aria-valuemax={4}
        aria-valuenow={strength.score}
        aria-valuetext={strength.label}
        className="flex gap-1"
      >
        {[0, 1, 2, 3, 4].map((i) => (
          <div
            key={i}
            className={cn(
              "h-1.5 flex-1 rounded-full",
              i < filled ? colours[strength.score] : "bg-muted",
            )}
          />
        ))}
      </div>
      <p className="text-muted-foreground text-xs" aria-live="polite">
        {strength.label === "Empty" ? (
          "Choose a long passphrase: four or more unrelated words work well."
        ) : (
          <>
            <span className="text-foreground font-medium">{strength.label}</span>
            {` · would take ${strength.crackTime} to guess offline`}
            {strength.warning && ` · ${strength.warning}`}
          </>
        )}
      </p>
      {strength.suggestions.length > 0 && (
        <ul className="text-muted-foreground list-disc pl-5 text-xs">
          {strength.suggestions.map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
