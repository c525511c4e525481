//! Last line of defence for render errors: says what happened and offers a way back.
import * as React from "react";
import { Button } from "@/components/ui/button";
import { describeError } from "@/lib/errors";

export function ErrorPanel({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, action } = describeError(error);
  return (
    <div role="alert" className="mx-auto flex max-w-lg flex-col gap-3 p-8">
      <h2 className="text-lg font-semibold">Something went wrong</h2>
      <p className="text-sm">{title}</p>
      <p className="text-muted-foreground text-sm">{action}</p>
      {onRetry && (
        <div>
          <Button onClick={onRetry}>Try again</Button>
        </div>
      )}
    </div>
  );
}

export class ErrorBoundary extends React.Component<
  { children: React.ReactNode },
  { error: unknown }
> {
  state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  render() {
    if (this.state.error) {
      return <ErrorPanel error={this.state.error} onRetry={() => this.setState({ error: null })} />;
    }
    return this.props.children;
  }
}
