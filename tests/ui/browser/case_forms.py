#!/usr/bin/python3
"""The case page's forms for a lapsed correction, a subsidy, an evaluation and its rectification, at a township
hall, through the calls `case lapse`, `case subsidy`, `case evaluate` and `case rectify` use. Run with the test builds of the programs
(silian-*-testclock), whose clock this test moves: a correction that has not lapsed is refused with the
core's message and nothing changes; thirty days later "continue" without a new deadline is refused and
"withdraw" with a reason withdraws the case (the applicant's notice of it is listed); an approved case is
paid a subsidy (one without a bank transfer refused) and evaluated (dissatisfied, which opens a
rectification, taken from call back to a deadline to closed, a close too early and a deadline missing
refused in Chinese); the API refuses a rating it does not know, and a subsidy on a withdrawn case, naming them.
Every step is checked in the ledger through the command line."""
import json
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import silian_browser as sb

HOMESTEAD = "1115222201158101515000139500100"  # township level; steps preliminary_review, review, approval
DAY_MS = 86400000


def show(world, ref):
    return world.node_json("township.db", "case", "show", ref) or {}


def new_case(world, name):
    made = json.loads(world.node("township.db", "--json", "case", "new", "--item", HOMESTEAD, "--applicant-name", name,
                                 "--applicant-id", "15222219880315002X", "--phone", "13912345678").stdout)
    world.node("township.db", "case", "act", made["case_id"], "receive")
    return made


def submit(driver, form, fill):
    """Fills and submits `form`; ("done", text) or ("error", text) as the case page answers."""
    sb.clear_case_answer(driver)
    fill()
    driver.find_element(By.CSS_SELECTOR, "#%s button[type=submit]" % form).click()
    return sb.case_answer(driver)


def typed(driver, values):
    """A fill function typing `values` ({element id: text}) into the form's inputs."""
    def fill():
        for element_id, text in values.items():
            box = driver.find_element(By.ID, element_id)
            if box.tag_name == "select":
                Select(box).select_by_value(text)
            else:
                box.clear()
                box.send_keys(text)
    return fill


def lapse(world, driver, a, shift_clock, url):
    sb.open_case(driver, a["case_number"])
    sb.check(driver.find_element(By.ID, "form-lapse").is_displayed() and
             "补正期限" in driver.find_element(By.ID, "lapse-due").text,
             "a case waiting for correction offers the lapse form with its due day: " +
             driver.find_element(By.ID, "lapse-due").text)
    kind, said = submit(driver, "form-lapse", typed(driver, {"lapse-decision": "withdraw", "lapse-reason": "逾期未补正"}))
    sb.check(kind == "error" and "has not lapsed" in said and show(world, a["case_id"])["status"] == "correction_pending",
             "a correction not yet lapsed is refused with the core's message, nothing changed: " + said)

    shift_clock(30 * DAY_MS)
    sb.actor_login(driver, url + "/", "窗口甲")  # the app's session of thirty days ago has expired
    sb.wait_for(lambda: driver.find_element(By.ID, "app").is_displayed(), "the app after the new login")
    sb.open_case(driver, a["case_number"])
    kind, said = submit(driver, "form-lapse", typed(driver, {"lapse-decision": "continue", "lapse-reason": "申请人来电说明"}))
    sb.check(kind == "error" and "--due" in said and show(world, a["case_id"])["status"] == "correction_pending",
             "continuing without a new deadline is refused, nothing changed: " + said)
    kind, said = submit(driver, "form-lapse", typed(driver, {"lapse-decision": "withdraw", "lapse-reason": "逾期未补正"}))
    v = show(world, a["case_id"])
    lapses = v.get("correction", {}).get("lapses", [])
    sb.check(kind == "done" and v["status"] == "withdrawn" and lapses and lapses[-1]["decision"] == "withdraw" and
             lapses[-1]["actor"] == "窗口甲", "thirty days later the lapsed correction is withdrawn by the clerk")
    kinds = [li.get_attribute("data-kind") for li in driver.find_elements(By.CSS_SELECTOR, "#case-notices li[data-kind]")]
    sb.check("correction_lapsed" in kinds, "the applicant is told the application is deemed withdrawn: %s" % kinds)
    sb.check(not driver.find_element(By.ID, "form-lapse").is_displayed(), "a withdrawn case offers no lapse form")


