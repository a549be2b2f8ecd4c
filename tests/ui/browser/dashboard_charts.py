#!/usr/bin/python3
"""The county's dashboard on a seeded hub: completion rate, days ahead and satisfaction month by month as
SVG charts (one point per month, the current month's point the figure `silian-hub report` gives for it),
a warning case under its township and department, named by the catalogue where it names the township;
the drill-down shows that case as `silian-hub case show` prints it; the report's CSV, downloaded from the
page, is byte for byte what `silian-hub report --format csv --excel` prints."""
import datetime
import glob
import json
import os
import subprocess
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import silian_browser as sb

CLOSED = "54152222MEA0Q7K6766040172800100"   # village item, 2 WD promised: decided and completed today
WARNING = "54152222MEA0Q7K6766040183900100"  # village item, 1 WD promised: accepted today, so it warns
RATINGS = ["very_satisfied", "dissatisfied", "satisfied"]  # satisfaction 2 of 3
TOWNSHIP_NAME = "巴彦淖尔苏木"
NAMES_CATALOGUE = {"format": 1, "items": [{
    "code": "54152222MEA0Q7K67660401TEST00100", "name": "测试事项", "exercise_level": "township",
    "legal_limit": {"value": 20, "unit": "working_days"}, "promised_limit": {"value": 10, "unit": "working_days"},
    "lead_department": "科尔沁右翼中旗民政局", "materials": [],
    "implementations": [{"division": sb.TOWNSHIP[:9], "lead_department": TOWNSHIP_NAME + "人民政府"}]}]}


def today_cst():
    """The day the programs count in: China Standard Time (console::Today)."""
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()


def new_case(world, item, n):
    made = json.loads(world.node("village.db", "--json", "case", "new", "--item", item, "--applicant-name",
                                 "申请人%d" % n, "--applicant-id", "15222219880315002X").stdout)
    world.node("village.db", "case", "act", made["case_id"], "receive")
    world.node("village.db", "case", "act", made["case_id"], "accept")
    return made


def seed(world):
    world.county_with_catalogue()
    with open(world.path("names.json"), "w") as f:
        json.dump(NAMES_CATALOGUE, f, ensure_ascii=False)
    world.run(world.args.admin, "--db", world.path("county.db"), "catalog", "import", world.path("names.json"))
    hub = world.serve_hub("county.db")
    world.village_synced(hub)
    for n in range(3):
        done = new_case(world, CLOSED, n)
        for action in ("approve", "complete"):
            world.node("village.db", "case", "act", done["case_id"], action)
        world.node("village.db", "case", "evaluate", done["case_id"], RATINGS[n], "--channel", "pc", "--node", "gacha200", "--actor",
                   "applicant")
    warning = new_case(world, WARNING, 9)
    world.node("village.db", "sync")
    return hub, warning


def check_charts(world, driver):
    month = today_cst().strftime("%Y-%m")
    for chart in ("chart-completion", "chart-ahead", "chart-satisfaction"):
        points = sb.wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#%s svg circle.point" % chart) or None,
                             "the points of " + chart)
        sb.check(len(points) == 12, "%s has one point for each of 12 months: %d" % (chart, len(points)))
        sb.check(points[-1].get_attribute("data-period") == month, "its last point is this month, " + month)
    today = today_cst()
    report = json.loads(world.hub("county.db", "--json", "report", "--from", today.strftime("%Y-%m-01"),
                                  "--to", today.isoformat()).stdout)["total"]
    last = lambda chart: float(driver.find_elements(By.CSS_SELECTOR, "#%s svg circle.point" % chart)[-1]
                               .get_attribute("data-value"))
    sb.check(report["completed"] == 3 and abs(last("chart-completion") - report["completion_rate"]) < 1e-9,
             "this month's completion rate is the report's: %s (report %s)" % (last("chart-completion"), report))
    ahead = report["ahead_wd_total"] / report["completed_on_time"]
    sb.check(abs(last("chart-ahead") - ahead) < 1e-9, "this month's days ahead are the report's: %s" % ahead)
    sb.check(abs(last("chart-satisfaction") - report["satisfaction_rate"]) < 1e-9 and report["evaluations"] == 3,
             "this month's satisfaction is the report's: %s" % report["satisfaction_rate"])


