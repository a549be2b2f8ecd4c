#!/usr/bin/python3
"""An agent finds an item by its pinyin initials and registers a case with two materials in the app of a
village node; the case is then in the ledger (`silian-node case list --json`, `case show --json`) with the
materials and status received; the agent then forwards it from "my work". Also: the pages are interactive quickly (printed, not asserted)."""
import json
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"  # 农村宅基地用地审批, initials nczjdydsp


def test(world):
    driver = sb.browser()
    try:
        url = world.village_app()

        started = time.time()
        driver.get(url + "/")
        sb.wait_for(lambda: driver.find_element(By.ID, "login-actor-name").is_displayed(), "the login form")
        print("login form interactive after %.0f ms" % ((time.time() - started) * 1000))
        driver.find_element(By.ID, "login-actor-name").send_keys("乌云")
        driver.find_element(By.ID, "login-actor-name").send_keys(Keys.ENTER)

        search = sb.wait_for(lambda: driver.find_element(By.ID, "search"), "the search box")
        sb.wait_for(lambda: search.is_displayed(), "the app after login")
        started = time.time()
        search.send_keys("zjd")
        first = sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#items[data-query='zjd'] button.item[data-code='%s']" % HOMESTEAD),
                            "the homestead item found by its pinyin initials zjd")
        print("item found by initials after %.0f ms" % ((time.time() - started) * 1000))
        sb.check("农村宅基地用地审批" in first.text, "the item is found by its pinyin initials 'zjd'")
        first.click()

        name = sb.wait_for(lambda: driver.find_element(By.ID, "f-applicant_name"), "the intake form")
        sb.wait_for(lambda: name.is_displayed(), "the intake form shown")
        name.send_keys("乌云")
        idn = driver.find_element(By.ID, "f-applicant_id")
        idn.send_keys("152222198803150021")  # wrong check character: the form says so as it is typed
        hint = sb.wait_for(lambda: driver.find_element(By.ID, "h-applicant_id").text, "the ID number's check")
        sb.check("expected 'X'" in hint, "the form names the wrong check character as the ID is typed: " + hint)
        idn.clear()
        idn.send_keys("15222219880315002x")
        sb.wait_for(lambda: "✓" in driver.find_element(By.ID, "h-applicant_id").text, "the corrected ID accepted")
        driver.find_element(By.ID, "f-phone").send_keys("+86 139-0482-1234")
        sb.wait_for(lambda: "13904821234" in driver.find_element(By.ID, "h-phone").text,
                    "the phone's normal form shown")
        boxes = driver.find_elements(By.CSS_SELECTOR, "#materials input[type=checkbox]")
        sb.check(len(boxes) >= 3, "the item's checklist is offered (%d materials)" % len(boxes))
        ticked = [boxes[0].get_attribute("data-name"), boxes[1].get_attribute("data-name")]
        boxes[0].click()
        boxes[1].click()
        driver.find_element(By.ID, "register").click()

        number = sb.wait_for(lambda: driver.find_element(By.ID, "case-number").text, "the case number")
        sb.check(number.startswith(sb.VILLAGE + "-01-"), "the app shows the case number " + number)

        main_window = driver.current_window_handle
        driver.find_element(By.ID, "print-receipt").click()
        sb.wait_for(lambda: len(driver.window_handles) > 1, "the receipt's print window")
        driver.switch_to.window([h for h in driver.window_handles if h != main_window][0])
        page = sb.wait_for(lambda: number in driver.page_source and driver.page_source, "the receipt page")
        sb.check(number in page, "the printed receipt names the case number")
        driver.close()
        driver.switch_to.window(main_window)
        sb.check(driver.find_element(By.ID, "print-error").text == "", "printing reports no error")

        cases = json.loads(world.node("village.db", "--json", "case", "list").stdout)
        sb.check(len(cases) == 1 and cases[0]["case_number"] == number, "the case is in the ledger (case list)")
        sb.check(cases[0]["status"] == "received", "the case was received")
        shown = json.loads(world.node("village.db", "--json", "case", "show", number).stdout)
        got = sorted(m["name"] for m in shown["materials"])
        sb.check(got == sorted(ticked), "the ticked materials are recorded: %s" % got)
        sb.check(shown["fields"]["applicant_id"]["value"] == "15222219880315002X", "the ID is stored in normal form")
        sb.check(shown["fields"]["phone"]["value"] == "13904821234", "the phone is stored in normal form")
        sb.check(shown["fields"]["applicant_name"]["value"] == "乌云", "the applicant's name is stored")

        driver.find_element(By.CSS_SELECTOR, "button[data-tab=work]").click()
        work = sb.wait_for(lambda: number in driver.find_element(By.ID, "work").text and
                           driver.find_element(By.ID, "work").text, "my work")
        sb.check(number in work, "my work lists the case among those received")
        driver.find_element(By.CSS_SELECTOR, "#work button[data-action=forward]").click()
        sb.wait_for(lambda: (world.node_json("village.db", "case", "show", number) or {}).get("status") == "forwarded",
                    "the case forwarded")
        sb.check(True, "the agent forwards the case from my work")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
