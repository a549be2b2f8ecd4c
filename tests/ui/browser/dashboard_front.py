#!/usr/bin/python3
"""The county's dashboard through the hub's nginx front (`silian-hub front-config`, as the demo runs it):
the front forwards /ui/ with the app's body limit and checks the Origin; the hub asks a request that came
through the front for a staff login with the supervisor role (a free-text actor, a clerk and a wrong
passphrase are refused, and no session is left), and a supervisor sees the dashboard in the browser
through the front. On the hub's own machine, without the front, the dashboard stays as it was (the
staff login, as at a node)."""
import contextlib
import os
import sqlite3

from selenium.webdriver.common.by import By

import silian_browser as sb

PASSPHRASE = "correct horse battery staple"
NGINX = os.environ.get("SILIAN_NGINX", "/usr/sbin/nginx")


def start_front(world, hub_url):
    if not os.path.exists(NGINX):
        sb.skip("nginx is not installed (tools/install-deps installs nginx-light)")
    port = sb.free_port()
    front_dir = world.path("front")
    world.hub("county.db", "front-config", "--listen", "127.0.0.1:%d" % port, "--hub", hub_url[len("http://"):],
              "--dir", front_dir)
    world.start([NGINX, "-p", front_dir + "/", "-e", front_dir + "/error.log", "-c", front_dir + "/nginx.conf",
                 "-g", "master_process off;"], "front.log", "http://127.0.0.1:%d/healthz" % port)
    return "http://127.0.0.1:%d" % port


def add_staff(world, staff_id, role):
    world.run(world.args.hub, "--db", world.path("county.db"), "staff", "add", staff_id, "--name", staff_id,
              "--node", "county", "--role", role, "--passphrase-stdin", stdin=PASSPHRASE + "\n")


def sessions(world):
    with contextlib.closing(sqlite3.connect(world.path("county.db"), timeout=10)) as c:
        return c.execute("SELECT count(*) FROM staff_session").fetchone()[0]


def test(world):
    driver = sb.browser()
    try:
        world.county_with_catalogue()
        add_staff(world, "clerk-li", "clerk")
        add_staff(world, "sup-wang", "supervisor")
        hub = world.serve_hub("county.db")
        front = start_front(world, hub)
        own = {"Host": hub[len("http://"):], "Origin": hub}
        via = {"Origin": front}
        before = sessions(world)

        status, reply = sb.http("POST", front + "/ui/api/login", {"actor": "督查员"}, via)
        sb.check(status == 403 and "supervisor" in reply["message"],
                 "through the front a free-text actor is refused: " + reply["message"])
        status, info = sb.http("GET", front + "/ui/api/session", None, via)
        sb.check(status == 200 and info["via_front"] is True and info["staff_required"] is True,
                 "through the front the page asks for a staff login")
        status, reply = sb.http("POST", front + "/ui/api/login", {"staff_id": "clerk-li", "passphrase": PASSPHRASE}, via)
        sb.check(status == 403 and "clerk-li" in reply["message"] and "supervisor" in reply["message"],
                 "a clerk is refused through the front, by name: " + reply["message"])
        status, reply = sb.http("POST", front + "/ui/api/login", {"staff_id": "sup-wang", "passphrase": "wrong-wrong-1"}, via)
        sb.check(status == 400 and "sup-wang" in reply["message"], "a wrong passphrase is refused: " + reply["message"])
        status, reply = sb.http("POST", front + "/ui/api/login", {"staff_id": "sup-wang", "passphrase": PASSPHRASE},
                                {"Origin": "http://evil.example"})
        sb.check(status == 403 and reply["error"] == "origin_refused", "the front refuses another site's Origin")
        status, reply = sb.http("POST", front + "/ui/api/login", {"staff_id": "sup-wang", "passphrase": PASSPHRASE})
        sb.check(status == 403 and reply["error"] == "origin_refused", "a POST without an Origin is refused")
        status, reply = sb.http("POST", front + "/ui/api/login", b"{" + b" " * (70 * 1024) + b"}",
                                dict(via, **{"Content-Type": "application/json"}))
        sb.check(status == 413 and "65536" in reply["message"], "the front holds the app's body limit: " + reply["message"])
        status, reply = sb.http("GET", front + "/ui/api/overdue", None, via)
        sb.check(status == 401, "the API through the front needs a session")

        sb.check(sessions(world) == before, "the refused logins left no session")
        driver.get(front + "/ui/")
        staff = sb.wait_for(lambda: driver.find_element(By.ID, "login-staff-id"), "the staff login form")
        sb.wait_for(lambda: staff.is_displayed(), "the staff login form shown through the front")
        staff.send_keys("sup-wang")
        driver.find_element(By.ID, "login-pass").send_keys(PASSPHRASE + "\n")
        sb.wait_for(lambda: driver.find_element(By.ID, "network").is_displayed(), "the dashboard through the front")
        sb.wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#chart-completion circle.point"),
                    "the charts through the front")
        sb.check(sessions(world) == before + 1, "the supervisor's login is one staff session")
        token = driver.execute_script("return sessionStorage.getItem('silian.hub.token')")
        status, _ = sb.http("GET", front + "/ui/api/network", None, dict(via, **{"X-Silian-Session": token}))
        sb.check(status == 200, "the supervisor's session answers through the front")
        status, login = sb.http("POST", hub + "/ui/api/login", {"staff_id": "clerk-li", "passphrase": PASSPHRASE}, own)
        status, _ = sb.http("GET", hub + "/ui/api/network", None, dict(own, **{"X-Silian-Session": login["token"]}))
        sb.check(status == 200, "on the hub's own machine the dashboard stays as it was (any staff login)")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
