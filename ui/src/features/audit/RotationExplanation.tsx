//! The rotation part of an audit event's details: the step, the execution role the step
//! acted as (opened in the Access screen) and the decision with its reason.
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import type { AuditEventView } from "@/ipc/audit";
import type { AuditFilters } from "./query";
import { roleName, rotationFacts } from "./rotation";

/**
 * A rotation event's step, the execution role it acted as, and the decision with its reason.
 * The step's own events are Coffer's bookkeeping; what the step read and wrote are the role's
 * events, each decided by the role's policies: one click narrows the log to them.
 */
export function RotationExplanation({
  event,
  onOpenPrincipal,
  onShowRoleEvents,
}: {
  event: AuditEventView;
  onOpenPrincipal?: (arn: string) => void;
  onShowRoleEvents: (filters: AuditFilters) => void;
}) {
  const facts = rotationFacts(event);
  if (!facts) return null;
  const { step, roleArn, byRole } = facts;
  return (
    <section aria-label="Rotation" className="flex flex-col gap-2 rounded-md border p-2">
      <h3 className="font-semibold">Rotation</h3>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        {step && (
          <>
            <dt className="text-muted-foreground">Step</dt>
            <dd>{step}</dd>
          </>
        )}
        <dt className="text-muted-foreground">Acted as</dt>
        <dd className="break-all">
          {roleArn ? (
            <span className="flex flex-col items-start gap-1">
              <span className="font-mono text-xs">{roleArn}</span>
              {onOpenPrincipal && (
                <Button
                  variant="link"
                  size="sm"
                  className="h-auto p-0"
                  onClick={() => onOpenPrincipal(roleArn)}
                >
                  Open role {roleName(roleArn)} in Access
                </Button>
              )}
            </span>
          ) : (
            "Not recorded on this event"
          )}
        </dd>
        <dt className="text-muted-foreground">Decision</dt>
        <dd>
          <Badge variant={event.decision === "denied" ? "destructive" : "secondary"}>
            {event.decision}
          </Badge>{" "}
          {event.reason}
        </dd>
      </dl>
      <p className="text-muted-foreground text-xs">
        {byRole
          ? "The rotator made this request as its execution role; the role's policies (and the secret's resource policy) decided it."
          : "This records the step itself. Each read and write the step made is its own event, by the role, with the statement that allowed or denied it."}
      </p>
      {roleArn && event.resourceArn && (
        <Button
          variant="outline"
          size="sm"
          className="self-start"
          onClick={() => onShowRoleEvents({ secret: event.resourceArn!, principal: roleArn })}
        >
          Show the role&apos;s events on this secret
        </Button>
      )}
    </section>
  );
}
