// Two Vitest projects: `node` runs pure logic (`*.test.ts`), `browser` renders components
// (`*.test.tsx`) in Debian's real Chromium through Playwright, with Tauri's mockIPC standing in
// for the shell. Nothing downloads a browser: the executable is /usr/bin/chromium (override with
// CHROMIUM_PATH).
import { playwright } from "@vitest/browser-playwright";
import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config";

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default mergeConfig(
  viteConfig,
  defineConfig({
    optimizeDeps: {
      include: [
        "@codemirror/merge",
        "@codemirror/state",
        "@codemirror/view",
        "@tauri-apps/api/core",
        "@tauri-apps/api/event",
        "@tauri-apps/api/mocks",
        "@tauri-apps/api/webviewWindow",
        "@tauri-apps/plugin-clipboard-manager",
        "@tauri-apps/plugin-dialog",
        "@testing-library/react",
        "@testing-library/user-event",
      ],
    },
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: "node",
            environment: "node",
            include: ["src/**/*.test.ts"],
          },
        },
        {
          extends: true,
          test: {
            name: "browser",
            include: ["src/**/*.test.tsx"],
            setupFiles: ["src/test/setup-browser.ts"],
            testTimeout: 60_000,
            // One file at a time: files share one browser window, so parallel files would
            // steal each other's keyboard focus mid-typing.
            fileParallelism: false,
            browser: {
              enabled: true,
              headless: true,
              screenshotFailures: false,
              // Parallel runs (make test beside a developer's watch mode) take the next free port.
              api: { port: 63315, strictPort: false },
              provider: playwright({
                launchOptions: {
                  executablePath: chromium,
                  args: [
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                  ],
                },
              }),
              instances: [{ browser: "chromium" }],
            },
          },
        },
      ],
    },
  }),
);
