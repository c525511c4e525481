// ESLint flat config. The import rule enforces STYLE principle 12: only `src/ipc/` talks to the
// host, so every other file is refused `@tauri-apps/*` and the generated bindings.
import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const hostImports = {
  patterns: [
    {
      group: ["@tauri-apps/*"],
      message: "Only src/ipc/ may talk to the host: import from '@/ipc' instead.",
    },
    {
      group: ["@/ipc/bindings", "**/ipc/bindings", "./bindings"],
      message: "The generated bindings are private to src/ipc/: import from '@/ipc' instead.",
    },
  ],
};

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/ipc/bindings.ts"] },
  {
    files: ["**/*.{ts,tsx,js}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.browser, ...globals.node },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "no-restricted-imports": ["error", hostImports],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: "User strings render as text: never use dangerouslySetInnerHTML.",
        },
      ],
    },
  },
  {
    files: ["src/ipc/**/*.{ts,tsx}"],
    rules: { "no-restricted-imports": "off" },
  },
);
