//! Browser-project setup: jest-dom matchers, and a clean DOM and IPC mock between tests.
import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import { clearMocks } from "@/ipc/mock";

afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
});
