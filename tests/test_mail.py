"""The email outbox: one Message-ID per queued message on every attempt; retries back off."""
from datetime import timedelta

from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.mail import OutboundEmail
from jobboard.services.mail import commit_and_deliver, deliver_pending, queue_email, retry_delay


def test_retries_back_off_exponentially_and_resends_keep_the_message_id(app, mailbox):
    mailbox.refuse = True
    with app.app_context():
        queue_email("coder@example.com", "Hello", "Body")
        commit_and_deliver()
        email = db.session.scalar(db.select(OutboundEmail))
        message_id = email.message_id
        assert message_id.startswith("<") and message_id.endswith("@jobs.test>")
        waits = []
        now = utcnow()
        for _ in range(4):
            waits.append(email.next_attempt_at - now)
            assert deliver_pending(now=email.next_attempt_at - timedelta(seconds=1)) == (0, 0)  # not yet due
            now = utcnow()
            assert deliver_pending(now=email.next_attempt_at) == (0, 1)
            db.session.refresh(email)
        assert email.attempts == 5
        assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4, 8]

        mailbox.refuse = False
        assert deliver_pending(now=email.next_attempt_at) == (1, 0)
        # A worker that crashed after sending but before recording it sends again: same Message-ID.
        email.sent_at = email.claimed_until = None  # its claim ran out
        db.session.commit()
        assert deliver_pending(now=email.next_attempt_at) == (1, 0)
    assert [m["Message-ID"] for m in mailbox.messages] == [message_id, message_id]


def test_retry_delay_is_capped():
    assert retry_delay(1) == timedelta(minutes=1)
    assert retry_delay(3) == timedelta(minutes=4)
    assert retry_delay(10) == timedelta(hours=6)
    assert retry_delay(10_000) == timedelta(hours=6)


def test_each_queued_message_has_its_own_message_id(app):
    with app.app_context():
        first = queue_email("a@example.com", "One", "Body")
        second = queue_email("a@example.com", "Two", "Body")
        db.session.commit()
        assert first.message_id != second.message_id
