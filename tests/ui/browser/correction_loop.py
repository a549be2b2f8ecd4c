#!/usr/bin/python3
"""The correction loop across the network, in the apps of a village agent and a township clerk (issue 12's
second test): the agent forwards a case handed in without the household register and syncs from the app;
the township clerk requests a correction from the case page and prints the one-time notice, which names
the missing material; the agent, after syncing, finds the case waiting for correction in "my work",
records the material and supplies the correction; the clerk accepts, takes the review steps and approves.
The county hub notifies applicants (notify on): its outbox holds the notices of every stage of the case,
and the case page shows the applicant's notices, text for text those of the outbox."""
import time
import json

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"  # township level; steps preliminary_review, review, approval
MISSING = "户口簿复印件"
HANDED_IN = ["申请表", "居民身份证复印件", "嘎查（村）民委员会证明", "建房设计图"]


def show(world, db, ref):
    return world.node_json(db, "case", "show", ref) or {}


def open_app(driver, url):
    """Goes to the app at `url` (its session is kept in this tab's sessionStorage) and waits for it."""
    driver.get(url + "/")
    sb.wait_for(lambda: driver.find_element(By.ID, "app").is_displayed(), "the app of " + url)


def sync_from_app(driver):
    """Presses the sync button and waits until the sync line reports it done."""
    driver.find_element(By.ID, "sync-now").click()
    sb.wait_for(lambda: driver.find_element(By.ID, "sync-now").is_enabled() and
                "已同步" in driver.find_element(By.ID, "sync-words").text, "the sync from the app")


def act(driver, action, reason=""):
    sb.clear_case_answer(driver)
    Select(driver.find_element(By.ID, "act-action")).select_by_value(action)
    if reason:
        driver.find_element(By.ID, "act-reason").send_keys(reason)
    driver.find_element(By.CSS_SELECTOR, "#form-act button[type=submit]").click()
    kind, said = sb.case_answer(driver)
    sb.check(kind == "done", "%s from the case page (%s)" % (action, said))


def printed(driver, label):
    """The text of the printable document the case page's button `label` opens in a window."""
    main = driver.current_window_handle
    [b for b in driver.find_elements(By.CSS_SELECTOR, "#case-print button") if b.text == label][0].click()
    sb.wait_for(lambda: len(driver.window_handles) > 1, "the print window of " + label)
    driver.switch_to.window([h for h in driver.window_handles if h != main][0])
    text = sb.wait_for(lambda: driver.find_element(By.TAG_NAME, "body").text, "the document " + label)
    driver.close()
    driver.switch_to.window(main)
    return text


def hub_notices(world, case_id):
    r = world.run(world.args.hub, "--db", world.path("county.db"), "--json", "notices", "list", "--limit", "1000")
    return [n for n in json.loads(r.stdout) if n["case_id"] == case_id]


