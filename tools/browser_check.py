"""Look at the built book as a reader's browser does: headless Chromium, driven over the DevTools protocol.

Usage: python tools/browser_check.py [_build/html]     (after `make book`; prints every page's findings)

For each page of the built book it reports JavaScript errors (uncaught exceptions, console errors, failed
loads) and every element a reader would have to scroll sideways at a 1400 x 900 window: the page itself, and
any code cell, output or table whose content is wider than its box. tests/test_browser.py runs the same
checks, and moves the explorer's sliders (appendix C). Needs Debian's `chromium` (or `FSSM_CHROMIUM`) and
the `websocket-client` package; nothing is fetched from the network (pages are opened from file://).
"""
from __future__ import annotations

import glob
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

WINDOW = (1400, 900)  # the reader's window of the issue: no horizontal scroll at this width

# Elements whose overflow a reader would scroll: code cells, outputs, tables, math. The page itself is checked
# apart. A box counts as overflowing when its content is wider than it by more than 2 px (sub-pixel rounding).
OVERFLOW_JS = r"""
(() => {
  const found = [];
  const doc = document.scrollingElement;
  if (doc.scrollWidth > window.innerWidth + 2) found.push({what: "page", width: doc.scrollWidth, box: window.innerWidth, text: ""});
  const sel = "main pre, main .cell_output, main table, main .highlight, main .math, main .MathJax, main mjx-container, main .output";
  for (const el of document.querySelectorAll(sel)) {
    if (el.offsetParent === null) continue;               // hidden (a toggled solution): not what a reader sees
    if (el.scrollWidth > el.clientWidth + 2) {
      const parent = el.parentElement && el.parentElement.closest(sel);
      if (parent && parent.scrollWidth > parent.clientWidth + 2) continue;  // report the outermost box only
      found.push({what: el.tagName.toLowerCase() + "." + (el.className || "").toString().split(" ")[0],
                  width: el.scrollWidth, box: el.clientWidth, text: (el.innerText || "").slice(0, 160)});
    }
  }
  return found;
})()
"""