def subsidy_and_evaluation(world, driver, b):
    sb.open_case(driver, b["case_number"])
    sb.check(driver.find_element(By.ID, "form-subsidy").is_displayed(), "an approved case offers the subsidy form")
    kind, said = submit(driver, "form-subsidy", typed(driver, {"subsidy-name": "危房改造补助", "subsidy-amount": "300.00"}))
    sb.check(kind == "error" and "bank transfer" in said and "subsidies" not in show(world, b["case_id"]),
             "a subsidy without its bank transfer is refused, nothing recorded: " + said)
    kind, said = submit(driver, "form-subsidy", typed(driver, {"subsidy-name": "危房改造补助", "subsidy-amount": "300.00",
                                                               "subsidy-bank_transfer": "TR20260001"}))
    s = show(world, b["case_id"]).get("subsidies", {})
    sb.check(kind == "done" and s.get("paid_fen") == 30000 and s["entries"][0]["bank_transfer"] == "TR20260001" and
             s["entries"][0]["actor"] == "窗口甲", "a subsidy of 300.00 yuan is recorded with its transfer: %s" % s)
    sb.check("300.00" in driver.find_element(By.ID, "subsidy-paid").text, "the page says what was paid")

    kind, said = submit(driver, "form-evaluate", typed(driver, {"evaluate-rating": "dissatisfied",
                                                                "evaluate-channel": "hall_terminal",
                                                                "evaluate-comment": "等候时间太长"}))
    e = show(world, b["case_id"]).get("evaluations", [])
    sb.check(kind == "done" and len(e) == 1 and e[0]["rating"] == "dissatisfied" and e[0]["target"] == "sumu104" and
             e[0]["target_kind"] == "node" and e[0]["stage"] == "completion" and "rectification" in e[0],
             "a dissatisfied evaluation of this node is recorded and opens a rectification: %s" % e)


def rectification(world, driver, b):
    """The rectification the dissatisfied evaluation opened, taken to its end from the case page's form."""
    form = driver.find_element(By.ID, "form-rectify")
    sb.wait_for(lambda: form.is_displayed(), "the rectification form for the open rectification")
    evaluation = show(world, b["case_id"])["evaluations"][0]["op"]
    offered = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#rectify-evaluation option")]
    sb.check(offered == [evaluation], "the form offers the dissatisfied evaluation's rectification: %s" % offered)
    sb.check("尚未回访" in driver.find_element(By.ID, "rectify-done").text, "and says it was not called back yet")

    def rect():
        return show(world, b["case_id"])["evaluations"][0]["rectification"]

    def set_due(value):
        def fill():
            driver.execute_script("document.getElementById('rectify-due').value = arguments[0];", value)
        return fill

    kind, said = submit(driver, "form-rectify", typed(driver, {"rectify-step": "close"}))
    sb.check(kind == "error" and "须先选择" in said and rect()["steps"] == [] and rect()["state"] == "open",
             "closing before a category is chosen is refused in Chinese, nothing recorded: " + said)
    kind, said = submit(driver, "form-rectify", typed(driver, {"rectify-step": "call_back",
                                                                "rectify-note": "电话回访，申请人反映等候时间长"}))
    r = rect()
    sb.check(kind == "done" and [x["step"] for x in r["steps"]] == ["call_back"] and r["called_back"] and
             r["steps"][0]["note"] == "电话回访，申请人反映等候时间长" and r["steps"][0]["actor"] == "窗口甲",
             "the call back is recorded with its note, by the clerk: %s" % r)
    sb.wait_for(lambda: "回访核实" in driver.find_element(By.ID, "rectify-done").text, "the form to say it was called back")

    set_due("")()
    kind, said = submit(driver, "form-rectify", typed(driver, {"rectify-step": "fix_by_deadline"}))
    sb.check(kind == "error" and "整改期限" in said and len(rect()["steps"]) == 1,
             "fixing by a deadline without the deadline is refused, nothing recorded: " + said)
    def fix_by_deadline():
        typed(driver, {"rectify-step": "fix_by_deadline", "rectify-note": "增设取号机"})()
        set_due("2027-01-15")()
    kind, said = submit(driver, "form-rectify", fix_by_deadline)
    r = rect()
    sb.check(kind == "done" and r.get("category") == "fix_by_deadline" and r.get("due_date") == "2027-01-15",
             "fixing by 2027-01-15 is recorded as the rectification's category and deadline: %s" % r)

    kind, said = submit(driver, "form-rectify", typed(driver, {"rectify-step": "close", "rectify-note": "已整改"}))
    r = rect()
    sb.check(kind == "done" and r["state"] == "closed" and [x["step"] for x in r["steps"]] ==
             ["call_back", "fix_by_deadline", "close"], "the rectification is closed: %s" % r)
    sb.wait_for(lambda: not form.is_displayed(), "the form to go once nothing is left to rectify")


