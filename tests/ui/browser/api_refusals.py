#!/usr/bin/python3
"""The API of a node's app refuses what it must, with a 4xx and a message naming the value, and changes
nothing: bad input (a wrong ID check character, an unknown material, a field that does not exist, a body
that is not JSON, one over the size limit), no session, another Host (DNS rebinding), another Origin;
and a page of another origin in a real browser cannot make a case through it."""
import json
import os

import silian_browser as sb
from selenium.webdriver.common.by import By

HOMESTEAD = "1115222201158101515000139500100"


def test(world):
    driver = sb.browser()
    try:
        url = world.village_app()
        host = url[len("http://"):]
        own = {"Host": host, "Origin": url}
        status, login = sb.http("POST", url + "/api/login", {"actor": "乌云"}, own)
        sb.check(status == 200 and login["actor"] == "乌云", "a bootstrap login names the actor")
        auth = dict(own, **{"X-Silian-Session": login["token"]})

        def refused(method, path, body, headers, want, words):
            status, reply = sb.http(method, url + path, body, headers)
            sb.check(status == want and words in reply.get("message", ""),
                     "%s %s answers %d naming %r: %s" % (method, path, status, words, reply.get("message")))

        case = {"item_code": HOMESTEAD, "applicant_name": "乌云", "applicant_id": "15222219880315002X"}
        refused("POST", "/api/cases", dict(case, applicant_id="152222198803150021"), auth, 400, "152222198803150021")
        refused("POST", "/api/cases", dict(case, materials=[{"name": "假材料"}]), auth, 400, "假材料")
        refused("POST", "/api/cases", dict(case, materials=[{"name": "申请表", "copies": 0}]), auth, 400, "copies 0")
        refused("POST", "/api/cases", dict(case, item_code="NO-SUCH-ITEM"), auth, 404, "NO-SUCH-ITEM")
        refused("POST", "/api/check", {"field": "colour", "value": "x"}, auth, 400, "colour")
        refused("POST", "/api/cases", b"{not json", auth, 400, "JSON")
        refused("POST", "/api/cases", b"x" * 70000, auth, 413, "70000")
        refused("POST", "/api/cases", case, own, 401, "X-Silian-Session")
        refused("POST", "/api/cases", case,
                dict(auth, Origin="http://evil.example"), 403, "evil.example")
        no_origin = {k: v for k, v in auth.items() if k != "Origin"}
        refused("POST", "/api/cases", case, no_origin, 403, "Origin")
        refused("GET", "/api/work", None, dict(auth, Host="rebound.example:80"), 403, "rebound.example")
        cases = json.loads(world.node("village.db", "--json", "case", "list").stdout)
        sb.check(cases == [], "none of the refused requests wrote a case")

        # The core keys its refusal: the reply carries the catalogue's key and its parameters beside the
        # English message, and the app says it in Chinese with the core's text as the detail.
        status, reply = sb.http("POST", url + "/api/cases", dict(case, applicant_id="152222198803150021"), auth)
        sb.check(status == 400 and reply.get("key") == "err.resident_id.check" and
                 reply.get("params") == {"value": "152222198803150021", "found": "1", "expected": "X"} and
                 "expected 'X'" in reply.get("message", ""),
                 "a keyed refusal names its key and parameters: %s" % reply)
        sb.actor_login(driver, url + "/", "乌云")
        sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after login")
        said = driver.execute_async_script("""
          const done = arguments[arguments.length - 1];
          api('POST', 'cases', arguments[0]).then(() => done('registered'), (e) => done(errorText(e)));
          """, dict(case, applicant_id="152222198803150021"))
        sb.check("身份证号“152222198803150021”的校验码是“1”，应为“X”" in said and "expected 'X'" in said,
                 "the app says the core's keyed refusal in Chinese, the core's message as the detail: " + said)
        cases = json.loads(world.node("village.db", "--json", "case", "list").stdout)
        sb.check(cases == [], "the refused registration wrote no case")

        # A page of another origin (a plain web server on another port, as an attacker's page would be)
        # tries to register a case through the app in a real browser.
        os.mkdir(world.path("site"))
        open(world.path("site/index.html"), "w").write("<!doctype html><title>elsewhere</title>")
        port = sb.free_port()
        other = "http://127.0.0.1:%d" % port
        world.start(["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", world.path("site"),
                     str(port)], "site.log", other + "/")
        driver.get(other + "/")
        sb.wait_for(lambda: driver.execute_script("return document.readyState") == "complete", "the other page")
        outcome = driver.execute_async_script("""
          const done = arguments[arguments.length - 1];
          fetch(arguments[0] + '/api/cases', {method: 'POST', headers: {'Content-Type': 'application/json',
                'X-Silian-Session': arguments[1]}, body: JSON.stringify(arguments[2])})
            .then(r => done('status ' + r.status), e => done('blocked: ' + e));
          """, url, login["token"], case)
        sb.check(outcome.startswith("blocked"), "the browser blocks the other origin's request: " + outcome)
        outcome = driver.execute_async_script("""
          const done = arguments[arguments.length - 1];
          fetch(arguments[0] + '/api/cases', {method: 'POST', mode: 'no-cors', body: JSON.stringify(arguments[1])})
            .then(r => done('sent, opaque reply'), e => done('blocked: ' + e));
          """, url, case)
        cases = json.loads(world.node("village.db", "--json", "case", "list").stdout)
        sb.check(cases == [], "the other origin wrote nothing (%s)" % outcome)
        log = open(world.path("village.db.ui.log")).read()
        sb.check("internal error" not in log, "the app logged no internal error")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