def find_chromium() -> Optional[str]:
    """Path of a Chromium binary: $FSSM_CHROMIUM, else Debian's chromium (or google-chrome) on PATH; None."""
    env = os.environ.get("FSSM_CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium with one tab, driven over the DevTools protocol (a websocket).

    with Browser() as b:
        b.open("file:///.../page.html")     # waits for the load event and for the page to go quiet
        b.evaluate("document.title")        # the value of a JavaScript expression (promises awaited)
        b.errors                            # JavaScript errors seen since the last open()
    """

    def __init__(self, chromium: Optional[str] = None, window=WINDOW, timeout: float = 60.0):
        import websocket  # websocket-client; imported here so that the module imports without it

        self.chromium = chromium or find_chromium()
        self.window = window
        if self.chromium is None:
            raise FileNotFoundError("no Chromium found: install Debian's `chromium` or set FSSM_CHROMIUM")
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="fssm-chromium-")
        args = [self.chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-dev-shm-usage", "--remote-debugging-port=0", f"--user-data-dir={self._profile}",
                f"--window-size={window[0]},{window[1]}", "--allow-file-access-from-files", "about:blank"]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._devtools_port()
        tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout))
        page = next(t for t in tabs if t.get("type") == "page")
        self._ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout,
                                               suppress_origin=True)
        self._ids = itertools.count(1)
        self.errors: List[str] = []
        self._events: List[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=window[0], height=window[1],
                  deviceScaleFactor=1, mobile=False)

    def _devtools_port(self) -> int:
        """Chromium writes its port to DevToolsActivePort in the profile once it listens."""
        path = os.path.join(self._profile, "DevToolsActivePort")
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"{self.chromium} exited with code {self._proc.returncode} at start")
            try:
                return int(open(path).read().split()[0])
            except (OSError, ValueError, IndexError):
                time.sleep(0.05)
        raise TimeoutError(f"{self.chromium} did not open its DevTools port within {self.timeout} s")

    def _note(self, event: dict) -> None:
        """Keep the events that are JavaScript errors a reader's console would show."""
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = params["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text", "")
            self.errors.append(f"uncaught: {text.splitlines()[0] if text else d}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = params.get("args", [])
            self.errors.append("console.error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                           for a in args))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            e = params["entry"]
            self.errors.append(f"{e.get('source')}: {e.get('text')} {e.get('url', '')}".strip())
        self._events.append(event)

    def send(self, method: str, **params) -> dict:
        """Call one DevTools method and return its result (events that arrive meanwhile are noted)."""
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self._ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._note(msg)

    def _wait_for(self, method: str, timeout: float) -> None:
        deadline = time.time() + timeout
        while not any(e.get("method") == method for e in self._events):
            if time.time() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            self._ws.settimeout(max(0.05, deadline - time.time()))
            try:
                self._note(json.loads(self._ws.recv()))
            except Exception as exc:  # a websocket timeout: check the deadline again
                if type(exc).__name__ != "WebSocketTimeoutException":
                    raise
        self._ws.settimeout(self.timeout)

    def open(self, url: str, settle: float = 0.5) -> None:
        """Navigate, wait for the load event, then `settle` seconds for scripts that run after it."""
        self.errors, self._events = [], []
        self.send("Page.navigate", url=url)
        self._wait_for("Page.loadEventFired", self.timeout)
        self.pause(settle)

    def pause(self, seconds: float) -> None:
        """Let the page run for a while, still noting its errors."""
        end = time.time() + seconds
        while time.time() < end:
            self.evaluate("0")
            time.sleep(0.05)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (awaited if it is a promise), as JSON."""
        r = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluating {expression[:80]!r}: {r['exceptionDetails'].get('exception', r)}")
        return r["result"].get("value")

    def screenshot(self, path: str, full_page: bool = True) -> None:
        """Write a PNG of the page: the window, or (full_page) the whole scroll height, by making the window as
        tall as the page for the capture (the book's sticky sidebars then stay where a reader sees them)."""
        import base64
        if full_page:
            height = int(self.evaluate("document.scrollingElement.scrollHeight"))
            self.send("Emulation.setDeviceMetricsOverride", width=self.window[0], height=height,
                      deviceScaleFactor=1, mobile=False)
            self.pause(0.5)
        try:
            data = self.send("Page.captureScreenshot", format="png")["data"]
        finally:
            if full_page:
                self.send("Emulation.setDeviceMetricsOverride", width=self.window[0], height=self.window[1],
                          deviceScaleFactor=1, mobile=False)
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self._ws.close()
        finally:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def book_pages(html_root: str) -> List[str]:
    """The built chapters' pages, in file order."""
    return sorted(glob.glob(os.path.join(html_root, "book", "*.html")))


def check_page(browser: Browser, page: str) -> Dict[str, list]:
    """JavaScript errors and sideways-scrolling boxes of one built page."""
    browser.open(Path(page).resolve().as_uri())
    return {"errors": list(browser.errors), "overflow": browser.evaluate(OVERFLOW_JS)}


def main(argv=None) -> int:
    html_root = (argv or sys.argv[1:] or ["_build/html"])[0]
    pages = book_pages(html_root)
    if not pages:
        sys.exit(f"no pages under {html_root}/book: build the book first (make book)")
    bad = 0
    with Browser() as b:
        for page in pages:
            found = check_page(b, page)
            name = os.path.basename(page)
            print(f"{name}: {len(found['errors'])} JavaScript errors, {len(found['overflow'])} boxes wider than "
                  f"the page")
            for e in found["errors"]:
                print(f"    error: {e}")
            for o in found["overflow"]:
                print(f"    {o['what']} {o['width']} px in {o['box']} px: {o['text'][:100]!r}")
            bad += bool(found["errors"] or found["overflow"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
