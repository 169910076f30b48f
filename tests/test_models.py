"""Models: case-insensitive unique email, callable UTC timestamps, password hashing."""
import time
from datetime import UTC

import pytest
from sqlalchemy.exc import IntegrityError

from jobboard.extensions import db
from jobboard.models.company import Company
from jobboard.models.user import User


def test_email_is_unique_case_insensitively(app):
    with app.app_context():
        db.session.add(User(email="Coder@Example.COM", password="x" * 12, role="seeker"))
        db.session.commit()
        assert db.session.scalar(db.select(User.email)) == "coder@example.com"
        db.session.add(User(email="  coder@example.com ", password="y" * 12, role="seeker"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_role_is_constrained(app):
    with app.app_context():
        db.session.add(User(email="a@example.com", password="x" * 12, role="superuser"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_timestamps_are_per_row_timezone_aware_utc(app):
    with app.app_context():
        first = Company(name="First", slug="first")
        db.session.add(first)
        db.session.commit()
        time.sleep(0.01)
        second = Company(name="Second", slug="second")
        db.session.add(second)
        db.session.commit()
        db.session.expire_all()
        first, second = db.session.get(Company, first.id), db.session.get(Company, second.id)
        assert first.created_at.tzinfo == UTC
        assert second.created_at > first.created_at  # the default is called per row
        created = first.updated_at
        time.sleep(0.01)
        first.about = "changed"
        db.session.commit()
        assert first.updated_at > created


def test_password_is_hashed_with_scrypt(app):
    with app.app_context():
        user = User(email="b@example.com", password="correct horse battery", role="seeker")
        assert user.password_hash.startswith("scrypt:")
        assert "correct horse" not in user.password_hash
        assert user.check_password("correct horse battery")
        assert not user.check_password("wrong")