def test(world):
    driver = sb.browser()
    try:
        world.county_with_catalogue()
        world.hub("county.db", "config", "set", "notify", "on")
        hub = world.serve_hub("county.db")
        world.village_synced(hub)
        world.township_synced(hub)
        made = json.loads(world.node("village.db", "--json", "case", "new", "--item", HOMESTEAD, "--applicant-name",
                                     "乌云", "--applicant-id", "15222219880315002X", "--phone", "13912345678").stdout)
        ref, number = made["case_id"], made["case_number"]
        for m in HANDED_IN:
            world.node("village.db", "case", "material", ref, m)
        world.node("village.db", "case", "act", ref, "receive")
        village, township = world.serve_ui("village.db"), world.serve_ui("township.db")

        sb.actor_login(driver, village + "/", "代办员乌兰")
        sb.wait_for(lambda: driver.find_element(By.ID, "app").is_displayed(), "the agent's app")
        driver.find_element(By.CSS_SELECTOR, "button[data-tab=work]").click()
        sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#work button.act[data-action=forward]"),
                    "the forward button of the received case").click()
        sb.wait_for(lambda: show(world, "village.db", ref).get("status") == "forwarded", "the forward")
        sync_from_app(driver)
        sb.check(True, "the agent forwarded the case and synced from the app")

        world.node("township.db", "sync")
        sb.actor_login(driver, township + "/", "窗口甲")
        sb.wait_for(lambda: driver.find_element(By.ID, "app").is_displayed(), "the clerk's app")
        sb.open_case(driver, number)
        act(driver, "request-correction", "缺户口簿复印件")
        sb.check(show(world, "township.db", ref)["status"] == "correction_pending", "the ledger holds the request")
        notice = printed(driver, "一次性告知书")
        sb.check(MISSING in notice and number in notice and not any(m in notice for m in HANDED_IN[1:]),
                 "the printed one-time notice names the missing material, and only it")
        sync_from_app(driver)

        open_app(driver, village)
        sync_from_app(driver)
        driver.find_element(By.CSS_SELECTOR, "button[data-tab=work]").click()
        sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#work button.link[data-case='%s']" % ref),
                    "the case waiting for correction in my work").click()
        sb.wait_for(lambda: number in driver.find_element(By.ID, "case-text").text, "its case page")
        Select(driver.find_element(By.ID, "material-name")).select_by_value(MISSING)
        driver.find_element(By.CSS_SELECTOR, "#form-material button[type=submit]").click()
        sb.wait_for(lambda: any(m["name"] == MISSING for m in show(world, "village.db", ref).get("materials", [])),
                    "the missing material recorded")
        act(driver, "supply-correction")
        v = show(world, "village.db", ref)
        sb.check(v["status"] == "received" and v["history"][-1]["actor"] == "代办员乌兰",
                 "the agent supplied the correction: the case is received again, by the agent")
        sync_from_app(driver)

        open_app(driver, township)
        sync_from_app(driver)
        sb.open_case(driver, number)
        act(driver, "accept")
        for step in ("preliminary_review", "review", "approval"):
            sb.wait_for(lambda: step in driver.find_element(By.ID, "step-pending").text, "step " + step + " pending")
            driver.find_element(By.ID, "step-opinion").send_keys("同意")
            driver.find_element(By.CSS_SELECTOR, "#form-step button[type=submit]").click()
            sb.wait_for(lambda: step in show(world, "township.db", ref).get("review", {}).get("passed", []),
                        "step " + step + " passed")
        sb.open_case(driver, number)
        act(driver, "approve")
        sb.check(show(world, "township.db", ref)["status"] == "decided_approved", "the clerk approved the case")
        sync_from_app(driver)

        kinds = ["received", "correction_needed", "accepted", "decided"]
        outbox = sb.wait_for(lambda: [n for n in hub_notices(world, ref)] if
                             sorted(n["kind"] for n in hub_notices(world, ref)) == sorted(kinds) else None,
                             "the county's outbox to hold the case's four notices")
        sb.check(all(n["state"] in ("pending", "sent") for n in outbox),
                 "the county's outbox holds a notice of each stage, to be sent: %s" % [(n["kind"], n["state"]) for n in outbox])
        correction = next(n for n in outbox if n["kind"] == "correction_needed")
        sb.check(MISSING in correction["text"], "the correction notice names the missing material: " + correction["text"])

        # The case page was open on this case already: until the new answer is drawn, the old list is shown
        # (and is then replaced), so the list is read in one script and waited for.
        sb.open_case(driver, number)
        expected = {n["id"]: n["text"] for n in outbox}
        read = ("return Object.fromEntries([...document.querySelectorAll('#case-notices li[data-notice]')]"
                ".map(li => [li.dataset.notice, li.querySelector('.notice-text').textContent]));")
        deadline = time.time() + 10
        shown = driver.execute_script(read)
        while shown != expected and time.time() < deadline:
            time.sleep(0.05)
            shown = driver.execute_script(read)
        sb.check(shown == expected,
                 "the case page shows the applicant's notices, text for text those of the county's outbox: %s" % shown)
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
