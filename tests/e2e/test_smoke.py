"""Smoke test of the real desktop app: it starts, its window is titled "Coffer", and the
page reaches the shell through IPC (store_status answers for the temp store)."""

import unittest

from harness import AppSession


class SmokeTest(unittest.TestCase):
    def test_window_title_and_store_status(self):
        with AppSession() as app:
            self.assertEqual(app.driver.title, "Coffer")
            status = app.invoke("store_status")
            self.assertTrue(status["ok"], status)
            data = status["data"]
            self.assertEqual(data["path"], str(app.store))
            self.assertFalse(data["exists"])
            self.assertTrue(data["sealed"])
            # A data command before there is a store: an IpcError, not a crash.
            listed = app.invoke("list_secrets", {"req": {}})
            self.assertFalse(listed["ok"])
            self.assertEqual(listed["error"]["code"], "NoStore")
            app.screenshot("smoke-01-started")


if __name__ == "__main__":
    unittest.main()
