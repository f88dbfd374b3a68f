#!/usr/bin/python3
"""Opens HTML reports in headless Chromium and reports what each page did.

    report_browser.py [--screenshots DIR] [--pdf DIR] [--a4] [--width W] [--height H]
                      [--media print] FILE.html...

Drives Chromium through the DevTools protocol over --remote-debugging-pipe
(file descriptors 3 and 4, NUL-separated JSON: no WebSocket, no dependency
beyond Python and Debian's chromium).  For each file, in one browser, it
watches the page's own network events (Network.requestWillBeSent for the
page's target, so Chromium's background traffic does not count), waits for
the load event, reads the sections the page shows, and can save a
screenshot (DIR/NAME.png), an A4 print (DIR/NAME.pdf), and the page's width
when laid out for A4 paper.  Prints one JSON object per file, one a line:

    {"file": ..., "requests": [urls other than the document itself],
     "sections": [[id, heading], ...], "title": ..., "width": scroll width,
     "pdf_pages": pages of the A4 print (with --pdf),
     "a4_width": scroll width in print media at A4's width (with --a4)}

Exit status: 0 when the page loaded, 1 on any failure to drive Chromium.
"""
import argparse
import base64
import json
import os
import re
import select
import shutil
import sys
import tempfile
import time

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--disable-default-apps", "--no-pings", "--hide-scrollbars", "--remote-debugging-pipe",
]


class Browser:
    def __init__(self, chromium):
        self.user_dir = tempfile.mkdtemp(prefix="shadowtap-chromium.")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        devnull = os.open(os.devnull, os.O_RDWR)
        actions = [
            (os.POSIX_SPAWN_DUP2, to_child_r, 3),
            (os.POSIX_SPAWN_DUP2, from_child_w, 4),
            (os.POSIX_SPAWN_DUP2, devnull, 0),
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
        ]
        argv = [chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + self.user_dir, "about:blank"]
        self.pid = os.posix_spawn(chromium, argv, os.environ, file_actions=actions)
        for fd in (to_child_r, from_child_w, devnull):
            os.close(fd)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self.receive(deadline)
            if reply is None:
                raise RuntimeError(f"{method}: no answer from Chromium")
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.from_child], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_event(self, method, session, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("method") == method and e.get("sessionId") == session:
                    return e
            event = self.receive(deadline)
            if event is None:
                return None
            self.events.append(event)

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, OSError):
            pass
        for _ in range(50):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        shutil.rmtree(self.user_dir, ignore_errors=True)


A4_WIDTH = 794  # pixels: 210 mm at 96 per inch

SECTIONS_JS = """JSON.stringify({
  title: document.title,
  width: document.documentElement.scrollWidth,
  sections: Array.from(document.querySelectorAll('section[id], footer[id]')).map(
    e => [e.id, (e.querySelector('h2') || {textContent: ''}).textContent])
})"""


def open_page(browser, path, args):
    url = "file://" + os.path.abspath(path)
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    browser.send("Network.enable", session=session)
    browser.send("Page.enable", session=session)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": args.width, "height": args.height, "deviceScaleFactor": 1,
                  "mobile": False}, session=session)
    if args.media:
        browser.send("Emulation.setEmulatedMedia", {"media": args.media}, session=session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": url}, session=session)
    if not browser.wait_event("Page.loadEventFired", session, 30):
        raise RuntimeError(f"{path}: the page did not finish loading")
    browser.wait_event("Network.never", session, 0.5)  # late requests, if any
    requests = [e["params"].get("request", e["params"]).get("url", "?") for e in browser.events
                if e.get("method") in ("Network.requestWillBeSent", "Network.webSocketCreated")
                and e.get("sessionId") == session]
    result = browser.send("Runtime.evaluate", {"expression": SECTIONS_JS, "returnByValue": True},
                          session=session)
    page = {"file": path, "requests": [u for u in requests if u != url]}
    page.update(json.loads(result["result"]["value"]))
    name = os.path.splitext(os.path.basename(path))[0]
    if args.screenshots:
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        with open(os.path.join(args.screenshots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    if args.pdf:
        pdf = base64.b64decode(browser.send(
            "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True,
                                "printBackground": True}, session=session, timeout=60)["data"])
        with open(os.path.join(args.pdf, name + ".pdf"), "wb") as f:
            f.write(pdf)
        counts = [int(n) for n in re.findall(rb"/Count (\d+)", pdf)]
        page["pdf_pages"] = max(counts) if counts else 0
    if args.a4:
        # The same page as printed: A4's printable width (210 mm at 96 dpi) and print media.
        browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": A4_WIDTH, "height": 1123, "deviceScaleFactor": 1, "mobile": False},
                     session=session)
        result = browser.send("Runtime.evaluate", {"expression": SECTIONS_JS, "returnByValue": True},
                              session=session)
        page["a4_width"] = json.loads(result["result"]["value"])["width"]
    browser.send("Target.closeTarget", {"targetId": target})
    return page


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--screenshots")
    parser.add_argument("--pdf")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    parser.add_argument("--media", help="emulate this CSS media type (print) for the screenshots")
    parser.add_argument("--a4", action="store_true",
                        help="also measure each page as printed on A4 (a4_width)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    browser = Browser(args.chromium)
    try:
        for path in args.files:
            print(json.dumps(open_page(browser, path, args)), flush=True)
        return 0
    except (RuntimeError, OSError, KeyError, ValueError) as e:
        print(f"report_browser.py: {e}", file=sys.stderr)
        return 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
