//! One secret: its name, status and actions above tabs for overview, versions, diff and rotation.
import { Link, Outlet, useParams } from "@tanstack/react-router";
import { ArrowLeft, ScrollText } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorPanel } from "@/app/ErrorBoundary";
import { formatDate } from "./format";
import { DeleteSecretDialog, RestoreButton } from "./DeleteSecretDialog";
import { useSecretDetail } from "./queries";

const tabClass =
  "text-muted-foreground hover:text-foreground data-[status=active]:text-foreground data-[status=active]:border-primary focus-visible:ring-ring/50 border-b-2 border-transparent px-3 py-2 text-sm outline-none focus-visible:ring-[3px]";

export function SecretLayout() {
  const { secretId } = useParams({ from: "/secrets/$secretId" });
  const detail = useSecretDetail(secretId);

  if (detail.isError)
    return <ErrorPanel error={detail.error} onRetry={() => void detail.refetch()} />;
  if (detail.isPending) {
    return (
      <p role="status" className="text-muted-foreground p-6 text-sm">
        Loading the secret…
      </p>
    );
  }
  const s = detail.data;
  return (
    <div className="flex h-full flex-col overflow-hidden">
      <header className="flex flex-col gap-2 border-b px-6 pt-4">
        <Link
          to="/"
          className="text-muted-foreground hover:text-foreground inline-flex w-fit items-center gap-1 text-xs"
        >
          <ArrowLeft className="size-3" aria-hidden />
          All secrets
        </Link>
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="min-w-0 text-xl font-semibold break-all">{s.name}</h1>
          {s.deletedDate && (
            <Badge variant="destructive">
              Deletion planned (since {formatDate(s.deletedDate)})
            </Badge>
          )}
          {s.rotationEnabled && <Badge variant="secondary">Rotation on</Badge>}
          <div className="ml-auto flex items-center gap-2">
            <Button variant="outline" size="sm" asChild>
              <Link to="/audit" search={{ secret: s.arn }}>
                <ScrollText />
                View events
              </Link>
            </Button>
            {s.deletedDate ? <RestoreButton secret={s} /> : <DeleteSecretDialog secret={s} />}
          </div>
        </div>
        <nav aria-label="Secret" className="-mb-px flex gap-1">
          <Link
            to="/secrets/$secretId"
            params={{ secretId }}
            activeOptions={{ exact: true }}
            className={tabClass}
          >
            Overview
          </Link>
          <Link to="/secrets/$secretId/versions" params={{ secretId }} className={tabClass}>
            Versions
          </Link>
          <Link to="/secrets/$secretId/diff" params={{ secretId }} search={{}} className={tabClass}>
            Compare versions
          </Link>
          <Link to="/secrets/$secretId/rotation" params={{ secretId }} className={tabClass}>
            Rotation
          </Link>
        </nav>
      </header>
      <div className="min-h-0 flex-1 overflow-auto">
        <Outlet />
      </div>
    </div>
  );
}
