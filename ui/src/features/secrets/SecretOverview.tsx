//! SecretOverview (being built).
export function SecretOverview() {
  return <p className="p-6 text-sm">SecretOverview</p>;
}
