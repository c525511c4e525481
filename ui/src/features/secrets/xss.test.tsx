//! XSS: user strings (name, description, tags, values) render as text on every screen.
import { describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/react";
import { detail, secretPath, summary, version, vid } from "@/test/fixtures";
import { renderApp } from "@/test/render";

const payload = "<img src=x onerror=alert(1)>";
const tags = [{ key: payload, value: `<script>alert(2)</script>` }];

describe("XSS payloads", () => {
  it("render as text in the list", async () => {
    const { container } = renderApp({
      ipc: {
        list_secrets: () => ({
          secrets: [summary(payload, { description: payload, tags })],
          nextToken: null,
        }),
      },
    });
    const table = await screen.findByRole("table");
    expect(within(table).getByRole("link", { name: payload })).toBeVisible();
    expect(within(table).getByText(payload, { selector: "span" })).toBeVisible();
    expect(within(table).getByText(`${payload}=<script>alert(2)</script>`)).toBeVisible();
    expect(container.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect(document.querySelector("main script")).toBeNull();
  });

  it("render as text on the secret's page, value and versions", async () => {
    const { user } = renderApp({
      path: secretPath(payload),
      ipc: {
        describe_secret: () => detail(payload, { description: payload, tags }),
        get_secret_value: () => ({
          arn: summary(payload).arn,
          name: payload,
          versionId: vid("cccccccc"),
          versionStages: ["AWSCURRENT"],
          createdDate: "2026-11-20T09:00:00Z",
          secretString: JSON.stringify({ [payload]: payload }),
          secretBinaryBase64: null,
        }),
        list_versions: () => [version("cccccccc", "AWSCURRENT", payload)],
      },
    });
    expect(await screen.findByRole("heading", { name: payload, level: 1 })).toBeVisible();
    expect(screen.getByText(payload, { selector: "p" })).toBeVisible();
    expect(screen.getByRole("button", { name: `Remove tag ${payload}` })).toBeVisible();
    await user.click(screen.getByRole("button", { name: "Reveal" }));
    const value = await screen.findByRole("table", { name: "Secret value by key" });
    expect(within(value).getByRole("rowheader", { name: payload })).toBeVisible();
    expect(within(value).getByRole("cell", { name: payload })).toBeVisible();
    await user.click(screen.getByRole("link", { name: "Versions" }));
    const timeline = await screen.findByRole("list", { name: "Version timeline" });
    expect(within(timeline).getByText(payload, { selector: "span" })).toBeVisible();
    expect(document.querySelector("img")).toBeNull();
    expect(document.querySelector("#root script")).toBeNull();
  });
});
