//! Code-based routes. Routes are thin: each renders one feature component and declares its
//! search params. The app uses hash history inside the Tauri webview (tauri://localhost serves
//! one index.html) and memory history in tests.
import {
  createHashHistory,
  createRootRoute,
  createRoute,
  createRouter,
  type RouterHistory,
} from "@tanstack/react-router";
import { AppLayout } from "@/app/AppLayout";
import { ErrorPanel } from "@/app/ErrorBoundary";
import { EmptyState } from "@/app/EmptyState";
import { SecretsPage } from "@/features/secrets/SecretsPage";
import { SecretLayout } from "@/features/secrets/SecretLayout";
import { SecretOverview } from "@/features/secrets/SecretOverview";
import { VersionsPage } from "@/features/versions/VersionsPage";
import { DiffPage } from "@/features/diff/DiffPage";
import { AuditRoute } from "@/features/audit/AuditLog";
import { filtersFromSearch, type AuditFilters } from "@/features/audit/query";
import { KeysPage } from "@/features/keys/KeysPage";
import { AccessRoute } from "@/features/access/AccessPage";
import { accessSearchFrom, type AccessSearch } from "@/features/access/search";
import { RotationRoute } from "@/features/rotation/RotationPanel";
import { SettingsPage } from "@/features/settings/SettingsPage";

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

const rootRoute = createRootRoute({
  component: AppLayout,
  errorComponent: ({ error, reset }) => <ErrorPanel error={error} onRetry={reset} />,
  notFoundComponent: () => (
    <EmptyState title="Nothing here">
      That page does not exist. Pick a screen on the left.
    </EmptyState>
  ),
});

const secretsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  component: SecretsPage,
});

/** One secret; `$secretId` is its ARN (names may contain "/", ARNs are unambiguous). */
const secretRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/secrets/$secretId",
  component: SecretLayout,
});

const secretOverviewRoute = createRoute({
  getParentRoute: () => secretRoute,
  path: "/",
  component: SecretOverview,
});

const versionsRoute = createRoute({
  getParentRoute: () => secretRoute,
  path: "versions",
  component: VersionsPage,
});

const diffRoute = createRoute({
  getParentRoute: () => secretRoute,
  path: "diff",
  validateSearch: (s: Record<string, unknown>): { from?: string; to?: string } => ({
    from: str(s.from),
    to: str(s.to),
  }),
  component: DiffPage,
});

// ---- H5: replace the Placeholder components below with your screens (edit only these lines) ----
const rotationRoute = createRoute({
  getParentRoute: () => secretRoute,
  path: "rotation",
  component: RotationRoute,
});

const auditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/audit",
  /** `?secret=<arn>` narrows the log to one secret (the "View events" link). */
  validateSearch: (s: Record<string, unknown>): AuditFilters => filtersFromSearch(s),
  component: AuditRoute,
});

const keysRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/keys",
  component: KeysPage,
});

const accessRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/access",
  /** `?principal=<arn>` opens a principal; `?simulate=rotation&…` explains a rotation step. */
  validateSearch: (s: Record<string, unknown>): AccessSearch => accessSearchFrom(s),
  component: AccessRoute,
});

const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/settings",
  component: SettingsPage,
});
// ---- end of H5's lines ----

const routeTree = rootRoute.addChildren([
  secretsRoute,
  secretRoute.addChildren([secretOverviewRoute, versionsRoute, diffRoute, rotationRoute]),
  auditRoute,
  keysRoute,
  accessRoute,
  settingsRoute,
]);

export function createAppRouter(history: RouterHistory = createHashHistory()) {
  return createRouter({ routeTree, history, defaultPreload: false, scrollRestoration: true });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module "@tanstack/react-router" {
  interface Register {
    router: AppRouter;
  }
}
