//! DiffPage (being built).
export function DiffPage() {
  return <p className="p-6 text-sm">Diff</p>;
}
