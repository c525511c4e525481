//! The app's providers: query cache, theme, tooltips, toasts, intents, then the session gate and
//! the router. Tests render this same tree with a memory history.
import * as React from "react";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { Toaster } from "@/components/ui/sonner";
import { TooltipProvider } from "@/components/ui/tooltip";
import { SessionGate } from "@/features/session/SessionGate";
import type { AppRouter } from "@/router";
import { ErrorBoundary } from "./ErrorBoundary";
import { IntentProvider } from "./intents";
import { ThemeProvider } from "./theme";

export function App({ queryClient, router }: { queryClient: QueryClient; router: AppRouter }) {
  return (
    <React.StrictMode>
      <ErrorBoundary>
        <QueryClientProvider client={queryClient}>
          <ThemeProvider>
            <TooltipProvider>
              <IntentProvider>
                <SessionGate>
                  <RouterProvider router={router} />
                </SessionGate>
              </IntentProvider>
              <Toaster position="bottom-right" />
            </TooltipProvider>
          </ThemeProvider>
        </QueryClientProvider>
      </ErrorBoundary>
    </React.StrictMode>
  );
}
