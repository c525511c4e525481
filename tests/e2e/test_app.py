"""The whole desktop app, end to end, as a person uses it: create the store, create a secret,
put a second version (through the diff preview), move AWSCURRENT back to the first version,
open the version diff and see the changed key, find the events in the audit log, lock and
unlock; then start the API from Settings and read the secret through it with boto3, as an
application would, and stop it. A screenshot is saved at each step
(target/e2e-artifacts/app-NN-*.png); the page HTML is saved too when a step fails.

Everything goes through the UI (roles, labels, text); `invoke` is used only to check what the
engine holds after a UI action, never to perform one. The application's identity (an IAM
user with an access key) is made with the `coffer` CLI on the same store, as an operator
would script it.
"""

import json
import os
import subprocess
import tempfile
import unittest
import urllib.parse
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from harness import ROOT, AppSession, free_port, wait_until

PASSWORD = "violet kettle harbour 93 ladders"
NAME = "e2e/orders-db"


class AppScenarioTest(unittest.TestCase):
    def test_create_edit_roll_back_diff_audit_lock(self):
        with AppSession() as app:
            try:
                self._scenario(app)
            except Exception:
                app.screenshot("app-failure")
                app.dump("app-failure")
                raise

    def _scenario(self, app: AppSession) -> None:
        # 1. First run: create the store with the master password typed twice.
        app.by_role("heading", "Create your Coffer store")
        app.type(app.by_label("Master password"), PASSWORD)
        app.type(app.by_label("Confirm master password"), PASSWORD)
        app.by_role("meter", "Password strength")
        app.screenshot("app-01-create-store")
        app.click(app.by_role("button", "Create store", exact=True))

        # 2. The empty secrets list.
        app.by_role("navigation", "Main")
        app.by_role("heading", "No secrets yet")
        app.screenshot("app-02-empty-list")

        # 3. Create a key/value secret.
        app.click(app.by_role("button", "New secret", exact=True))
        app.by_role("dialog", "New secret")
        app.type(app.driver.find_element("id", "new-name"), NAME)
        app.type(app.driver.find_element("id", "new-description"), "Orders database login")
        app.type(app.by_label("Key 1"), "username")
        app.type(app.by_label("Value 1"), "orders_app")
        app.click(app.by_role("button", "Add key/value", exact=True))
        app.type(app.by_label("Key 2"), "password")
        app.type(app.by_label("Value 2"), "first-pass-111")
        app.screenshot("app-03-new-secret")
        app.click(app.by_role("button", "Create secret", exact=True))
        app.by_role("heading", NAME, exact=True)
        app.screenshot("app-04-secret-created")

        # 4. Put a second version: edit, review the diff preview, confirm.
        app.click(app.by_role("button", "Edit value", exact=True))
        app.type(app.by_label("Value 2"), "second-pass-222")
        app.click(app.by_role("button", "Review changes", exact=True))
        preview = app.by_role("dialog", "Review the new version")
        wait_until(lambda: "1 changed" in preview.text, what="the preview summary")
        self.assertNotIn("second-pass-222", preview.text, "values are masked in the preview")
        app.screenshot("app-05-diff-preview")
        app.click(app.by_role("button", "Save new version", exact=True))
        app.wait_for_text("Saved a new version")

        versions = self._versions(app)
        self.assertEqual(len(versions), 2, versions)
        current = next(v for v in versions if "AWSCURRENT" in v["stages"])
        previous = next(v for v in versions if "AWSPREVIOUS" in v["stages"])
        first, second = previous["versionId"], current["versionId"]

        # 5. Versions: move AWSCURRENT back to the first version through the menu.
        app.click(app.by_role("link", "Versions", exact=True))
        app.by_role("list", "Version timeline")
        app.screenshot("app-06-versions")
        menu = app.by_role("button", f"Label actions for {first[:8]}", exact=True)
        app.click(menu)
        app.click(app.by_role("menuitem", "Move AWSCURRENT here", exact=True))
        confirm = app.by_role(
            "alertdialog", f"Move AWSCURRENT from {second[:8]} to {first[:8]}?")
        # The dialog is found by its name as it opens; its body may not be rendered yet.
        summary = f"AWSPREVIOUS will move from {first[:8]} to {second[:8]}."
        wait_until(lambda: summary in confirm.text, what="the label move summary")
        app.screenshot("app-07-confirm-roll-back")
        app.click(app.by_role("button", "Move AWSCURRENT", exact=True))
        app.wait_for_text(f"AWSCURRENT is now on {first[:8]}")

        def rolled_back():
            by_id = {v["versionId"]: v["stages"] for v in self._versions(app)}
            return "AWSCURRENT" in by_id[first] and "AWSPREVIOUS" in by_id[second]

        wait_until(rolled_back, what="AWSCURRENT back on the first version")
        app.screenshot("app-08-rolled-back")

        # 6. The diff: AWSPREVIOUS (second) → AWSCURRENT (first); the password key changed.
        app.click(app.by_role("link", "Compare versions", exact=True))
        table = app.by_role("table", f"Changes from {second[:8]} to {first[:8]}")
        # Read the diff table's own rows (other screens keep key/value rows named alike),
        # and wait for the engine's answer to mark them.
        # (textContent: WebKitWebDriver's rendered text leaves out the badges' words.)
        def diff_row(key):
            for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
                head = tr.find_elements(By.CSS_SELECTOR, "th")
                if head and head[0].get_attribute("textContent").strip() == key:
                    return tr.get_attribute("textContent")
            return ""

        wait_until(
            lambda: "changed" in diff_row("password") and "unchanged" not in diff_row("password"),
            what="the password row marked changed",
        )
        wait_until(
            lambda: "unchanged" in diff_row("username"),
            what="the username row marked unchanged",
        )
        self.assertNotIn("first-pass-111", table.text, "values stay masked until Reveal")
        app.screenshot("app-09-diff-masked")
        app.click(app.by_role("button", "Reveal values", exact=True))
        app.wait_for_text("first-pass-111")
        app.wait_for_text("second-pass-222")
        app.screenshot("app-10-diff-revealed")

        # 7. The audit log, opened from the secret: its events are there.
        app.click(app.by_role("link", "View events", exact=True))
        app.by_role("table", "Audit events")
        app.wait_for_text("PutSecretValue")
        app.wait_for_text("UpdateSecretVersionStage")
        app.wait_for_text("CreateSecret")
        app.screenshot("app-11-audit-log")

        # 8. Lock (the sidebar button; Ctrl+L is covered by the component tests), then unlock.
        app.click(app.driver.find_element("xpath", "//aside//button[contains(., 'Lock')]"))
        app.by_role("heading", "Coffer is locked")
        status = app.invoke("store_status")
        self.assertTrue(status["ok"] and status["data"]["locked"], status)
        app.screenshot("app-12-locked")
        app.type(app.by_label("Master password"), PASSWORD)
        app.click(app.by_role("button", "Unlock", exact=True))
        app.by_role("navigation", "Main")
        status = app.invoke("store_status")
        self.assertFalse(status["data"]["locked"], status)
        app.screenshot("app-13-unlocked")

        # 9. Settings → API listener with the agent protocol: start it, read the secret
        # through it with boto3 and with the agent's GET and token file (the value is the
        # rolled-back AWSCURRENT), stop it.
        app.click(app.by_role("link", "Settings", exact=True))
        listen = f"127.0.0.1:{free_port()}"
        app.type(app.by_label("Listen address"), listen)
        app.click(app.by_label("Also serve the Secrets Manager Agent protocol"))
        # Nothing is preselected: acting as the account root is chosen on purpose.
        Select(app.by_label("Agent requests act as")).select_by_value("root")
        app.click(app.by_role("button", "Start API", exact=True))
        endpoint = app.by_label("Endpoint")
        wait_until(lambda: endpoint.get_attribute("textContent") == f"http://{listen}")
        app.screenshot("app-14-api-running")
        key_id, secret = self._app_identity(app)
        import boto3
        from botocore.config import Config

        os.environ["NO_PROXY"] = "127.0.0.1,localhost"
        client = boto3.client(
            "secretsmanager",
            endpoint_url=f"http://{listen}",
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
        )
        value = json.loads(client.get_secret_value(SecretId=NAME)["SecretString"])
        self.assertEqual(value["password"], "first-pass-111", value)
        token_file = app.invoke("get_api_status")["data"]["agentTokenFile"]
        self.assertIn(token_file, app.by_label("Agent protocol example").get_attribute("textContent"))
        agent = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(
            f"http://{listen}/secretsmanager/get?secretId={urllib.parse.quote(NAME)}",
            headers={"X-Aws-Parameters-Secrets-Token": Path(token_file).read_text().strip()})
        with agent.open(request, timeout=30) as resp:
            value = json.loads(json.loads(resp.read())["SecretString"])
        self.assertEqual(value["password"], "first-pass-111", value)
        app.click(app.by_role("button", "Stop API", exact=True))
        app.by_role("button", "Start API", exact=True)
        with self.assertRaises(Exception):
            client.get_secret_value(SecretId=NAME)
        app.screenshot("app-15-api-stopped")

        # 10. Settings → Re-key the store: asked twice, then the secret reads as before.
        app.type(app.by_label("Master password for the re-key"), PASSWORD)
        app.click(app.by_role("button", "Re-key the store", exact=True))
        app.click(app.by_role("button", "Re-key now", exact=True))
        app.wait_for_text("Re-keyed:")
        app.screenshot("app-16-rekeyed")
        read = app.invoke("get_secret_value", {"req": {"secretId": NAME}})
        self.assertTrue(read["ok"], read)
        self.assertEqual(json.loads(read["data"]["secretString"])["password"], "first-pass-111")

    @staticmethod
    def _app_identity(app: AppSession) -> tuple:
        """An IAM user allowed to read secrets, and its access key, made with the CLI."""
        cli = os.environ.get("COFFER_CLI_BIN", str(ROOT / "target" / "debug" / "coffer"))
        with tempfile.NamedTemporaryFile("w", suffix=".password", delete=False) as f:
            f.write(PASSWORD + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COFFER_")}

        def coffer(*args: str) -> dict:
            out = subprocess.run(
                [cli, "--store", str(app.store), "--password-file", f.name, *args],
                env=env, capture_output=True, text=True, timeout=120)
            if out.returncode != 0:
                raise AssertionError(f"coffer {args}: {out.stderr}")
            return json.loads(out.stdout)

        try:
            coffer("iam", "create-user", "--user-name", "orders-app")
            coffer("iam", "put-user-policy", "--user-name", "orders-app", "--policy-name", "read",
                   "--policy-document", json.dumps({
                       "Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                      "Resource": "*"}]}))
            key = coffer("iam", "create-access-key", "--user-name", "orders-app")["AccessKey"]
        finally:
            Path(f.name).unlink()
        return key["AccessKeyId"], key["SecretAccessKey"]

    @staticmethod
    def _versions(app: AppSession) -> list:
        listed = app.invoke("list_versions", {"req": {"secretId": NAME, "includeDeprecated": False}})
        if not listed["ok"]:
            raise AssertionError(json.dumps(listed))
        return listed["data"]


if __name__ == "__main__":
    unittest.main()
