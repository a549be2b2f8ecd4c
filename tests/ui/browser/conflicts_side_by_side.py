#!/usr/bin/python3
"""Conflicts side by side: a village agent and a township clerk change the applicant's name of the same case
while apart; after both sync, the township's app shows the conflict with each value, who wrote it (actor and
node) and when, and one click keeps the village's value through the call `conflicts resolve --keep` makes.
The ledger then has no open conflict, the kept value, and the resolution authored by the clerk."""
import json

from selenium.webdriver.common.by import By

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"


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
        village_op = world.node("village.db", "case", "set", ref, "applicant_name=乌云其其格").stdout.strip()
        world.node("township.db", "case", "set", ref, "applicant_name=乌云娜")
        world.node("village.db", "sync")
        world.node("township.db", "sync")
        listed = json.loads(world.node("township.db", "--json", "conflicts").stdout)
        sb.check(len(listed) == 1, "the township holds one open conflict")
        url = world.serve_ui("township.db")

        sb.actor_login(driver, url + "/", "窗口甲")
        sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after login")
        driver.find_element(By.CSS_SELECTOR, "button[data-tab=conflicts]").click()
        card = sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#conflicts .conflict"), "the conflict")
        text = card.text
        sb.check(made["case_number"] in text and "applicant_name" in text, "the conflict names the case and field")
        values = [td.text for td in card.find_elements(By.CSS_SELECTOR, "td.candidate")]
        sb.check(sorted(values) == sorted(["乌云娜", "乌云其其格"]), "both values side by side: %s" % values)
        sb.check("gacha200" in text and "sumu104" in text, "who wrote each: " + text.replace("\n", " | "))
        keep = card.find_element(By.CSS_SELECTOR, "button[data-keep='%s']" % village_op)
        keep.click()
        sb.wait_for(lambda: "没有未解决的冲突" in driver.find_element(By.ID, "conflicts").text, "the conflict resolved")
        sb.check(json.loads(world.node("township.db", "--json", "conflicts").stdout) == [],
                 "the ledger has no open conflict")
        shown = json.loads(world.node("township.db", "--json", "case", "show", ref).stdout)
        sb.check(shown["fields"]["applicant_name"]["value"] == "乌云其其格", "the village's value is kept")
        last = shown["history"][-1]
        sb.check(last["actor"] == "窗口甲", "the resolution is the clerk's: %s" % last)
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
