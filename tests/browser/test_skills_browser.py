"""A seeker takes a skills check in Chromium: misses a question, is told which, finishes, sees
the score with explanations and shares it on applications."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.skills import QuizAttempt
from jobboard.models.user import User
from tests.browser.test_apply_browser import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_take_a_skills_check_and_share_the_score(page, live_server):
    with live_server.app_context():
        db.session.add(User(email="quiz@example.com", password=PASSWORD, role="seeker", name="Sam Ito"))
        db.session.commit()
    sign_in(page, "quiz@example.com")
    page.goto("/seeker")
    page.get_by_role("link", name="Go to the skills check").click()
    page.get_by_role("button", name="Take the quiz for General Surgery").click()
    expect(page.get_by_role("heading", name="General Surgery")).to_be_visible()

    with live_server.app_context():
        questions = db.session.scalar(select(QuizAttempt.questions))
    groups = page.get_by_role("group")
    expect(groups).to_have_count(len(questions))
    for number, question in enumerate(questions[:-1]):
        group = page.get_by_role("group", name=f"{number + 1}. {question['prompt']}", exact=True)
        group.get_by_label(question["choices"][question["answer"]], exact=True).check()
    page.get_by_role("button", name="Submit answers").click()

    last = page.get_by_role("group", name=f"{len(questions)}. {questions[-1]['prompt']}", exact=True)
    expect(last.get_by_text("Choose an answer.")).to_be_visible()
    first = page.get_by_role("group", name=f"1. {questions[0]['prompt']}", exact=True)
    expect(first.get_by_label(questions[0]["choices"][questions[0]["answer"]], exact=True)).to_be_checked()
    last.get_by_label(questions[-1]["choices"][questions[-1]["answer"]], exact=True).check()
    page.get_by_role("button", name="Submit answers").click()

    total = len(questions)
    expect(page.get_by_role("heading", name=f"General Surgery: {total} of {total}")).to_be_visible()
    expect(page.locator(".explanation").first).to_have_text(questions[0]["explanation"])
    page.get_by_role("button", name="Show this score on my applications").click()
    expect(page.get_by_text("Employers now see this score on your applications.")).to_be_visible()
    page.goto("/seeker/skills")
    expect(page.locator("#skill-general-surgery")).to_contain_text(f"{total} of {total} (100 %)")
    expect(page.locator("#skill-general-surgery")).to_contain_text("shown on applications")
