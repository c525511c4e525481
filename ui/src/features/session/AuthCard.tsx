//! The centred card that first-run and unlock screens share.
import * as React from "react";
import { KeyRound } from "lucide-react";

export function AuthCard({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <main className="bg-muted/40 flex min-h-full items-center justify-center p-6">
      <div className="bg-card text-card-foreground w-full max-w-md rounded-xl border p-8 shadow-sm">
        <div className="mb-6 flex items-center gap-3">
          <div className="bg-primary text-primary-foreground rounded-lg p-2">
            <KeyRound className="size-5" aria-hidden />
          </div>
          <div>
            <h1 className="text-xl font-semibold">{title}</h1>
            <p className="text-muted-foreground text-sm">{subtitle}</p>
          </div>
        </div>
        {children}
      </div>
    </main>
  );
}
