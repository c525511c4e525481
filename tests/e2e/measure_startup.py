"""Measures the real desktop app's cold start and memory with a large store (default 100,000
secrets): the numbers behind "opens fast and stays small with 100k secrets".

Not a unittest: a standalone measurement, run under Xvfb like the e2e tests.

    xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \\
        target/pyenv/bin/python tests/e2e/measure_startup.py [--secrets N] [--store DIR]

1. Session 1 creates a store in DIR (a kept temp dir unless --store is given) and fills it with
   N secrets through the app's own `create_secret` command, a few hundred concurrent calls per
   round trip (names `app/svc-000001/db`, a short JSON value, every 3rd with a description,
   every 5th with tags), then quits the app. With --store pointing at an already-filled store
   (and --password), population is skipped.
2. Session 2 is the cold start on that store: launch → the unlock screen's password field →
   unlock → the first named rows of the secrets table → a scroll to the middle of the loaded
   rows, then a scroll by infinite loading until the row N/2 renders (the list loads 100-row
   pages as the table's end comes into view, so the middle of 100,000 is 500 pages away).
   RSS (VmRSS) of coffer-desktop and its WebKit processes is read after the first rows and
   after the deep scroll; a screenshot goes to target/e2e-artifacts/startup-<N>.png.

The binary is COFFER_DESKTOP_BIN (default target/debug/coffer-desktop): say which build
(debug/release) when quoting the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from selenium import webdriver
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.options import ArgOptions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ARTIFACTS, AppSession, wait_until  # noqa: E402

DEFAULT_PASSWORD = "measure startup kettle 4711"

# Creates `count` secrets starting at index `start` as concurrent IPC calls; answers how many
# succeeded and the first error.
_CREATE_BATCH_JS = r"""
const [start, count, width, done] = arguments;
const calls = [];
for (let i = start; i < start + count; i++) {
  const n = String(i + 1).padStart(width, '0');
  const req = {
    name: `app/svc-${n}/db`,
    secretString: JSON.stringify({ username: `svc_${n}`, password: `pw-${n}-x9`, port: 5432 }),
    tags: [],
  };
  if (i % 3 === 0) req.description = `Database login for service ${n}`;
  if (i % 5 === 0) req.tags = [{ key: 'team', value: `team-${i % 17}` }, { key: 'env', value: 'prod' }];
  calls.push(window.__TAURI_INTERNALS__.invoke('create_secret', { req }));
}
Promise.allSettled(calls).then((rs) => {
  const bad = rs.filter((r) => r.status === 'rejected');
  done({ ok: rs.length - bad.length, error: bad.length ? bad[0].reason : null });
});
"""

# The names in the rendered rows of the secrets table, in order.
_ROW_NAMES_JS = r"""
return Array.from(document.querySelectorAll('[data-testid="secrets-scroll"] tr[aria-rowindex]'))
  .map((tr) => { const a = tr.querySelector('a'); return a ? a.textContent.trim() : null; })
  .filter(Boolean);
"""

# Times one IPC call in the page (seconds); fails on an error answer.
_TIMED_INVOKE_JS = r"""
const [cmd, args, done] = arguments;
const t = performance.now();
window.__TAURI_INTERNALS__.invoke(cmd, args)
  .then(() => done((performance.now() - t) / 1000))
  .catch((e) => done(-1));
