#!/usr/bin/python3
"""A township clerk's window queue: a case a village agent received and forwarded reaches the township by
sync and waits in its queue; the clerk requests a correction (one-time notice) from the app, the missing
material is supplied, and the clerk accepts it; each step is an op in the township's ledger, authored by
the clerk, as `case act` would write it. A village, which has no authority for the item, is offered no
such action."""
import json

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.support import expected_conditions

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"  # exercised at township level


def status_of(world, db, ref):
    return (world.node_json(db, "case", "show", ref) or {}).get("status")


def test(world):
    driver = sb.browser()
    try:
        world.county_with_catalogue()
        hub = world.serve_hub("county.db")
        world.village_synced(hub)
        made = json.loads(world.node("village.db", "--json", "case", "new", "--item", HOMESTEAD, "--applicant-name",
                                     "乌云", "--applicant-id", "15222219880315002X").stdout)
        ref = made["case_id"]
        world.node("village.db", "case", "act", ref, "receive")
        world.node("village.db", "case", "act", ref, "forward")
        world.node("village.db", "sync")
        world.township_synced(hub)
        url = world.serve_ui("township.db")

        sb.actor_login(driver, url + "/", "窗口甲")
        sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after login")
        driver.find_element(By.CSS_SELECTOR, "button[data-tab=queue]").click()
        row = sb.wait_for(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
                                   if made["case_number"] in r.text], "the forwarded case in the queue")[0]
        sb.check("待受理" in row.text, "the forwarded case waits for acceptance: " + row.text)
        buttons = [b.text for b in row.find_elements(By.CSS_SELECTOR, "td:last-child button")]
        sb.check(buttons == ["受理", "一次性告知补正"], "the clerk is offered accept and request-correction: %s" % buttons)

        row.find_elements(By.CSS_SELECTOR, "td:last-child button")[1].click()
        alert = WebDriverWait(driver, 5).until(expected_conditions.alert_is_present())
        alert.send_keys("户口簿复印件")
        alert.accept()
        sb.wait_for(lambda: status_of(world, "township.db", ref) == "correction_pending", "the correction request")
        shown = json.loads(world.node("township.db", "--json", "case", "show", ref).stdout)
        last = shown["history"][-1]
        sb.check(last["actor"] == "窗口甲", "the op is authored by the clerk who logged in: %s" % last["actor"])

        world.node("township.db", "case", "material", ref, "户口簿复印件")
        world.node("township.db", "case", "act", ref, "supply-correction")
        driver.find_element(By.CSS_SELECTOR, "button[data-tab=work]").click()
        driver.find_element(By.CSS_SELECTOR, "button[data-tab=queue]").click()
        row = sb.wait_for(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
                                   if made["case_number"] in r.text and r.find_elements(By.CSS_SELECTOR, "td:last-child button")],
                          "the supplied case back in the queue")[0]
        row.find_elements(By.CSS_SELECTOR, "td:last-child button")[0].click()
        sb.wait_for(lambda: status_of(world, "township.db", ref) == "accepted", "the acceptance")
        sb.check(True, "the clerk accepted the case from the queue")
        row = sb.wait_for(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
                                   if made["case_number"] in r.text and "正常" in r.text], "the accepted case's clock")[0]
        sb.check("正常" in row.text, "the accepted case stays in the queue with its promised clock: " + row.text)

        village = world.serve_ui("village.db")
        host = {"Host": village[len("http://"):], "Origin": village}
        status, login = sb.http("POST", village + "/api/login", {"actor": "agent"}, host)
        status, queue = sb.http("GET", village + "/api/queue", None, dict(host, **{"X-Silian-Session": login["token"]}))
        sb.check(status == 200 and all(not c["actions"] for c in queue["cases"]),
                 "the village is offered no acceptance (no authority for the item)")
        status, reply = sb.http("POST", village + "/api/cases/%s/act" % ref, {"action": "accept"},
                                dict(host, **{"X-Silian-Session": login["token"]}))
        sb.check(status == 409 and "township" in reply["message"],
                 "the village's API refuses acceptance naming the level needed: %s" % reply.get("message"))
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
