#!/usr/bin/python3
"""The city's supervision dashboard at /ui/ shows its network: a county that relays is in contact, a county
silent for three days stands out as offline, and each row says when it was last heard from. The page and
its API are served to the hub's own machine, with the app's guard (another Origin is refused)."""
import time

from selenium.webdriver.common.by import By

import silian_browser as sb

CITY = "152200000000"
LIVE = ("county-live", "152222000000")
SILENT = ("county-silent", "152223000000")


def test(world):
    driver = sb.browser()
    try:
        world.hub("city.db", "init", "--node-id", "city", "--level", "city", "--division", CITY)
        for node, division in (LIVE, SILENT):
            world.hub(node + ".db", "init", "--node-id", node, "--level", "county", "--division", division)
            world.register("city.db", node + ".db", world.args.hub)
        three_days_ago = int(time.time() * 1000) - 3 * 24 * 3600 * 1000
        sb.set_last_contact(world.path("city.db"), SILENT[0], three_days_ago)
        city = world.serve_hub("city.db")
        world.serve_hub(LIVE[0] + ".db", ["--parent", city, "--sync-interval", "0.2"])
        host = {"Host": city[len("http://"):], "Origin": city}

        status, login = sb.http("POST", city + "/ui/api/login", {"actor": "督查员"}, host)
        sb.check(status == 200, "a bootstrap login at the city hub")
        auth = dict(host, **{"X-Silian-Session": login["token"]})
        sb.wait_for(lambda: [c for c in sb.http("GET", city + "/ui/api/network", None, auth)[1]["children"]
                             if c["node"] == LIVE[0] and c["last_contact_ms"] > 0], "the live county's first relay")
        status, reply = sb.http("GET", city + "/ui/api/network", None, dict(auth, Origin="http://evil.example"))
        sb.check(status == 403 and "evil.example" in reply["message"], "the hub's API refuses another Origin")
        status, reply = sb.http("GET", city + "/ui/api/overdue", None, host)
        sb.check(status == 401, "the hub's API needs a session")

        started = time.time()
        sb.actor_login(driver, city + "/ui/", "督查员")
        silent = sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#network tr[data-node='%s']" % SILENT[0]),
                             "the silent county's row")
        print("dashboard interactive after %.0f ms" % ((time.time() - started) * 1000))
        live = driver.find_element(By.CSS_SELECTOR, "#network tr[data-node='%s']" % LIVE[0])
        sb.check("offline" in silent.get_attribute("class").split(), "the silent county stands out as offline")
        sb.check("3 天" in silent.text, "its row says it has been silent for 3 days: " + silent.text)
        sb.check("offline" not in live.get_attribute("class").split(), "the relaying county is not offline")
        sb.check("前" in live.text, "the relaying county's row says when it was last heard: " + live.text)
        sb.check(driver.find_element(By.ID, "cases").is_displayed(), "the overdue table is shown")
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
