#!/usr/bin/python3
"""Instant items in one confirmed step: at a village node the agent registers a village-level instant item
(嘎查（村）居住证明出具) and, after confirming, the case is received, accepted, approved, completed and
delivered at the window, each step an op of the agent as `case act` would write it. A township-level instant
item cannot be taken through at a village: the app says so in Chinese from the refusal's rule
(no_authority), with the core's message naming the level needed as the detail, and nothing is stored (no case, no op). A dismissed confirmation writes nothing either."""
import json

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import silian_browser as sb

VILLAGE_INSTANT = "54152222MEA0Q7K6766200169100100"   # 嘎查（村）居住证明出具, exercised at village level
TOWNSHIP_INSTANT = "1115222201158101515200150600100"  # 城乡居民基本医疗保险参保登记, township level
NOT_INSTANT = "1115222201158101515000139500100"       # 农村宅基地用地审批


def own_seq(world):
    status = world.node_json("village.db", "status") or {}
    return [e for e in status.get("frontier", []) if e.get("origin") == "gacha200"]


def choose(driver, code):
    search = driver.find_element(By.ID, "search")
    driver.find_element(By.CSS_SELECTOR, "button[data-tab=intake]").click()
    search.clear()
    search.send_keys(code)
    sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#items[data-query='%s'] button.item[data-code='%s']"
                                            % (code, code)), "item " + code).click()
    name = sb.wait_for(lambda: driver.find_element(By.ID, "f-applicant_name"), "the intake form")
    sb.wait_for(lambda: name.is_displayed(), "the intake form shown")
    name.clear()
    name.send_keys("乌云")
    idn = driver.find_element(By.ID, "f-applicant_id")
    idn.clear()
    idn.send_keys("15222219880315002X")


def confirm(driver, accept):
    alert = WebDriverWait(driver, 5).until(expected_conditions.alert_is_present())
    text = alert.text
    alert.accept() if accept else alert.dismiss()
    return text


def cases(world):
    return json.loads(world.node("village.db", "--json", "case", "list").stdout)


def test(world):
    driver = sb.browser()
    try:
        url = world.village_app()
        sb.actor_login(driver, url + "/", "代办员甲")
        sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after login")

        choose(driver, NOT_INSTANT)
        sb.check(not driver.find_element(By.ID, "register-instant").is_displayed(),
                 "an item that is not instant offers no one-step button")

        choose(driver, VILLAGE_INSTANT)
        button = driver.find_element(By.ID, "register-instant")
        sb.check(button.is_displayed(), "the instant item offers the one-step button")
        driver.find_element(By.CSS_SELECTOR, "#materials input[type=checkbox]").click()
        button.click()
        confirm(driver, False)
        sb.check(cases(world) == [], "a dismissed confirmation writes nothing")
        button.click()
        text = confirm(driver, True)
        sb.check("嘎查（村）居住证明出具" in text, "the confirmation names the item: " + text)
        sb.wait_for(lambda: driver.find_element(By.ID, "instant-done").is_displayed(), "the instant case done")
        number = driver.find_element(By.ID, "case-number").text
        shown = json.loads(world.node("village.db", "--json", "case", "show", number).stdout)
        sb.check(shown["status"] == "delivered", "the instant case is delivered: " + shown["status"])
        steps = [h.get("action", h["kind"]) for h in shown["history"]]
        sb.check(steps == ["case_created", "material_received", "receive", "accept", "approve", "complete", "deliver"] and
                 all(h["actor"] == "代办员甲" and h["outcome"] == "applied" for h in shown["history"]),
                 "created, the material and five transitions, all by the agent: %s" % steps)
        sb.check(shown["delivery"]["method"] == "window", "delivered at the window")
        sb.check([m["name"] for m in shown["materials"]] == ["居民身份证"], "the ticked material is recorded")

        before = cases(world)
        frontier = own_seq(world)
        driver.find_element(By.ID, "new-case").click()
        choose(driver, TOWNSHIP_INSTANT)
        driver.find_element(By.ID, "register-instant").click()
        confirm(driver, True)
        error = sb.wait_for(lambda: driver.find_element(By.ID, "intake-error").text, "the refusal")
        sb.check("本节点无权受理：该事项由苏木乡镇办理" in error, "the refusal is said in Chinese from its rule: " + error)
        sb.check("township" in error and "accept" in error, "with the core's message as the detail: " + error)
        sb.check(cases(world) == before, "the refused instant registration stored no case")
        sb.check(own_seq(world) == frontier, "and wrote no op")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
