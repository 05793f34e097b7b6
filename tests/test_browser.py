"""The worker site in a real browser (the system's headless chromium): a person does a HIT of
each question type from preview to submit, returns one, is refused one, and the requester
approves; the requester's code sees it all through boto3. Also makes the README's screenshots.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import site_pages
from support import WireChecker, checked

from mockturk.testing import InProcessServer

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as seen  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        missing = (
            "no browser: the worker site's browser tests need chromium and chromedriver"
            " (Debian: apt-get install chromium chromium-driver; .ci/run installs them)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(missing)  # CI installs them: their absence is a fault, not a skip
        pytest.skip(missing)
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,860"):
        options.add_argument(argument)
    options.add_argument("--disable-dev-shm-usage")
    # The driver's path given: Selenium Manager downloads nothing.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def task_page() -> Iterator[str]:
    with site_pages.task_page_server() as url:
        yield url


class Person:
    """A person at the browser, and the requester's boto3 client beside them."""

    def __init__(self, server: InProcessServer, driver: Any, wire: WireChecker) -> None:
        self.server = server
        self.driver = driver
        self.mturk = checked(server.client(), wire)
        self.base = server.endpoint_url.rstrip("/")

    def open(self, path: str = "/") -> None:
        self.driver.get(self.base + path)

    def wait(self, condition: Any) -> Any:
        return WebDriverWait(self.driver, 10, poll_frequency=0.05).until(condition)

    def find(self, css: str) -> Any:
        return self.wait(seen.presence_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css: str) -> None:
        self._acting(
            lambda: self.wait(seen.element_to_be_clickable((By.CSS_SELECTOR, css))).click()
        )

    def follow(self, css: str) -> None:
        """Click a link or a form's button, and wait until the page it leads to has replaced
        this one and has loaded, frames and all (so nothing is read from the page left behind,
        or from one still being built)."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.click(css)
        # Gone: stale, or, as chromedriver may answer while the browser replaces it, a node
        # that no longer belongs to the document (selenium's staleness_of knows only the first).
        self.wait(lambda _: _unless_replaced(page.is_enabled) is False)
        self.wait(lambda driver: driver.execute_script("return document.readyState") == "complete")

    def text(self, css: str) -> str:
        return self._acting(lambda: self.find(css).text)  # type: ignore[no-any-return]

    def _acting(self, action: Any) -> Any:
        """``action()``, found again while the element it found was replaced meanwhile (the
        browser may swap a node between its finding and its use)."""
        (result,) = self.wait(lambda _: _unless_replaced(action))
        return result

    def work_as(self, worker_id: str) -> None:
        self.open("/")  # the endpoint URL itself, as a person would open it
        box = self.find("#workerId")
        box.clear()
        box.send_keys(worker_id)
        self.follow("#choose-worker")
        self.wait(seen.text_to_be_present_in_element((By.ID, "worker-id"), worker_id))

    def frame_parameters(self) -> dict[str, str]:
        src = self.find("#task-frame").get_attribute("src")
        return dict(parse_qsl(urlsplit(src).query))

    def in_frame(self) -> None:
        self.wait(seen.frame_to_be_available_and_switch_to_it((By.ID, "task-frame")))

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.execute_script("window.scrollTo(0, 0)")  # the page as it opens
        assert self.driver.save_screenshot(str(SCREENSHOTS / name))


REPLACED = "does not belong to the document"


def _unless_replaced(action: Any) -> Any:
    """What ``action()`` gives (in a tuple, never false), or False (to be tried again) for a
    node replaced under it."""
    try:
        return (action(),)
    except StaleElementReferenceException:
        return False
    except WebDriverException as error:
        if REPLACED in str(error):
            return False
        raise


@pytest.fixture
def person(lab_server: InProcessServer, browser: Any, wire: WireChecker) -> Iterator[Person]:
    lab_server.reset(empty=True)
    browser.delete_all_cookies()
    yield Person(lab_server, browser, wire)
    browser.switch_to.default_content()


def test_an_external_question_from_preview_to_submit(person, task_page):
    hit_id = site_pages.create(person.mturk, site_pages.external_question(task_page))
    person.work_as("A1BROWSERWORKER")
    assert person.text(".groups .available") == "1"
    person.shot("hits.png")
    person.follow(".groups a.title")
    assert person.text("#mode") == "Preview"
    preview = person.frame_parameters()
    assert preview == {"study": "7", "assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE", "hitId": hit_id}
    assert person.find("#task-frame").get_attribute("height") == "400"  # FrameHeight

    person.follow("#accept")
    assert person.text("#mode") == "Accepted"
    given = person.frame_parameters()
    assignment_id = person.text("#assignment-id")
    assert list(given) == ["study", "assignmentId", "hitId", "workerId", "turkSubmitTo"]
    assert given["assignmentId"] == assignment_id and given["hitId"] == hit_id
    assert (given["workerId"], given["turkSubmitTo"]) == ("A1BROWSERWORKER", person.base)
    person.in_frame()
    person.find("#feeling").send_keys("Curious & <calm>")
    person.driver.execute_script("document.activeElement.blur()")  # no caret in the picture
    person.driver.switch_to.default_content()
    person.shot("task-external.png")
    person.in_frame()
    person.click("#send")
    person.wait(seen.text_to_be_present_in_element((By.TAG_NAME, "body"), "Thank you"))

    (done,) = site_pages.answers(person.mturk, hit_id)
    assert (done["AssignmentId"], done["WorkerId"]) == (assignment_id, "A1BROWSERWORKER")
    assert "<QuestionIdentifier>feeling</QuestionIdentifier>" in done["Answer"]
    assert "<FreeText>Curious &amp; &lt;calm&gt;</FreeText>" in done["Answer"]


def test_an_html_question_runs_sandboxed_and_posts_to_mockturk(person):
    hit_id = site_pages.create(person.mturk, site_pages.html_question(site_pages.HTML_TASK))
    person.work_as("A1BROWSERWORKER")
    person.open(f"/site/hits/{hit_id}")
    person.in_frame()
    button = person.find("#submitButton")
    assert not button.is_enabled()  # the stand-in externalHIT_v1.js, in preview
    assert "ACCEPT" in button.get_attribute("value")
    person.driver.switch_to.default_content()

    person.follow("#accept")
    assignment_id = person.text("#assignment-id")
    person.in_frame()
    assert person.find("#assignmentId").get_attribute("value") == assignment_id
    # The HIT's own script runs in an origin of its own: the site's pages and cookies are out
    # of its reach.
    for reach in ("parent.document.title", "document.cookie"):
        script = f"try {{ return {reach} }} catch (e) {{ return 'blocked' }}"
        assert person.driver.execute_script(script) == "blocked"
    person.find("#colour").send_keys("teal")
    person.click("#submitButton")
    person.wait(seen.text_to_be_present_in_element((By.TAG_NAME, "body"), "Thank you"))

    (done,) = site_pages.answers(person.mturk, hit_id)
    assert done["AssignmentId"] == assignment_id
    assert (
        "<QuestionIdentifier>colour</QuestionIdentifier><FreeText>teal</FreeText>"
        in (done["Answer"])
    )
    assert "assignmentId" not in done["Answer"]


def test_a_question_form_is_a_real_form_and_submits_question_form_answers(person):
    hit_id = site_pages.create(person.mturk, site_pages.question_form(), title="A short survey")
    person.work_as("A1BROWSERWORKER")
    person.open(f"/site/hits/{hit_id}")
    assert not person.find("textarea[name=language]").is_enabled()  # a preview
    assert "ACCEPT" in person.text("#submit")
    person.follow("#accept")
    person.find("textarea[name=language]").send_keys("Welsh")
    person.click("input[name=age][value='25_34']")
    person.click("input[name=pets][value=cat]")
    person.click("input[name=pets][value=dog]")
    person.driver.execute_script("document.activeElement.blur()")
    person.shot("task-form.png")
    person.follow("#submit")
    assert person.text("#note") == "Your work was submitted."
    assert person.text(".work .status") == "Submitted"
    assert person.text("#pending") == "$0.50"
    person.shot("mine.png")

    (done,) = site_pages.answers(person.mturk, hit_id)
    assert done["Answer"].endswith(
        "<Answer><QuestionIdentifier>language</QuestionIdentifier><FreeText>Welsh</FreeText>"
        "</Answer><Answer><QuestionIdentifier>age</QuestionIdentifier>"
        "<SelectionIdentifier>25_34</SelectionIdentifier></Answer>"
        "<Answer><QuestionIdentifier>pets</QuestionIdentifier>"
        "<SelectionIdentifier>cat</SelectionIdentifier><SelectionIdentifier>dog</SelectionIdentifier>"
        "</Answer></QuestionFormAnswers>"
    )


def test_a_returned_hit_is_offered_again(person, task_page):
    hit_id = site_pages.create(person.mturk, site_pages.external_question(task_page))
    person.work_as("A1BROWSERWORKER")
    person.open(f"/site/hits/{hit_id}")
    person.follow("#accept")
    assert person.mturk.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsPending"] == 1
    person.follow("#return")
    assert person.text("#note").startswith("You returned the HIT")
    assert person.text("#mode") == "Preview"
    assert person.frame_parameters()["assignmentId"] == "ASSIGNMENT_ID_NOT_AVAILABLE"
    hit = person.mturk.get_hit(HITId=hit_id)["HIT"]
    assert (hit["NumberOfAssignmentsAvailable"], hit["NumberOfAssignmentsPending"]) == (1, 0)


def test_an_accept_is_refused_when_the_last_slot_was_taken(person, task_page):
    hit_id = site_pages.create(person.mturk, site_pages.external_question(task_page))
    person.work_as("A1BROWSERWORKER")
    person.open(f"/site/hits/{hit_id}")
    person.find("#accept")
    person.server.worker("A2FASTERWORKER").accept(hit_id)  # while the page was open
    person.follow("#accept")
    assert "no assignment is left" in person.text("#error")
    assert person.text("#mode") == "Preview"
    assert person.mturk.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsPending"] == 1


def test_the_requester_approves_in_the_browser(person, task_page):
    hit_id = site_pages.create(person.mturk, site_pages.question_form(), title="A short survey")
    work = person.server.worker("A1BROWSERWORKER").accept(hit_id)
    work.submit({"language": "Welsh"})
    person.open("/site/requester")
    assert person.text(".hits .status") == "Reviewable"
    balance = person.mturk.get_account_balance()["AvailableBalance"]
    assert person.text("#balance") == f"${balance}"
    person.shot("requester.png")
    person.follow(".hits a")
    assert person.text(".answers .value") == "Welsh"
    person.shot("review.png")
    person.follow("button.approve")
    assert person.text("#note").startswith("The assignment was approved")
    assert person.text("article.assignment .status") == "Approved"
    done = person.mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]
    assert done["AssignmentStatus"] == "Approved"


def test_a_qualification_test_is_taken_and_granted(person):
    type_id = site_pages.qualification_type(
        person.mturk,
        "Sky watchers",
        Test=site_pages.QUALIFICATION_TEST,
        TestDurationInSeconds=600,
        AnswerKey=site_pages.QUALIFICATION_ANSWER_KEY,
    )
    person.work_as("A1BROWSERWORKER")
    person.follow("#nav-qualifications")
    assert person.text("#none-held").startswith("The requester has granted you no qualification")
    person.follow(f".requestable-type[data-type='{type_id}'] a.button")
    assert person.text("#type-name") == "Sky watchers"
    person.click("input[name=color][value=blue]")
    person.shot("qualification-test.png")
    person.follow("#submit")
    assert person.text("#note") == "The qualification was granted."
    held = f".qualification[data-type='{type_id}']"
    assert (person.text(f"{held} .value"), person.text(f"{held} .status")) == ("100", "Granted")
    person.shot("qualifications.png")
    person.follow("#nav-messages")
    assert "granted the Qualification Sky watchers" in person.text(".message .subject")
    score = person.mturk.get_qualification_score(
        QualificationTypeId=type_id, WorkerId="A1BROWSERWORKER"
    )
    assert score["Qualification"]["IntegerValue"] == 100
