//! VersionsPage (being built).
export function VersionsPage() {
  return <p className="p-6 text-sm">Versions</p>;
}
