//! Browser-project setup: jest-dom matchers, and a clean DOM and IPC mock between tests.
import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import { clearMocks } from "@/ipc/mock";
// The real stylesheet: visibility, layout and the virtualized list's height depend on it.
import "@/index.css";

afterEach(() => {
  cleanup();
  document.getElementById("root")?.remove();
  clearMocks();
  localStorage.clear();
});