"""

# Scrolls the table's container to a fraction of its height; answers the geometry.
_SCROLL_JS = r"""
const el = document.querySelector('[data-testid="secrets-scroll"]');
if (!el) return null;
const frac = arguments[0];
el.scrollTop = frac >= 1 ? el.scrollHeight : Math.round((el.scrollHeight - el.clientHeight) * frac);
el.dispatchEvent(new Event('scroll'));
// A person scrolls with the wheel: that is activity to the idle auto-lock as well.
el.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: 100 }));
return { top: el.scrollTop, height: el.scrollHeight };
"""


def name_of(i: int, width: int) -> str:
    """The name of the i-th secret (0-based), as the batch script makes it."""
    return f"app/svc-{str(i + 1).zfill(width)}/db"


def now() -> float:
    return time.monotonic()


class TimedSession(AppSession):
    """An AppSession on a given store dir that records when the app launch was requested."""

    def start(self) -> "TimedSession":
        import subprocess
        import urllib.request

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
        # t0: the moment the app launch is requested (the WebDriver session starts the app).
        self.t0 = now()
        try:
            self.driver = webdriver.Remote(command_executor=url, options=options)
        except Exception:
            self.close()
            raise
        self.t_session = now()
        wait_until(lambda: self.driver.execute_script(
            "return document.readyState === 'complete' && !!window.__TAURI_INTERNALS__"),
            timeout=120, interval=0.02, what="the page to load")
        self.t_page = now()
        self.driver.set_script_timeout(600)
        return self


# -- processes and memory --------------------------------------------------------------------

def _proc_table() -> dict[int, tuple[int, str]]:
    """pid → (ppid, comm) for every process, read from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # comm is in parentheses and may contain spaces; ppid follows the state field.
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), comm)
    return table


def _descendants(root: int) -> list[tuple[int, str]]:
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        for c in sorted(children.get(pid, [])):
            out.append((c, table[c][1]))
            stack.append(c)
    return out


def _rss_kb(pid: int) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory(session: TimedSession) -> tuple[list[tuple[int, str, int]], int]:
    """The app (coffer-desktop) and every process below it (WebKitWebProcess,
    WebKitNetworkProcess, …) with VmRSS in KiB; the total of those. tauri-driver and
    WebKitWebDriver (test plumbing, above the app) are listed with a '-' and not counted."""
    procs = _descendants(session.driver_proc.pid)
    app = next((pid for pid, comm in procs if comm.startswith("coffer-desktop")), None)
    if app is None:
        raise RuntimeError(f"no coffer-desktop below tauri-driver: {procs}")
    counted = {app} | {pid for pid, _ in _descendants(app)}
    rows, total = [], 0
    for pid, comm in [(session.driver_proc.pid, "tauri-driver")] + procs:
        kb = _rss_kb(pid) or 0
        if pid in counted:
            total += kb
        rows.append((pid, comm if pid in counted else f"-{comm}", kb))
    return rows, total


def print_memory(title: str, rows, total: int) -> None:
    print(f"  {title}:")
    for pid, comm, kb in rows:
        print(f"    {comm:<24} pid {pid:<7} {kb / 1024:8.1f} MB")
    print(f"    {'total (app + children)':<24} {'':<11} {total / 1024:8.1f} MB")


# -- the two sessions ------------------------------------------------------------------------

def populate(store_dir: Path, n: int, password: str, batch: int, width: int) -> dict:
    print(f"[populate] store {store_dir / 'coffer.db'}, {n} secrets, batches of {batch}",
          flush=True)
    app = TimedSession(app=os.environ.get("COFFER_DESKTOP_BIN"), store_dir=str(store_dir))
    app.start()
    try:
        created = app.invoke("create_store", {"req": {"password": password}})
        if not created["ok"]:
            raise RuntimeError(f"create_store failed: {created}")
        t_start, last_print, done_count = now(), now(), 0
        while done_count < n:
            count = min(batch, n - done_count)
            r = app.driver.execute_async_script(_CREATE_BATCH_JS, done_count, count, width)
            if r["ok"] != count:
                raise RuntimeError(f"batch at {done_count}: {count - r['ok']} failed: {r['error']}")
            done_count += count
            if now() - last_print >= 10 or done_count == n:
                el = now() - t_start
                print(f"[populate] {done_count:>7}/{n}  {el:7.1f}s  {done_count / el:7.1f}/s",
                      flush=True)
                last_print = now()
        elapsed = now() - t_start
        page = app.invoke("list_secrets", {"req": {"maxResults": 1}})
        if not page["ok"] or not page["data"]["secrets"]:
            raise RuntimeError(f"list_secrets after population: {page}")
    finally:
        app.close()
    return {"seconds": elapsed, "rate": n / elapsed}


