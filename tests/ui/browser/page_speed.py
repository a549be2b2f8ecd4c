#!/usr/bin/python3
"""The village app's pages on a busy ledger (issue 12, item 7): a village node holding 10,000 received cases
(seeded with `silian-bench seed`, as the app writes them) answers every page an agent uses, each interactive
within 300 ms: the app loaded, the item search, "my work", the window queue, a case page. Once they reached
the county hub, its supervision dashboard is held to the same budget. Each step is timed
by the page's own clock from the action until what it shows is there; the best of five tries counts (the
others are printed), so that one stall of a shared machine does not decide. "My work" says it shows 500 of
the 10,000 received cases and how to narrow the list."""
import json
import os
import sys

from selenium.webdriver.common.by import By

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"  # a township item a village agent receives
CASES = int(os.environ.get("SILIAN_PAGE_SPEED_CASES", "10000"))
BUDGET_MS = 300
TRIES = 5


def best(name, measure):
    times = [measure() for _ in range(TRIES)]
    print("%-28s best %6.1f ms  (tries: %s)" % (name, min(times), ", ".join("%.1f" % t for t in times)))
    sys.stdout.flush()
    return min(times)


def test(world):
    if not world.args.bench:
        sb.fail("--bench (silian-bench) is needed to seed the ledger")
    driver = sb.browser()
    try:
        world.county_with_catalogue()
        county = world.serve_hub("county.db")
        world.village_synced(county)
        seeded = json.loads(world.run(world.args.bench, "seed", "--db", world.path("village.db"), "--item", HOMESTEAD,
                                      "--cases", str(CASES), "--json").stdout)
        print("seeded %d cases in %.1f s" % (seeded["cases"], seeded["seconds"]))
        url = world.serve_ui("village.db")
        sb.actor_login(driver, url + "/", "乌云")
        sb.wait_for(lambda: driver.find_element(By.ID, "search").is_displayed(), "the app after login")

        figures = {}
        # The app itself, loaded again with the session (the agent's laptop opening it in the morning).
        figures["app loaded"] = best("app loaded", lambda: sb.timed_load(driver, url + "/", "#search"))
        figures["item search"] = best("item search 'zjd'", lambda: sb.timed_step(
            driver,
            "const s = document.getElementById('search'); s.value = ''; "
            "document.getElementById('items').replaceChildren(); document.getElementById('items').dataset.query = '';",
            "const s = document.getElementById('search'); s.value = 'zjd'; s.dispatchEvent(new Event('input'));",
            "#items[data-query='zjd'] button.item[data-code='%s']" % HOMESTEAD))
        figures["my work"] = best("my work", lambda: sb.timed_step(
            driver,
            "document.querySelector('button[data-tab=intake]').click(); document.getElementById('work').replaceChildren();",
            "document.querySelector('button[data-tab=work]').click();",
            "#work h3[data-queue=received]", str(CASES)))
        figures["window queue"] = best("window queue", lambda: sb.timed_step(
            driver,
            "document.querySelector('button[data-tab=intake]').click(); "
            "document.getElementById('queue-as-of').textContent = '';",
            "document.querySelector('button[data-tab=queue]').click();",
            "#queue-as-of", "20"))
        number = seeded["last_case_number"]
        figures["case page"] = best("case page", lambda: sb.timed_step(
            driver,
            "document.querySelector('button[data-tab=case]').click(); "
            "document.getElementById('case-text').textContent = ''; document.getElementById('case-ref').value = '%s';"
            % number,
            "document.getElementById('case-open').requestSubmit();",
            "#case-text", number))

        # "My work" cut the received queue: it says how much it shows of how many, and how to narrow it.
        driver.find_element(By.CSS_SELECTOR, "button[data-tab=work]").click()
        # The page may draw the list again while it is read (a refresh): heading, cut note and items are read
        # in one script, and read again until the heading counts them all.
        read_received = ("const h = document.querySelector('#work h3[data-queue=received]');"
                         "const c = document.querySelector('#work p[data-cut=received]');"
                         "if (!h || !c) return null;"
                         "return [h.innerText, c.innerText, c.offsetParent !== null,"
                         " document.querySelectorAll('#work h3[data-queue=received] + p + ul li').length];")
        heading, cut, cut_shown, shown = sb.wait_for(
            lambda: (lambda r: r if r and str(CASES) in r[0] else None)(driver.execute_script(read_received)),
            "the received queue's count")
        sb.check("500 / 共 %d" % CASES in heading, "the received queue says 500 of %d: %s" % (CASES, heading))
        sb.check(cut_shown and "区划代码" in cut, "the cut list says how to narrow it: " + cut)
        sb.check(shown == 500, "500 received cases are listed, not %d" % shown)

        # The county's supervision dashboard once the 10,000 cases reached it: the overdue tables and the charts.
        world.node("village.db", "sync")
        sb.actor_login(driver, county + "/ui/", "督查员")
        sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#network tbody tr"), "the dashboard after login")
        # Its overdue tables, charts and report come from one pass over the cases (api/dashboard), parsed on
        # every core (domain/view_scan.h): timed until the report's total row counts the 10,000 received.
        figures["county dashboard"] = best("county dashboard", lambda: sb.timed_load(
            driver, county + "/ui/", "#report tbody tr:last-child", str(CASES)))
        figures["county charts"] = best("county charts", lambda: sb.timed_load(driver, county + "/ui/",
                                                                               "#chart-completion svg"))
        status, totals = sb.http("GET", county + "/v1/status", None, {"Host": county[len("http://"):]})
        sb.check(status == 200 and totals.get("op_count", 0) >= 2 * CASES,
                 "the county holds the village's %d cases: %s" % (CASES, str(totals)[:300]))

        slow = {k: v for k, v in figures.items() if v > BUDGET_MS}
        sb.check(not slow, "every page interactive within %d ms with %d cases; slower: %s" %
                 (BUDGET_MS, CASES, ", ".join("%s %.0f ms" % kv for kv in slow.items())))
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