def check_drill_down(world, driver, warning):
    row = sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#by-division tr[data-division='%s']" % sb.TOWNSHIP[:9]),
                      "the township's row of warnings")
    sb.check(TOWNSHIP_NAME in row.text and sb.TOWNSHIP[:9] in row.text,
             "the township is named by the catalogue, with its code: " + row.text)
    departments = driver.find_elements(By.CSS_SELECTOR, "#by-department tbody tr")
    sb.check(len(departments) >= 1 and "1" in departments[0].text, "the warning counts under a department: %s"
             % [d.text for d in departments])
    button = sb.wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#cases button[data-case='%s']" % warning["case_id"]),
                         "the warning case in the list")
    button.click()
    text = sb.wait_for(lambda: driver.find_element(By.ID, "case-text").text or None, "the case's timeline")
    shown = world.hub("county.db", "case", "show", warning["case_id"]).stdout
    lines = lambda t: [line.rstrip() for line in t.strip().splitlines()]
    sb.check(lines(text) == lines(shown), "the drill-down shows the case as `case show` prints it")
    sb.check(warning["case_number"] in text, "the drill-down names the case number")


def check_csv(world, driver, downloads):
    driver.execute_script("document.getElementById('report-from').value = arguments[0];"
                          "document.getElementById('report-to').value = arguments[1];"
                          "document.getElementById('report-by').value = 'township';",
                          today_cst().strftime("%Y-01-01"), today_cst().isoformat())
    driver.find_element(By.CSS_SELECTOR, "#report-form button[type=submit]").click()
    sb.wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#report tbody tr")) >= 2, "the report table")
    driver.find_element(By.ID, "report-csv").click()
    path = sb.wait_for(lambda: [p for p in glob.glob(os.path.join(downloads, "*.csv"))], "the downloaded CSV")[0]
    time.sleep(0.2)
    got = open(path, "rb").read()
    to = driver.find_element(By.ID, "report-to").get_attribute("value")
    want = subprocess.run([world.args.hub, "--db", world.path("county.db"), "report", "--from",
                           today_cst().strftime("%Y-01-01"), "--to", to, "--by", "township", "--format", "csv",
                           "--excel"], env=world.env, capture_output=True, check=True, timeout=60).stdout
    sb.check(got.startswith(b"\xef\xbb\xbf") and got == want,
             "the downloaded CSV is `report --format csv --excel` byte for byte (%d bytes)" % len(got))


def check_half_typed_period(driver):
    """A report period left half typed refuses the report alone: the overdue tables and the charts still
    come (each asked for on its own when the page's one call is refused), and the refusal names the flag."""
    driver.execute_script("document.getElementById('report-to').value = '';"
                          "document.getElementById('overdue-as-of').textContent = '';"
                          "document.querySelectorAll('#chart-completion svg').forEach((s) => s.remove());")
    Select(driver.find_element(By.ID, "lang")).select_by_value("en")  # the language switch loads the page again
    sb.wait_for(lambda: driver.find_element(By.ID, "overdue-as-of").text, "the overdue tables without the report")
    sb.wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#chart-completion svg"), "the charts without the report")
    error = sb.wait_for(lambda: driver.find_element(By.ID, "error").text, "the report's refusal")
    sb.check("--to" in error, "the report alone is refused, naming --to: " + error)


def test(world):
    downloads = world.path("downloads")
    os.makedirs(downloads)
    driver = sb.browser()
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    try:
        hub, warning = seed(world)
        # A supervisor's browser twelve hours behind UTC: its own date is not the hub's most of the day.
        driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Etc/GMT+12"})
        started = time.time()
        sb.actor_login(driver, hub + "/ui/", "督查员")
        sb.wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#chart-completion circle.point"), "the charts")
        print("dashboard with charts after %.0f ms" % ((time.time() - started) * 1000))
        # The report's default period is this year up to the hub's today (China Standard Time), as the
        # hub dates the cases: today's cases are in it whatever the browser's time zone.
        period = [driver.find_element(By.ID, i).get_attribute("value") for i in ("report-from", "report-to")]
        sb.check(period == [today_cst().strftime("%Y-01-01"), today_cst().isoformat()],
                 "the default report period ends on the hub's today %s: %s" % (today_cst(), period))
        check_charts(world, driver)
        check_drill_down(world, driver, warning)
        check_csv(world, driver, downloads)
        check_half_typed_period(driver)
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