def cold_start(store_dir: Path, n: int, password: str, width: int, deep_timeout: float) -> dict:
    res: dict = {}
    app = TimedSession(app=os.environ.get("COFFER_DESKTOP_BIN"), store_dir=str(store_dir))
    print("[cold start] launching the app", flush=True)
    app.start()
    try:
        res["launch_to_session"] = app.t_session - app.t0
        res["launch_to_page"] = app.t_page - app.t0
        field = wait_until(lambda: app.driver.execute_script(
            "const el = document.getElementById('master');"
            "return el && !el.disabled && el.offsetWidth > 0 ? el : null;"),
            timeout=120, interval=0.02, what="the unlock screen's password field")
        res["launch_to_unlock_screen"] = now() - app.t0
        app.type(field, password, clear=False)
        t_submit = now()
        field.send_keys(Keys.ENTER)
        wait_until(lambda: app.driver.execute_script(
            "return !document.getElementById('master') && "
            "!!document.querySelector('nav[aria-label=\"Main\"], [role=\"navigation\"]')"),
            timeout=300, interval=0.02, what="the unlock screen to go")
        res["unlock_to_shell"] = now() - t_submit
        first = wait_until(lambda: app.driver.execute_script(_ROW_NAMES_JS),
                           timeout=300, interval=0.02, what="the first named rows")
        res["unlock_to_first_rows"] = now() - t_submit
        res["launch_to_first_rows"] = now() - app.t0
        res["first_rows"] = (first[0], first[-1], len(first))
        app.settle()
        res["mem_first_rows"] = memory(app)
        shot = app.screenshot(f"startup-{n // 1000}k" if n % 1000 == 0 else f"startup-{n}")
        res["screenshot"] = str(shot)

        # Scroll to 50% of what the container holds now (the first loaded page(s)).
        loaded = len(_loaded_names(app))
        t = now()
        geo = app.driver.execute_script(_SCROLL_JS, 0.5)
        # The row at the top of the viewport after the scroll (rows are 44 px high).
        want = name_of(min(geo["top"] // 44, loaded - 1), width)

        def mid_rendered():
            names = app.driver.execute_script(_ROW_NAMES_JS)
            return names if names and want in names else None

        names = wait_until(mid_rendered, timeout=60, interval=0.01, what="rows at 50%")
        res["scroll_half_loaded"] = (now() - t, loaded, geo, names[0], names[-1])

        # Scroll through infinite loading until row N/2 (the middle of the store) renders:
        # scroll to the end while fewer rows are loaded, then to the row itself.
        target = name_of(n // 2, width)
        t, last_print, polls = now(), now(), 0
        reached = None
        while now() - t < deep_timeout:
            polls += 1
            if len(_loaded_names(app)) > n // 2:
                app.driver.execute_script(
                    "const el = document.querySelector('[data-testid=\"secrets-scroll\"]');"
                    "el.scrollTop = arguments[0] * 44 - el.clientHeight / 2;", n // 2)
            else:
                app.driver.execute_script(_SCROLL_JS, 1.0)
            names = app.driver.execute_script(_ROW_NAMES_JS)
            if names and target in names:
                reached = names
                break
            if not names and app.driver.execute_script(
                    "return !!document.getElementById('master') || "
                    "!!document.querySelector('[role=alert]')"):
                res["deep_stopped"] = "the app locked or showed an error"
                break
            if now() - last_print >= 10:
                print(f"[cold start] deep scroll: {now() - t:6.1f}s, "
                      f"{len(_loaded_names(app))} rows loaded", flush=True)
                last_print = now()
        if reached:
            res["scroll_to_middle"] = (now() - t, target, polls)
            app.settle()
            res["mem_middle"] = memory(app)
            res["screenshot_middle"] = str(app.screenshot(
                f"startup-{n // 1000}k-middle" if n % 1000 == 0 else f"startup-{n}-middle"))
        else:
            names = app.driver.execute_script(_ROW_NAMES_JS)
            res["scroll_to_middle"] = (None, target, polls, names[-1] if names else None,
                                       len(_loaded_names(app)), now() - t)
            res["mem_middle"] = memory(app)
            app.screenshot(f"startup-{n}-deep-stopped")
            app.dump(f"startup-{n}-deep-stopped")
        # One list page as the engine serves it: by name (the UI's default sort) and by
        # creation date (the indexed path), median of three calls each, timed in the page.
        res["ipc_page"] = {}
        for label, req in (("name", {"sortBy": "name", "sortOrder": "asc", "maxResults": 100}),
                           ("created-date", {"maxResults": 100})):
            times = sorted(app.driver.execute_async_script(_TIMED_INVOKE_JS, "list_secrets",
                                                           {"req": req}) for _ in range(3))
            res["ipc_page"][label] = times[1]
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            app.screenshot("startup-failure")
            app.dump("startup-failure")
        except Exception:
            pass
        raise
    finally:
        app.close()
    return res


def _loaded_names(app: TimedSession) -> list:
    """How many rows the table holds (aria-rowcount minus the header row)."""
    count = app.driver.execute_script(
        "const t = document.querySelector('[data-testid=\"secrets-scroll\"] table');"
        "return t ? Number(t.getAttribute('aria-rowcount')) - 1 : 0;")
    return list(range(count))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--secrets", type=int, default=100_000)
    p.add_argument("--store", help="store dir (holds coffer.db); kept; reused if it has one")
    p.add_argument("--password", default=DEFAULT_PASSWORD)
    p.add_argument("--batch", type=int, default=300, help="concurrent create_secret calls")
    p.add_argument("--deep-timeout", type=float, default=900,
                   help="seconds allowed for scrolling to the middle by infinite loading")
    a = p.parse_args()
    n, width = a.secrets, max(6, len(str(a.secrets)))
    store_dir = Path(a.store or tempfile.mkdtemp(prefix="coffer-measure-")).resolve()
    store_dir.mkdir(parents=True, exist_ok=True)
    binary = os.environ.get("COFFER_DESKTOP_BIN") or "target/debug/coffer-desktop"
    print(f"binary {binary}\nstore  {store_dir}\nload   {os.getloadavg()}", flush=True)

    pop = None
    if (store_dir / "coffer.db").exists():
        print("[populate] store exists: skipping population", flush=True)
    else:
        pop = populate(store_dir, n, a.password, a.batch, width)
    load_before = os.getloadavg()
    r = cold_start(store_dir, n, a.password, width, a.deep_timeout)
    load_after = os.getloadavg()

    print("\n===== Coffer desktop: cold start with", n, "secrets =====")
    print(f"binary                      {binary}")
    print(f"store                       {store_dir / 'coffer.db'} "
          f"({(store_dir / 'coffer.db').stat().st_size / 2**20:.1f} MB)")
    if pop:
        print(f"population                  {pop['seconds']:.1f} s ({pop['rate']:.1f} secrets/s)")
    print(f"launch → WebDriver session  {r['launch_to_session']:.2f} s")
    print(f"launch → page loaded        {r['launch_to_page']:.2f} s")
    print(f"launch → unlock screen      {r['launch_to_unlock_screen']:.2f} s")
    print(f"unlock → shell (nav)        {r['unlock_to_shell']:.2f} s")
    print(f"unlock → first rows         {r['unlock_to_first_rows']:.2f} s  "
          f"({r['first_rows'][0]} … {r['first_rows'][1]}, {r['first_rows'][2]} rendered)")
    print(f"launch → first rows         {r['launch_to_first_rows']:.2f} s (incl. typing)")
    s = r["scroll_half_loaded"]
    print(f"scroll to 50% of loaded     {s[0]:.2f} s  ({s[1]} rows loaded; shows {s[3]} … {s[4]})")
    m = r["scroll_to_middle"]
    if m[0] is not None:
        print(f"scroll to row {n // 2:<13} {m[0]:.2f} s  ({m[1]} rendered; {m[2]} scroll steps)")
    else:
        print(f"scroll to row {n // 2:<13} NOT reached: stopped after {m[5]:.0f} s "
              f"({r.get('deep_stopped', 'timeout')}; {m[4]} rows loaded, "
              f"last rendered {m[3]})")
    for label, secs in r["ipc_page"].items():
        print(f"list_secrets page, {label:<13} {secs:.3f} s (one 100-row page, median of 3)")
    print_memory("RSS at first rows", *r["mem_first_rows"])
    print_memory("RSS after the deep scroll", *r["mem_middle"])
    print(f"screenshot                  {r['screenshot']}")
    if "screenshot_middle" in r:
        print(f"screenshot (middle)         {r['screenshot_middle']}")
    print(f"load average before/after   {load_before} / {load_after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
