#!/usr/bin/python3
"""USB from the app: a village agent with no network writes a bundle of her cases to a stick directory, sealed
for the township (the app says how many ops of how many cases, that only the township can open it, and
writes the node's frontier beside it); the township clerk
imports it from the same directory in his app (the app says what was new), and the case is in the
township's ledger. Importing it again adds nothing; a directory that is not absolute and a file that is no
bundle are refused with the program's message, and change nothing."""
import json
import os

from selenium.webdriver.common.by import By

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"


def login(driver, url, name):
    sb.actor_login(driver, url + "/", name)
    sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after login")
    driver.find_element(By.CSS_SELECTOR, "button[data-tab=usb]").click()


def open_stick(driver, path):
    box = driver.find_element(By.ID, "usb-dir")
    box.clear()
    box.send_keys(path + "\n")


def said(driver):
    return sb.form_answer(driver, "usb-error", "usb-result", "the app's answer")


def test(world):
    driver = sb.browser()
    try:
        world.county_with_catalogue()
        hub = world.serve_hub("county.db")
        world.village_synced(hub)
        world.township_synced(hub)
        world.node("village.db", "sync")  # the township's registration and key, to seal the stick for it
        made = json.loads(world.node("village.db", "--json", "case", "new", "--item", HOMESTEAD, "--applicant-name",
                                     "乌云", "--applicant-id", "15222219880315002X").stdout)
        world.node("village.db", "case", "act", made["case_id"], "receive")
        stick = world.path("stick")
        os.mkdir(stick)

        login(driver, world.serve_ui("village.db"), "代办员甲")
        open_stick(driver, "stick")
        kind, text = said(driver)
        sb.check(kind == "error" and '"stick"' in text, "a relative directory is refused naming it: " + text)
        open_stick(driver, stick)
        sb.wait_for(lambda: "没有数据包" in driver.find_element(By.ID, "usb-bundles").text, "the empty stick listed")
        driver.find_element(By.ID, "usb-to").send_keys("sumu104")
        driver.find_element(By.CSS_SELECTOR, "#usb-export button[type=submit]").click()
        kind, text = said(driver)
        sb.check(kind == "done" and "1 件办件" in text and "gacha200.frontier" in text,
                 "the export says what went onto the stick: " + text)
        sb.check("只有节点 sumu104 能打开" in text, "the export says the stick is sealed for the township: " + text)
        bundles = [n for n in os.listdir(stick) if n.endswith(".bundle")]
        with open(os.path.join(stick, bundles[0]), "rb") as f:
            sb.check(f.read(7) == b"SILIANS", "the bundle on the stick is sealed")
        sb.check(len(bundles) == 1 and os.path.exists(os.path.join(stick, "gacha200.frontier")),
                 "the stick holds the bundle and the village's frontier: %s" % sorted(os.listdir(stick)))
        with open(os.path.join(stick, "broken.bundle"), "w") as f:
            f.write("not a bundle")

        login(driver, world.serve_ui("township.db"), "窗口甲")
        sb.check(world.node_json("township.db", "case", "show", made["case_id"]) is None, "the township lacks the case")
        open_stick(driver, stick)
        sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#usb-bundles button[data-bundle='%s']" % bundles[0]),
                    "the bundle listed").click()
        kind, text = said(driver)
        sb.check(kind == "done" and "gacha200" in text and "涉及 1 件办件" in text, "the import says what was new: " + text)
        shown = world.node_json("township.db", "case", "show", made["case_id"])
        sb.check(shown is not None and shown["case_number"] == made["case_number"], "the case is in the township's ledger")

        driver.find_element(By.CSS_SELECTOR, "#usb-bundles button[data-bundle='%s']" % bundles[0]).click()
        sb.wait_for(lambda: "新增 0 项操作" in driver.find_element(By.ID, "usb-result").text, "the second import")
        sb.check(True, "importing the same bundle again adds nothing")
        before = world.node_json("township.db", "status")["frontier"]
        driver.find_element(By.CSS_SELECTOR, "#usb-bundles button[data-bundle='broken.bundle']").click()
        kind, text = said(driver)
        sb.check(kind == "error" and "broken.bundle" in text, "a file that is no bundle is refused naming it: " + text)
        sb.check(world.node_json("township.db", "status")["frontier"] == before, "and nothing changed")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
