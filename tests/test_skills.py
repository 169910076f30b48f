"""Skills checks: fresh questions per attempt, scoring on the server only, one score per
attempt, rate limits, sharing scores on applications, and odd input."""
import json
import random
import re
import threading

import pytest
from markupsafe import escape
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.skills import QuizAttempt
from jobboard.models.taxonomy import CptCode, Specialty
from jobboard.models.user import User
from jobboard.services import DomainError, skills
from tests.conftest import PASSWORD, Auth, csrf_from, post_form
from tests.factories import ensure_codes, make_employer, make_posting
from tests.test_applications import applied


@pytest.fixture
def seeker(app, client, auth):
    with app.app_context():
        ensure_codes()
    email, _ = auth.register("seeker", name="Riley Coder")
    return email


def start(client, slug="general-surgery"):
    return post_form(client, f"/seeker/skills/{slug}/start", {}, page="/seeker/skills")


def attempt_row(app, attempt_id) -> QuizAttempt:
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def started(client, slug="general-surgery") -> int:
    response = start(client, slug)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/seeker/skills/attempts/(\d+)$", response.headers["Location"]).group(1))


def submit(client, attempt_id, answers):
    page = f"/seeker/skills/attempts/{attempt_id}"
    return post_form(client, page, {f"q{i}": str(a) for i, a in enumerate(answers)})


def test_questions_are_built_from_the_data_in_our_words(app):
    with app.app_context():
        ensure_codes()
        # Licensed text an operator imported must never reach a question.
        for code in db.session.scalars(select(CptCode)):
            code.licensed_descriptor = f"LICENSED TEXT {code.code}"
        db.session.commit()
        user = User(email="q@example.com", password=PASSWORD, role="seeker")
        db.session.add(user)
        db.session.commit()
        specialty = db.session.scalar(select(Specialty).where(Specialty.slug == "general-surgery"))
        listed = [s.slug for s in skills.quiz_specialties()]
        assert "general-surgery" in listed and "risk-adjustment" not in listed
        attempt = skills.start_attempt(user, specialty, rng=random.Random(7))
        assert attempt.total == skills.QUIZ_LENGTH
        assert "LICENSED TEXT" not in json.dumps(attempt.questions)
        assert {q["kind"] for q in attempt.questions} == {
            "section", "add_on", "global_period", "work_rvu", "specialty_range"}
        codes = {c.code: c for c in db.session.scalars(select(CptCode))}
        for question in attempt.questions:
            assert 0 <= question["answer"] < len(question["choices"])
            assert len(set(question["choices"])) == len(question["choices"])
            right = question["choices"][question["answer"]]
            code = codes.get(re.search(r"\b(\d{4}[0-9A-Z])\b", question["prompt"] + right).group(1))
            if question["kind"] == "add_on":
                assert right == skills.ADD_ON_CHOICES[0 if code.add_on else 1]
            elif question["kind"] == "global_period":
                assert right == skills.GLOBAL_PERIODS[code.global_days]
            elif question["kind"] == "section":
                assert right.startswith(code.section) and code.subsection in right
            elif question["kind"] == "specialty_range":
                assert right == "General Surgery"
                assert any(a <= code.code <= b for a, b in specialty.ranges)
            else:
                first, second = (codes[c.split(" ")[0]] for c in question["choices"])
                assert right.split(" ")[0] == max(first, second, key=lambda c: c.work_rvu).code
                assert abs(first.work_rvu - second.work_rvu) >= skills.MIN_RVU_GAP


def test_a_specialty_without_codes_has_no_quiz(app):
    with app.app_context():  # taxonomy only: no codes loaded
        assert skills.quiz_specialties() == []
        user = User(email="q@example.com", password=PASSWORD, role="seeker")
        db.session.add(user)
        db.session.commit()
        specialty = db.session.scalar(select(Specialty).where(Specialty.slug == "general-surgery"))
        with pytest.raises(DomainError):
            skills.start_attempt(user, specialty)


def test_each_attempt_draws_fresh_questions(app, client, seeker):
    first, second = started(client), started(client)
    assert first != second
    asked = [[(q["prompt"], q["choices"]) for q in attempt_row(app, i).questions] for i in (first, second)]
    assert asked[0] != asked[1]