def test(world):
    clock = world.path("clock")
    open(clock, "w").write("0")
    world.env["SILIAN_TEST_CLOCK_FILE"] = clock

    def shift_clock(ms):
        open(clock + ".new", "w").write(str(ms))
        os.replace(clock + ".new", clock)

    driver = sb.browser()
    try:
        world.county_with_catalogue()
        hub = world.serve_hub("county.db")
        world.township_synced(hub)
        a = new_case(world, "乌云")
        world.node("township.db", "case", "act", a["case_id"], "request-correction", "--reason", "缺户口簿复印件")
        b = new_case(world, "巴特尔")
        world.node("township.db", "case", "act", b["case_id"], "accept")
        for step in ("preliminary_review", "review", "approval"):
            world.node("township.db", "case", "step", b["case_id"], step, "pass")
        world.node("township.db", "case", "act", b["case_id"], "approve")
        url = world.serve_ui("township.db")
        sb.actor_login(driver, url + "/", "窗口甲")
        sb.wait_for(lambda: driver.find_element(By.ID, "app").is_displayed(), "the clerk's app")

        lapse(world, driver, a, shift_clock, url)
        subsidy_and_evaluation(world, driver, b)
        rectification(world, driver, b)

        token = driver.execute_script("return sessionStorage.getItem('silian.token')")
        headers = {"Host": url[len("http://"):], "Origin": url, "X-Silian-Session": token}
        status, reply = sb.http("POST", url + "/api/cases/%s/evaluate" % b["case_id"],
                                {"rating": "great", "channel": "pc", "node": "sumu104"}, headers)
        sb.check(status == 400 and "great" in reply["message"] and len(show(world, b["case_id"])["evaluations"]) == 1,
                 "the API refuses a rating it does not know, naming it: %s" % reply.get("message"))
        status, reply = sb.http("POST", url + "/api/cases/%s/rectify" % b["case_id"],
                                {"evaluation": "gacha:x", "step": "call_back"}, headers)
        sb.check(status == 400 and "gacha:x" in reply["message"],
                 "the API refuses an evaluation id that is not one, naming it: %s" % reply.get("message"))
        status, reply = sb.http("POST", url + "/api/cases/%s/rectify" % b["case_id"],
                                {"evaluation": show(world, b["case_id"])["evaluations"][0]["op"], "step": "call_back"},
                                headers)
        sb.check(status == 409 and reply.get("key") == "err.rectify.closed",
                 "and a step of a closed rectification, with its key: %s" % reply)
        status, reply = sb.http("POST", url + "/api/cases/%s/subsidy" % a["case_id"],
                                {"name": "补助", "amount": "1.00", "bank_transfer": "T1"}, headers)
        sb.check(status == 409 and "subsidies" not in show(world, a["case_id"]),
                 "and a subsidy on a withdrawn case, nothing recorded: %s" % reply.get("message"))
    finally:
        driver.quit()


if __name__ == "__main__":
    sb.main(test)
