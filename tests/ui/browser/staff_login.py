#!/usr/bin/python3
"""At a node with staff accounts the app's login is the staff login of `silian-node login` (the account's
passphrase verifier, an audit op): a wrong passphrase is refused naming the staff id, a free-text actor
is refused, and the case registered in the browser carries the staff id of the agent who logged in; an
instant item, which needs a clerk's acceptance, is refused to the agent before anything is written."""
from selenium.webdriver.common.by import By

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"
VILLAGE_INSTANT = "54152222MEA0Q7K6766200169100100"
PASSPHRASE = "grassland-2026-spring"


def test(world):
    driver = sb.browser()
    try:
        world.county_with_catalogue()
        hub = world.serve_hub("county.db")
        world.village_synced(hub)
        world.run(world.args.hub, "--db", world.path("county.db"), "staff", "add", "agent-wuyun", "--name", "乌云",
                  "--node", "gacha200", "--role", "agent", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
        world.node("village.db", "sync")
        url = world.serve_ui("village.db")
        own = {"Host": url[len("http://"):], "Origin": url}

        status, info = sb.http("GET", url + "/api/session", None, own)
        sb.check(info["staff_required"] is True, "the node holds staff accounts: the app asks for a staff login")
        status, reply = sb.http("POST", url + "/api/login", {"actor": "anyone"}, own)
        sb.check(status == 400 and "has staff accounts" in reply["message"],
                 "a free-text actor is refused: " + reply["message"])
        status, reply = sb.http("POST", url + "/api/login", {"staff_id": "agent-wuyun", "passphrase": "wrong-wrong-wrong"}, own)
        sb.check(status == 400 and "agent-wuyun" in reply["message"],
                 "a wrong passphrase is refused naming the staff id: " + reply["message"])

        driver.get(url + "/")
        staff = sb.wait_for(lambda: driver.find_element(By.ID, "login-staff-id"), "the staff login form")
        sb.wait_for(lambda: staff.is_displayed(), "the staff login form shown")
        staff.send_keys("agent-wuyun")
        driver.find_element(By.ID, "login-pass").send_keys(PASSPHRASE + "\n")
        search = sb.wait_for(lambda: driver.find_element(By.ID, "search"), "the app after the staff login")
        sb.wait_for(lambda: search.is_displayed(), "the app shown")
        search.send_keys(HOMESTEAD)
        sb.wait_for(lambda: driver.find_element(
            By.CSS_SELECTOR, "#items[data-query='%s'] button.item[data-code='%s']" % (HOMESTEAD, HOMESTEAD)),
            "the item found by its code").click()
        name = sb.wait_for(lambda: driver.find_element(By.ID, "f-applicant_name"), "the intake form")
        sb.wait_for(lambda: name.is_displayed(), "the intake form shown")
        name.send_keys("巴特尔")
        driver.find_element(By.ID, "f-applicant_id").send_keys("15222219880315002X")
        driver.find_element(By.ID, "register").click()
        number = sb.wait_for(lambda: driver.find_element(By.ID, "case-number").text, "the case number")
        shown = world.node_json("village.db", "case", "show", number)
        actors = {h["actor"] for h in shown["history"]}
        sb.check(actors == {"agent-wuyun"}, "every op of the case carries the staff id: %s" % actors)

        # An agent may receive but not accept or decide: an instant item is refused before anything is written.
        token = driver.execute_script("return sessionStorage.getItem('silian.token')")
        before = world.node_json("village.db", "case", "list")
        status, reply = sb.http("POST", url + "/api/cases",
                                {"item_code": VILLAGE_INSTANT, "applicant_name": "巴特尔",
                                 "applicant_id": "15222219880315002X", "instant": True},
                                dict(own, **{"X-Silian-Session": token}))
        sb.check(status == 403 and "agent-wuyun" in reply["message"] and "clerk" in reply["message"],
                 "an agent's instant registration is refused naming the staff member and the role needed: %s" % reply)
        sb.check(world.node_json("village.db", "case", "list") == before, "and no case was stored")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