def test_the_quiz_page_is_labelled_radio_groups_without_answers(app, client, seeker):
    attempt_id = started(client)
    html = client.get(f"/seeker/skills/attempts/{attempt_id}").get_data(as_text=True)
    assert html.count("<fieldset") == skills.QUIZ_LENGTH and html.count("<legend") == skills.QUIZ_LENGTH
    attempt = attempt_row(app, attempt_id)
    assert attempt.questions[0]["explanation"] not in html  # nothing gives the answer away
    assert html.count('type="radio"') == sum(len(q["choices"]) for q in attempt.questions)
    assert all(f"<legend class=\"form-label fs-6\">{i + 1}. " in html for i in range(attempt.total))


def test_the_score_is_computed_on_the_server(app, client, seeker):
    attempt_id = started(client)
    right = [q["answer"] for q in attempt_row(app, attempt_id).questions]
    response = submit(client, attempt_id, right)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/seeker/skills/attempts/{attempt_id}/result")
    stored = attempt_row(app, attempt_id)
    assert (stored.score, stored.answers) == (skills.QUIZ_LENGTH, right)
    html = client.get(f"/seeker/skills/attempts/{attempt_id}/result").get_data(as_text=True)
    assert f"{skills.QUIZ_LENGTH} of {skills.QUIZ_LENGTH}" in html
    assert str(escape(stored.questions[0]["explanation"])) in html

    wrong_id = started(client)
    questions = attempt_row(app, wrong_id).questions
    wrong = [(q["answer"] + 1) % len(q["choices"]) for q in questions]
    submit(client, wrong_id, wrong[:3] + [q["answer"] for q in questions[3:]])
    assert attempt_row(app, wrong_id).score == skills.QUIZ_LENGTH - 3
    html = client.get(f"/seeker/skills/attempts/{wrong_id}/result").get_data(as_text=True)
    assert html.count("Not right") == 3


def test_a_resubmitted_attempt_keeps_its_first_score(app, client, seeker):
    attempt_id = started(client)
    questions = attempt_row(app, attempt_id).questions
    wrong = [(q["answer"] + 1) % len(q["choices"]) for q in questions]
    page = f"/seeker/skills/attempts/{attempt_id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    first = client.post(page, data={"csrf_token": token, **{f"q{i}": str(a) for i, a in enumerate(wrong)}})
    again = client.post(page, data={"csrf_token": token,
                                    **{f"q{i}": str(q["answer"]) for i, q in enumerate(questions)}})
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"].endswith("/result")
    assert attempt_row(app, attempt_id).score == 0
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert skills.submit_attempt(attempt, [q["answer"] for q in questions]) is False
        assert attempt.score == 0


@pytest.mark.parametrize("tamper", ["7", "-1", "x", "1.0", "٣", "\x00", "9" * 400, "", None])
def test_a_tampered_or_missing_answer_is_refused_and_the_rest_kept(app, client, seeker, tamper):
    attempt_id = started(client)
    questions = attempt_row(app, attempt_id).questions
    answers = {f"q{i}": str(q["answer"]) for i, q in enumerate(questions)}
    answers["q0"] = tamper
    if tamper is None:
        del answers["q0"]
    response = post_form(client, f"/seeker/skills/attempts/{attempt_id}", answers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    expected = ("Choose an answer." if not tamper
                else "Remove the invisible control characters" if tamper == "\x00"  # the one text rule, first
                else "Choose one of the listed answers.")
    assert expected in html
    assert re.search(rf'id="q1-{questions[1]["answer"]}"[^>]*checked|checked[^>]*id="q1-{questions[1]["answer"]}"',
                     html)
    assert attempt_row(app, attempt_id).score is None


def test_two_submissions_at_once_score_the_attempt_once(app, client, seeker):
    attempt_id = started(client)
    questions = attempt_row(app, attempt_id).questions
    right = [q["answer"] for q in questions]
    wrong = [(a + 1) % len(q["choices"]) for a, q in zip(right, questions, strict=True)]
    barrier, outcomes = threading.Barrier(2), {}

    def submit_in_thread(name, answers):
        with app.app_context():
            attempt = db.session.get(QuizAttempt, attempt_id)
            barrier.wait()
            outcomes[name] = skills.submit_attempt(attempt, answers)

    threads = [threading.Thread(target=submit_in_thread, args=args) for args in (("right", right), ("wrong", wrong))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == [False, True]
    winner = next(name for name, scored in outcomes.items() if scored)
    assert attempt_row(app, attempt_id).score == (len(questions) if winner == "right" else 0)


def test_the_service_refuses_answers_that_do_not_fit(app, client, seeker):
    attempt_id = started(client)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        for bad in ([0] * 3, [99] * attempt.total, ["0"] * attempt.total):
            with pytest.raises(DomainError):
                skills.submit_attempt(attempt, bad)
        assert attempt.score is None


@pytest.mark.parametrize("app_config", [{"RATELIMIT_QUIZ": "2 per hour"}])
def test_starting_attempts_is_rate_limited_per_seeker(app, client, seeker):
    assert start(client).status_code == 303
    assert start(client).status_code == 303
    refused = start(client)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(QuizAttempt.id))) == 2
    other = app.test_client()  # another seeker from the same address still may
    Auth(other).register("seeker")
    assert start(other).status_code == 303


