//! Browser-project setup: jest-dom matchers, and a clean DOM and IPC mock between tests.
import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";
import { clearMocks } from "@/ipc/mock";
// The real stylesheet: visibility, layout and the virtualized list's height depend on it.
import "@/index.css";

// The machine may be busy (Rust builds on two cores): wait longer before calling it a failure.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  cleanup();
  document.getElementById("root")?.remove();
  document.documentElement.classList.remove("dark");
  clearMocks();
  localStorage.clear();
});
