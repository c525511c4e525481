"""End-to-end harness for the real Coffer desktop app.

Each `AppSession` starts its own tauri-driver (which starts WebKitWebDriver, which starts
the app) with a fresh temporary COFFER_STORE, opens a WebDriver session through selenium
(a keep-alive client: tauri-driver is flaky with `Connection: close` clients), and tears
everything down in `close()` (driver.quit() first, then tauri-driver). Run it under Xvfb:
`tests/e2e/run.sh` does.

Helpers query as a user would: by ARIA role and accessible name, by label, by text.
`screenshot()` waits two animation frames first, so the image shows the current DOM
(an early WebDriver screenshot can show an older frame).

    with AppSession() as app:
        app.click(app.by_role("button", "Create store"))
        app.type(app.by_label("Master password"), "…")
        app.screenshot("01-first-run")
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.webelement import WebElement

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "target" / "e2e-artifacts"
DEFAULT_TIMEOUT = 15.0

# Finds elements by ARIA role (explicit, or implicit for the common HTML elements) and
# accessible name (aria-label, aria-labelledby, <label>, alt/title/placeholder, text).
_FIND_BY_ROLE_JS = r"""
const [role, name, exact] = arguments;
const implicit = (el) => {
  const t = el.tagName.toLowerCase(), type = (el.getAttribute('type') || '').toLowerCase();
  if (t === 'button' || (t === 'input' && ['button','submit','reset'].includes(type))) return 'button';
  if (t === 'a' && el.hasAttribute('href')) return 'link';
  if (t === 'input' && type === 'checkbox') return 'checkbox';
  if (t === 'input' && type === 'radio') return 'radio';
  if (t === 'input' && type === 'search') return 'searchbox';
  if (t === 'input' && ['', 'text', 'email', 'password', 'url', 'tel', 'number'].includes(type)) return 'textbox';
  if (t === 'textarea') return 'textbox';
  if (t === 'select') return 'combobox';
  if (/^h[1-6]$/.test(t)) return 'heading';
  if (t === 'table') return 'table';
  if (t === 'tr') return 'row';
  if (t === 'td') return 'cell';
  if (t === 'th') return 'columnheader';
  if (t === 'ul' || t === 'ol') return 'list';
  if (t === 'li') return 'listitem';
  if (t === 'nav') return 'navigation';
  if (t === 'main') return 'main';
  if (t === 'dialog') return 'dialog';
  if (t === 'form') return 'form';
  return null;
};
const text = (el) => (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
const accName = (el) => {
  const label = el.getAttribute('aria-label');
  if (label) return label.trim();
  const by = el.getAttribute('aria-labelledby');
  if (by) return by.split(/\s+/).map(id => document.getElementById(id)).filter(Boolean).map(text).join(' ').trim();
  if (el.labels && el.labels.length) return Array.from(el.labels).map(text).join(' ').trim();
  const own = text(el);
  if (own) return own;
  return (el.getAttribute('alt') || el.getAttribute('title') || el.getAttribute('placeholder') || '').trim();
};
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
const want = name == null ? null : String(name).toLowerCase();
for (const el of document.querySelectorAll('*')) {
  const r = el.getAttribute('role') || implicit(el);
  if (r !== role || !visible(el)) continue;
  if (want === null) return el;
  const n = accName(el).toLowerCase();
  if (exact ? n === want : n.includes(want)) return el;
}
return null;
"""

_FIND_BY_LABEL_JS = r"""
const want = String(arguments[0]).toLowerCase();
const text = (el) => (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().toLowerCase();
for (const el of document.querySelectorAll('[aria-label]')) {
  if (el.getAttribute('aria-label').toLowerCase().includes(want)) return el;
}
for (const label of document.querySelectorAll('label')) {
  if (!text(label).includes(want)) continue;
  if (label.control) return label.control;
  const inner = label.querySelector('input,textarea,select');
  if (inner) return inner;
}
for (const el of document.querySelectorAll('[aria-labelledby]')) {
  const ids = el.getAttribute('aria-labelledby').split(/\s+/);
  if (ids.map(id => document.getElementById(id)).filter(Boolean).map(text).join(' ').includes(want)) return el;
}
for (const el of document.querySelectorAll('input[placeholder],textarea[placeholder]')) {
  if (el.getAttribute('placeholder').toLowerCase().includes(want)) return el;
}
return null;
"""

_FIND_BY_TEXT_JS = r"""
const [want, exact] = [String(arguments[0]).replace(/\s+/g, ' ').trim().toLowerCase(), arguments[1]];
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
let best = null;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT);
while (walker.nextNode()) {
  const el = walker.currentNode;
  const t = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().toLowerCase();
  if (!(exact ? t === want : t.includes(want)) || !visible(el)) continue;
  best = el;  // keep descending: the innermost match wins
}
return best;
"""

_INVOKE_JS = r"""
const [cmd, args, done] = arguments;
window.__TAURI_INTERNALS__.invoke(cmd, args)
  .then((data) => done({ ok: true, data }))
  .catch((error) => done({ ok: false, error }));
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT,
               interval: float = 0.1, what: str = "condition") -> Any:
    """Polls `predicate` until it returns something truthy; raises TimeoutError."""
    deadline = time.monotonic() + timeout
    last_error: Optional[Exception] = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except WebDriverException as e:  # stale element, page still loading, …
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}"
                       + (f" (last error: {last_error})" if last_error else ""))


