"""Migrations are the schema's source of truth: they upgrade from empty on both databases
and ``flask db check`` finds nothing left to generate."""
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from jobboard import create_app
from jobboard.extensions import db
from tests.conftest import base_config


def migrated_app(database, tmp_path):
    app = create_app(base_config(database, tmp_path, 25))
    with app.app_context():
        if database.startswith("postgresql"):
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    return app


def restore_test_schema(app, database):
    """Leave the PostgreSQL schema as the other tests expect it (made from the models)."""
    if database.startswith("postgresql"):
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            db.engine.dispose()


def test_upgrade_from_empty_and_models_agree(database, tmp_path):
    app = migrated_app(database, tmp_path)
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"user_account", "company", "seeker_profile", "specialty"} <= tables
        result = app.test_cli_runner().invoke(args=["db", "check"])
        assert result.exit_code == 0, result.output
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        db.engine.dispose()
    restore_test_schema(app, database)


def test_membership_migration_empties_non_web_addresses(database, tmp_path):
    app = migrated_app(database, tmp_path)
    with app.app_context():
        upgrade(revision="5d612d303573")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO company (id, name, slug, website, about, city, state, join_code, created_at, "
                "updated_at) VALUES (1, 'A', 'a', 'JavaScript:alert(1)', '', '', '', 'c1', :t, :t), "
                "(2, 'B', 'b', 'HTTPS://ok.example', '', '', '', 'c2', :t, :t), "
                "(3, 'C', 'c', '', '', '', '', 'c3', :t, :t)"), {"t": "2026-01-01 00:00:00"})
        upgrade(revision="s8b_members")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT website FROM company ORDER BY id")).scalars().all() == [
                "", "HTTPS://ok.example", ""]
        downgrade(revision="base")
        db.engine.dispose()
    restore_test_schema(app, database)


def test_accounts_that_existed_before_email_confirmation_count_as_confirmed(database, tmp_path):
    from jobboard.models.user import User
    from jobboard.services.accounts import authenticate

    app = migrated_app(database, tmp_path)
    password = "Sturdy-passphrase-42"
    with app.app_context():
        upgrade(revision="r12_cvread")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO user_account (id, email, name, password_hash, role, active, created_at, updated_at) "
                "VALUES (1, 'old@example.com', 'Old', :hash, 'seeker', :yes, :t, :t)"),
                {"hash": User(email="x@example.com", password=password, role="seeker").password_hash,
                 "yes": True, "t": "2025-03-04 05:06:07"})
        upgrade()
        user = db.session.get(User, 1)
        assert user.confirmed_at == user.created_at and user.is_confirmed
        assert authenticate("old@example.com", password).id == 1
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
    restore_test_schema(app, database)
