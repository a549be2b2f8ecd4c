"""Support for the browser tests of the web app (docs/ui.md, "Tests"): real silian-node and silian-hub
processes on free loopback ports in a temporary directory, and headless Chromium driven by Selenium.

Each test is a script run by ctest with the paths of the programs:
    test.py --node BIN --hub BIN --admin BIN --catalog reference/catalog.json
It exits 0 when every check holds, 1 (with the reason) when one fails, and 77 (ctest's SKIP_RETURN_CODE)
when Chromium, its driver or Selenium is missing, saying which.
"""
import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77
CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
DRIVER = ["/usr/bin/chromedriver"]

COUNTY = "152222000000"
TOWNSHIP = "152222104000"
VILLAGE = "152222104200"


def parse_args():
    p = argparse.ArgumentParser()
    for name in ("node", "hub", "admin", "catalog"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--bench")  # silian-bench, for the tests that seed a large ledger (page_speed.py)
    return p.parse_args()


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(SKIP)


def fail(reason):
    print("FAIL: " + reason)
    sys.exit(1)


def check(condition, reason):
    if not condition:
        fail(reason)
    print("ok: " + reason)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """A temporary directory with the programs, and the processes started in it (stopped at exit)."""

    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="silian-browser-")
        self.env = dict(os.environ, SILIAN_ALLOW_PLAIN_HTTP="loopback", SILIAN_SESSION_DIR=self.path("sessions"))
        self.processes = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def run(self, program, *argv, check_ok=True, stdin=None):
        r = subprocess.run([program, *argv], env=self.env, cwd=self.dir, capture_output=True, text=True, timeout=60,
                           input=stdin)
        if check_ok and r.returncode != 0:
            fail("%s %s exited %d: %s%s" % (os.path.basename(program), " ".join(argv), r.returncode, r.stdout, r.stderr))
        return r

    def node(self, db, *argv):
        return self.run(self.args.node, "--db", self.path(db), *argv)

    def node_json(self, db, *argv):
        """The JSON `silian-node --db DB --json ARGV` prints, or None when it fails (for polling: a ledger
        opened while another process writes can be refused for a moment; see docs/ui.md)."""
        r = self.run(self.args.node, "--db", self.path(db), "--json", *argv, check_ok=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def hub(self, db, *argv):
        return self.run(self.args.hub, "--db", self.path(db), *argv)

    def start(self, argv, log, ready_url, ready_headers=None):
        """Starts `argv` and waits until `ready_url` answers (any HTTP status)."""
        out = open(self.path(log), "ab")
        p = subprocess.Popen(argv, env=self.env, cwd=self.dir, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(p)
        deadline = time.time() + 15
        while time.time() < deadline:
            if p.poll() is not None:
                fail("%s exited %d: %s" % (argv[0], p.returncode, open(self.path(log)).read()))
            try:
                urllib.request.urlopen(urllib.request.Request(ready_url, headers=ready_headers or {}), timeout=1)
                return p
            except urllib.error.HTTPError:
                return p
            except OSError:
                time.sleep(0.05)
        fail("%s did not answer at %s" % (argv[0], ready_url))

    def serve_hub(self, db, extra=()):
        port = free_port()
        self.start([self.args.hub, "--db", self.path(db), "serve", "--listen", "127.0.0.1:%d" % port, *extra],
                   db + ".log", "http://127.0.0.1:%d/healthz" % port)
        return "http://127.0.0.1:%d" % port

    def serve_ui(self, db):
        port = free_port()
        url = "http://127.0.0.1:%d" % port
        self.start([self.args.node, "--db", self.path(db), "ui", "--port", str(port)], db + ".ui.log",
                   url + "/api/session", {"Host": "127.0.0.1:%d" % port})
        return url

    def stop(self):
        for p in self.processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if os.environ.get("SILIAN_KEEP_WORLD"):  # to look at the ledgers a run left (a failure's, a timing's)
            print("kept", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- Set-ups

    def county_with_catalogue(self):
        self.hub("county.db", "init", "--node-id", "county", "--level", "county", "--division", COUNTY)
        self.run(self.args.admin, "--db", self.path("county.db"), "catalog", "import", self.args.catalog)

    def register(self, hub_db, node_db, program):
        ident = json.loads(self.run(program, "--db", self.path(node_db), "--json", "identity").stdout)
        self.hub(hub_db, "node", "add", ident["node"], "--level", ident["level"], "--division", ident["division"],
                 "--public-key", ident["public_key"])

    def village_synced(self, hub_url):
        """A village node that learned the catalogue from the county hub at `hub_url`."""
        self.node("village.db", "init", "--node-id", "gacha200", "--level", "village", "--division", VILLAGE)
        self.register("county.db", "village.db", self.args.node)
        self.node("village.db", "config", "set", "hub", hub_url)
        self.node("village.db", "sync")

    def village_app(self):
        """The village laptop's app (its URL), the village synced from a county hub serving the catalogue."""
        self.county_with_catalogue()
        self.village_synced(self.serve_hub("county.db"))
        return self.serve_ui("village.db")

    def township_synced(self, hub_url):
        """The township hall "sumu104" above that village, registered at the county hub and synced."""
        self.node("township.db", "init", "--node-id", "sumu104", "--level", "township", "--division", TOWNSHIP)
        self.register("county.db", "township.db", self.args.node)
        self.node("township.db", "config", "set", "hub", hub_url)
        self.node("township.db", "sync")


def set_last_contact(db, node_id, ms):
    """What a hub recorded of its child's last contact (the child went silent `now - ms` ago)."""
    with contextlib.closing(sqlite3.connect(db)) as c:
        n = c.execute("UPDATE peers SET last_contact_ms=? WHERE node_id=?", (ms, node_id)).rowcount
        c.commit()
    if n != 1:
        fail("no peer %s in %s" % (node_id, db))


def browser():
    """Headless Chromium at 1366x768, or SKIP naming what is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip("python3-selenium is not installed (tools/install-deps installs it)")
    binary = next((b for b in CHROMIUM if os.path.exists(b)), None)
    driver = next((d for d in DRIVER if os.path.exists(d)), None)
    if binary is None:
        skip("chromium is not installed (tools/install-deps installs it)")
    if driver is None:
        skip("chromium-driver is not installed (tools/install-deps installs it)")
    o = Options()
    o.binary_location = binary
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,768",
              "--lang=zh-CN"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service(driver), options=o)


def wait_for(fn, what, timeout=10):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:  # the element is not there yet
            last = e
        time.sleep(0.05)
    fail("timed out waiting for %s%s" % (what, ": %s" % last if last else ""))


# Runs `prepare` (JavaScript: resets what the step will fill), then `act` (JavaScript: the click, the typing),
# then polls on every frame until `selector` is shown (and holds `text`); answers the milliseconds from
# just before `act` to then, measured by the page's own clock (no WebDriver round trip inside).
_TIMED_STEP = """
const [prepare, act, selector, text] = arguments;
const done = arguments[arguments.length - 1];
new Function(prepare)();
const t0 = performance.now();
new Function(act)();
const ready = () => { const e = document.querySelector(selector);
                      return e && e.offsetParent !== null && (!text || e.textContent.includes(text)); };
const poll = () => ready() ? done(performance.now() - t0) : requestAnimationFrame(poll);
poll();
"""

# As _TIMED_STEP for a page just loaded: the milliseconds from the start of the navigation.
_TIMED_LOAD = """
const [selector, text] = arguments;
const done = arguments[arguments.length - 1];
const ready = () => { const e = document.querySelector(selector);
                      return e && e.offsetParent !== null && (!text || e.textContent.includes(text)); };
const poll = () => ready() ? done(performance.now()) : requestAnimationFrame(poll);
poll();
"""


def timed_step(driver, prepare, act, selector, text=""):
    """Milliseconds until `selector` (holding `text`) is shown after the JavaScript `act` (see _TIMED_STEP)."""
    driver.set_script_timeout(30)
    return driver.execute_async_script(_TIMED_STEP, prepare, act, selector, text)


def timed_load(driver, url, selector, text=""):
    """Milliseconds from the navigation to `url` until `selector` (holding `text`) is shown."""
    driver.set_script_timeout(30)
    driver.get(url)
    return driver.execute_async_script(_TIMED_LOAD, selector, text)


def actor_login(driver, page_url, name):
    """Opens the page at `page_url` and logs in as the free-text actor `name` (no staff accounts there)."""
    from selenium.webdriver.common.by import By  # imported where used: without selenium the tests skip
    driver.get(page_url)
    box = wait_for(lambda: driver.find_element(By.ID, "login-actor-name"), "the login form")
    wait_for(lambda: box.is_displayed(), "the login form shown")
    box.send_keys(name + "\n")


def open_case(driver, ref):
    """Opens the case page of `ref` (a case number or id) from the case tab and waits for it."""
    from selenium.webdriver.common.by import By
    driver.find_element(By.CSS_SELECTOR, "button[data-tab=case]").click()
    box = driver.find_element(By.ID, "case-ref")
    box.clear()
    # The page may show this case already: blanked, the wait below is for the new answer, not the old one.
    driver.execute_script("document.getElementById('case-text').textContent = '';")
    box.send_keys(ref + "\n")
    wait_for(lambda: ref in driver.find_element(By.ID, "case-text").text, "the case page of " + ref)


def clear_case_answer(driver):
    """Hides the case page's last answer, so that case_answer waits for the next one."""
    driver.execute_script("document.getElementById('case-done').hidden = true;"
                          "document.getElementById('case-error').textContent = '';")


def form_answer(driver, error_id, done_id, what):
    """Waits for a page to answer its last form: ("error", the text of `error_id`) once it has any, or
    ("done", the text of `done_id`) once that is shown."""
    from selenium.webdriver.common.by import By

    def answer():
        error = driver.find_element(By.ID, error_id).text
        if error:
            return ("error", error)
        done = driver.find_element(By.ID, done_id)
        return done.is_displayed() and ("done", done.text)
    return wait_for(answer, what)


def case_answer(driver):
    """Waits for the case page to answer the last form: ("done", text) or ("error", text)."""
    return form_answer(driver, "case-error", "case-done", "the case page's answer")


def http(method, url, body=None, headers=None):
    """(status, parsed JSON body) of one request; the body as JSON when given."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    h = dict(headers or {})
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main(test):
    """Runs test(world) and stops everything it started, whatever happens."""
    args = parse_args()
    for name in ("node", "hub", "admin", "catalog", "bench"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    world = World(args)
    started = time.time()
    try:
        test(world)
    finally:
        world.stop()
    print("passed in %.1f s" % (time.time() - started))
