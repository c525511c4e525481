//! SecretLayout (being built).
import { Outlet } from "@tanstack/react-router";

export function SecretLayout() {
  return <Outlet />;
}
