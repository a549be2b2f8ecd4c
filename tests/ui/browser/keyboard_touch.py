#!/usr/bin/python3
"""Usable on the real hardware (issue 12, item 7): an agent logs in and registers a case with the keyboard
only (Tab, typing, Space to tick a material, Enter; no click), every element reached showing a visible
focus ring, and the case is in the ledger with the material ticked; at a hall terminal's size (1920x1080)
every visible button, input and select of the login page, the intake form and the case page is at least
44x44 CSS pixels (computed, getBoundingClientRect); the style sheet prints on A4 (@page size A4)."""
import json

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"  # 农村宅基地用地审批, initials nczjdydsp

FOCUS = """const e = document.activeElement; const s = getComputedStyle(e);
return [e.id || e.dataset.name || e.tagName, s.outlineStyle, parseFloat(s.outlineWidth)];"""

SMALL = """const small = [];
for (const e of document.querySelectorAll('button, input, select')) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;  // not shown
  if (r.width < 44 || r.height < 44) small.push((e.id || e.dataset.name || e.textContent.trim() || e.type) +
                                                 ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
}
return small;"""


def keys(driver, *sequence):
    chain = ActionChains(driver)
    for k in sequence:
        chain.send_keys(k)
    chain.perform()


def focused(driver):
    return driver.execute_script("return document.activeElement.id || document.activeElement.dataset.name || ''")


def tab_to(driver, target, limit=40):
    """Presses Tab until the element `target` (an id or a material's name) has the focus, checking that
    every element it passes shows a focus ring."""
    for _ in range(limit):
        keys(driver, Keys.TAB)
        name, style, width = driver.execute_script(FOCUS)
        if style == "none" or width < 2:
            sb.fail("the keyboard focus on %s is not visible (outline %s %s px)" % (name, style, width))
        if focused(driver) == target:
            return
    sb.fail("Tab never reached " + target)


def test(world):
    driver = sb.browser()
    try:
        url = world.village_app()

        driver.set_window_size(1920, 1080)
        driver.get(url + "/")
        sb.wait_for(lambda: driver.find_element(By.ID, "login-actor-name").is_displayed(), "the login form")
        small = driver.execute_script(SMALL)
        sb.check(small == [], "every control of the login page is at least 44x44 px at 1920x1080: %s" % small)

        tab_to(driver, "login-actor-name")
        keys(driver, "乌云", Keys.ENTER)
        sb.wait_for(lambda: focused(driver) == "search", "the search box focused after login")
        keys(driver, "zjd")
        sb.wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#items[data-query='zjd'] button.item[data-code='%s']"
                                                 % HOMESTEAD), "the item found by its initials")
        keys(driver, Keys.ENTER)  # the first item found
        sb.wait_for(lambda: focused(driver) == "f-applicant_name", "the intake form, its first field focused")
        keys(driver, "乌云")
        tab_to(driver, "f-applicant_id")
        keys(driver, "15222219880315002X")
        tab_to(driver, "f-phone")
        keys(driver, "13904821234")
        material = driver.find_element(By.ID, "m-0").get_attribute("data-name")  # the checklist's first box
        tab_to(driver, "m-0")
        keys(driver, Keys.SPACE)
        small = driver.execute_script(SMALL)
        sb.check(small == [], "every control of the intake form is at least 44x44 px: %s" % small)
        tab_to(driver, "register")
        keys(driver, Keys.ENTER)
        number = sb.wait_for(lambda: driver.find_element(By.ID, "case-number").text, "the case number")
        shown = json.loads(world.node("village.db", "--json", "case", "show", number).stdout)
        sb.check(shown["status"] == "received" and [m["name"] for m in shown["materials"]] == [material] and
                 shown["fields"]["applicant_id"]["value"] == "15222219880315002X",
                 "the case registered by keyboard only is in the ledger, received, with the material ticked")

        driver.find_element(By.CSS_SELECTOR, "button[data-tab=case]").click()
        driver.find_element(By.ID, "case-ref").send_keys(number + "\n")
        sb.wait_for(lambda: number in driver.find_element(By.ID, "case-text").text, "the case page")
        small = driver.execute_script(SMALL)
        sb.check(small == [], "every control of the case page is at least 44x44 px: %s" % small)

        a4 = driver.execute_script("""for (const sheet of document.styleSheets)
            for (const rule of sheet.cssRules)
              if (rule.media && rule.media.mediaText === 'print')
                for (const inner of rule.cssRules) if (inner.cssText.startsWith('@page')) return inner.cssText;
            return '';""")
        sb.check("size: a4" in a4.lower(), "the style sheet prints on A4: " + a4)
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
