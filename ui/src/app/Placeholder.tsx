//! Stand-in for a screen another feature folder has not delivered yet.
import { Construction } from "lucide-react";
import { EmptyState } from "./EmptyState";

export function Placeholder({ title }: { title: string }) {
  return (
    <EmptyState icon={<Construction />} title={title}>
      This screen arrives with its feature. Everything else keeps working meanwhile.
    </EmptyState>
  );
}