class AppSession:
    """One running Coffer app with a WebDriver session on its window."""

    def __init__(self, app: Optional[str] = None, store_dir: Optional[str] = None,
                 env: Optional[dict] = None):
        self.app = os.path.abspath(app or os.environ.get(
            "COFFER_DESKTOP_BIN", str(ROOT / "target" / "debug" / "coffer-desktop")))
        if not os.access(self.app, os.X_OK):
            raise RuntimeError(f"no desktop binary at {self.app}: run 'make desktop'")
        self._own_dir = store_dir is None
        self.dir = Path(store_dir or tempfile.mkdtemp(prefix="coffer-e2e-"))
        self.store = self.dir / "coffer.db"
        self.env = dict(os.environ, COFFER_STORE=str(self.store), **(env or {}))
        # Window state and other app config stay out of the user's home.
        self.env["XDG_CONFIG_HOME"] = str(self.dir / "config")
        self.env["XDG_DATA_HOME"] = str(self.dir / "data")
        self.port, self.native_port = free_port(), free_port()
        self.driver_proc: Optional[subprocess.Popen] = None
        self.driver: Optional[webdriver.Remote] = None
        self.log = self.dir / "tauri-driver.log"

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> "AppSession":
        log = open(self.log, "wb")
        self.driver_proc = subprocess.Popen(
            ["tauri-driver", "--port", str(self.port), "--native-port", str(self.native_port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{self.port}"

        def ready() -> bool:
            if self.driver_proc.poll() is not None:
                raise RuntimeError(f"tauri-driver exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(url + "/status", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_until(ready, timeout=20, what="tauri-driver")
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": self.app, "args": []})
        try:
            self.driver = webdriver.Remote(command_executor=url, options=options)
        except Exception:
            self.close()
            raise
        # The UI has loaded when its root has content.
        wait_until(lambda: self.driver.execute_script(
            "return document.readyState === 'complete' && !!window.__TAURI_INTERNALS__"),
            what="the page to load")
        return self

    def close(self) -> None:
        try:
            if self.driver is not None:
                self.driver.quit()
        except Exception:
            pass
        finally:
            self.driver = None
            if self.driver_proc is not None:
                self.driver_proc.terminate()
                try:
                    self.driver_proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.driver_proc.kill()
                self.driver_proc = None
            if self._own_dir and not os.environ.get("COFFER_E2E_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "AppSession":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- finding ---------------------------------------------------------------------
    def by_role(self, role: str, name: Optional[str] = None, exact: bool = False,
                timeout: float = DEFAULT_TIMEOUT) -> WebElement:
        """The first visible element with ARIA `role` whose accessible name contains `name`."""
        return wait_until(lambda: self.driver.execute_script(_FIND_BY_ROLE_JS, role, name, exact),
                          timeout, what=f"role={role!r} name={name!r}")

    def by_label(self, label: str, timeout: float = DEFAULT_TIMEOUT) -> WebElement:
        """The form control labelled `label` (label element, aria-label(ledby), placeholder)."""
        return wait_until(lambda: self.driver.execute_script(_FIND_BY_LABEL_JS, label),
                          timeout, what=f"label={label!r}")

    def by_text(self, text: str, exact: bool = False,
                timeout: float = DEFAULT_TIMEOUT) -> WebElement:
        """The innermost visible element whose text contains (or equals) `text`."""
        return wait_until(lambda: self.driver.execute_script(_FIND_BY_TEXT_JS, text, exact),
                          timeout, what=f"text={text!r}")

    def query_role(self, role: str, name: Optional[str] = None, exact: bool = False):
        """Like `by_role` but returns None at once instead of waiting."""
        return self.driver.execute_script(_FIND_BY_ROLE_JS, role, name, exact)

    def has_text(self, text: str) -> bool:
        return bool(self.driver.execute_script(_FIND_BY_TEXT_JS, text, False))

    def wait_for_text(self, text: str, timeout: float = DEFAULT_TIMEOUT) -> WebElement:
        return self.by_text(text, timeout=timeout)

    def wait_gone(self, text: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        wait_until(lambda: not self.has_text(text), timeout, what=f"{text!r} to disappear")

    # -- acting ----------------------------------------------------------------------
    def click(self, el: WebElement) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        el.click()

    def type(self, el: WebElement, text: str, clear: bool = True) -> None:
        if clear:
            el.send_keys(Keys.CONTROL, "a")
            el.send_keys(Keys.DELETE)
        el.send_keys(text)

    def press(self, *keys: str) -> None:
        """Sends keys to the focused element (e.g. `press(Keys.CONTROL, "k")`)."""
        self.driver.switch_to.active_element.send_keys(*keys)

    def invoke(self, cmd: str, args: Optional[dict] = None) -> dict:
        """Calls an IPC command from the page, as the UI does: {'ok': …, 'data'|'error': …}."""
        return self.driver.execute_async_script(_INVOKE_JS, cmd, args or {})

    # -- evidence --------------------------------------------------------------------
    def settle(self) -> None:
        """Waits two animation frames, so the next screenshot shows the current DOM."""
        self.driver.execute_async_script(
            "const done = arguments[0];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.settle()
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def dump(self, name: str) -> Path:
        """Saves the page HTML next to the screenshots (for failures)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.html"
        path.write_text(self.driver.page_source)
        return path


def log_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