def test_attempts_are_private_and_seekers_only(app, client, seeker):
    attempt_id = started(client)
    other = app.test_client()
    Auth(other).register("seeker")
    assert other.get(f"/seeker/skills/attempts/{attempt_id}").status_code == 404
    assert other.get(f"/seeker/skills/attempts/{attempt_id}/result").status_code == 404
    response = post_form(other, f"/seeker/skills/attempts/{attempt_id}", {"q0": "0"},
                         page="/seeker/skills")
    assert response.status_code == 404
    employer = app.test_client()
    Auth(employer).register("employer")
    assert employer.get("/seeker/skills").status_code == 403
    assert app.test_client().get("/seeker/skills").status_code == 302


def test_odd_addresses_and_posts(app, client, seeker):
    assert start(client, "no-such-specialty").status_code == 404
    assert start(client, "risk-adjustment").status_code == 404  # no CPT ranges, no quiz
    assert start(client, "%00").status_code == 400  # control characters: the one text rule
    assert start(client, "general-surgery%00").status_code == 400
    assert start(client, "x" * 5000).status_code == 404
    assert client.get("/seeker/skills/attempts/99999999999999999999").status_code == 404
    assert client.post("/seeker/skills/general-surgery/start").status_code == 400  # no CSRF token
    assert client.get("/seeker/skills/general-surgery/start").status_code == 405


def test_the_list_shows_the_best_score(app, client, seeker):
    html = client.get("/seeker/skills").get_data(as_text=True)
    assert "General Surgery" in html and "Not taken" in html
    attempt_id = started(client)
    questions = attempt_row(app, attempt_id).questions
    submit(client, attempt_id, [q["answer"] for q in questions[:8]]
           + [(q["answer"] + 1) % len(q["choices"]) for q in questions[8:]])
    html = client.get("/seeker/skills").get_data(as_text=True)
    assert re.search(r'id="skill-general-surgery">.*?8 of 10 \(80 %\)', html, re.S)


def test_a_shared_score_shows_in_the_applicant_pipeline(app, mailbox):
    with app.app_context():
        ensure_codes()
        employer = make_employer()
        job = make_posting(author=employer).id
        employer_email = employer.email
    applicant, _application_id = applied(app, job)
    attempt_id = started(applicant)
    questions = attempt_row(app, attempt_id).questions
    submit(applicant, attempt_id, [q["answer"] for q in questions])
    boss = app.test_client()
    Auth(boss).login(employer_email)
    page = f"/employer/jobs/{job}/applicants"
    assert "Skills check" not in boss.get(page).get_data(as_text=True)  # not shared yet

    result = f"/seeker/skills/attempts/{attempt_id}/result"
    assert post_form(applicant, f"/seeker/skills/attempts/{attempt_id}/share", {"share": "1"},
                     page=result).status_code == 303
    html = boss.get(page).get_data(as_text=True)
    assert "Skills check, General Surgery: 10/10 on" in html

    post_form(applicant, f"/seeker/skills/attempts/{attempt_id}/share", {"share": "0"}, page=result)
    assert "Skills check" not in boss.get(page).get_data(as_text=True)


def test_an_unfinished_attempt_cannot_be_shared(app, client, seeker):
    attempt_id = started(client)
    response = post_form(client, f"/seeker/skills/attempts/{attempt_id}/share", {"share": "1"},
                         page="/seeker/skills")
    assert response.status_code == 303
    assert attempt_row(app, attempt_id).shared is False
    assert "Finish the skills check" in client.get(response.headers["Location"],
                                                   follow_redirects=True).get_data(as_text=True)
