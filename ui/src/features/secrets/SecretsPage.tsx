//! SecretsPage (being built).
export function SecretsPage() {
  return <p className="p-6 text-sm">SecretsPage</p>;
}
