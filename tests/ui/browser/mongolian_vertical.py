#!/usr/bin/python3
"""The Mongolian interface: switching the language shows the app's texts in the traditional script,
written vertically (computed writing-mode vertical-lr) in a font that has the glyphs: the rendered length
of a Mongolian string differs from that of as many characters no font has (tofu boxes), and the page's
font, Noto Sans Mongolian, is available to the page. The choice is kept for the user after reloading."""
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import silian_browser as sb

MEASURE = """
const probe = (text) => {
  const s = document.createElement('span');
  s.textContent = text;
  s.style.fontSize = '32px';
  document.querySelector('h1').after(s);
  const r = s.getBoundingClientRect();
  s.remove();
  return [r.width, r.height];
};
const title = document.getElementById('title').textContent;
// U+18AB..U+18AF: unassigned code points after the Mongolian blocks: every font lacks them (tofu).
const tofu = '\\u18AB'.repeat([...title].length);
return {title, mn: probe(title), tofu: probe(tofu),
        mode: getComputedStyle(document.getElementById('title')).writingMode,
        font: getComputedStyle(document.getElementById('title')).fontFamily,
        lang: document.documentElement.lang,
        loaded: document.fonts.check('32px "Noto Sans Mongolian"', title)};
"""


def test(world):
    driver = sb.browser()
    try:
        url = world.village_app()
        sb.actor_login(driver, url + "/", "Bator")
        sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after login")
        zh = driver.find_element(By.ID, "title").text
        Select(driver.find_element(By.ID, "lang")).select_by_value("mn")
        m = driver.execute_script(MEASURE)
        print(m)
        sb.check(m["lang"] == "mn-Mong", "the document's language is mn-Mong")
        sb.check(any(0x1820 <= ord(c) <= 0x18AF for c in m["title"]) and m["title"] != zh,
                 "the title is in the Mongolian script: " + m["title"])
        sb.check(m["mode"] == "vertical-lr", "Mongolian is written vertically (writing-mode %s)" % m["mode"])
        sb.check("Mongolian" in m["font"], "the font is Noto Sans Mongolian (font-family %s)" % m["font"])
        sb.check(m["loaded"], "the browser holds Noto Sans Mongolian for the title's characters")
        # Vertical text: the inline size is the height.
        sb.check(m["mn"][1] > m["mn"][0], "the Mongolian string runs down the page (%.0f x %.0f px)" % tuple(m["mn"]))
        sb.check(abs(m["mn"][1] - m["tofu"][1]) > 4,
                 "the Mongolian string (%.0f px) is not drawn as tofu boxes (%.0f px)" % (m["mn"][1], m["tofu"][1]))
        label = driver.find_element(By.CSS_SELECTOR, "button[data-tab=work]").text
        sb.check(any(0x1820 <= ord(c) <= 0x18AF for c in label), "the tabs are in Mongolian too: " + label)

        driver.save_screenshot(os.environ.get("SILIAN_SCREENSHOT", "/dev/null")) if os.environ.get("SILIAN_SCREENSHOT") else None
        driver.refresh()
        sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after reloading")
        sb.wait_for(lambda: driver.execute_script("return document.documentElement.lang") == "mn-Mong",
                    "the user's language kept after reloading")
        sb.check(True, "the user's choice of Mongolian is kept after reloading")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
