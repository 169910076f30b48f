"""The contract's command-line interface: each command is a thin call into a service."""
import sys
import time
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from jobboard.search import cli as search_cli
from jobboard.services import DomainError

demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Accounts.")
codes_cli = AppGroup("codes", help="CPT codes and CMS figures.")
jobs_cli = AppGroup("jobs", help="Postings.")
alerts_cli = AppGroup("alerts", help="Saved-search email alerts.")


@demo_cli.command("load")
@click.option("--jobs", "jobs", default=300, show_default=True, help="How many demo postings.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
def demo_load(jobs, seed):
    """Create demo companies, employers, seekers and postings (deterministic, idempotent)."""
    from jobboard.demo import DEMO_PASSWORD, load_demo
    from jobboard.services.codes import load_curated_codes

    load_curated_codes()
    with _feed_progress(jobs, "Demo postings") as progress:
        counts, report = load_demo(jobs=jobs, seed=seed, progress=progress)
    click.echo(report.line())
    click.echo(
        f"Demo data ready: {counts['companies']} companies, {counts['employers']} employers, "
        f"{counts['seekers']} seekers, {counts['postings']} postings. "
        f"Every demo login uses the password {DEMO_PASSWORD!r}."
    )


@users_cli.command("create-admin")
@click.argument("email")
@click.password_option()
def create_admin(email, password):
    """Create an admin account (the only way to get one)."""
    from jobboard.services.accounts import create_admin as create

    try:
        create(email, password)
    except DomainError as error:
        raise click.ClickException(error.message)
    click.echo(f"Admin {email} created.")


@codes_cli.command("load")
def codes_load():
    """Load the taxonomy and the curated CPT code set the project ships."""
    from jobboard.services.codes import load_curated_codes

    counts = load_curated_codes()
    click.echo(
        f"Loaded {counts['specialties']} specialties, {counts['credentials']} credentials, "
        f"{counts['sections']} CPT ranges; codes: {counts['codes_added']} added, "
        f"{counts['codes_updated']} updated."
    )


@codes_cli.command("import-rvu")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--no-descriptors", is_flag=True,
              help="Do not keep the file's AMA short descriptors (licensed text).")
def codes_import_rvu(path, no_descriptors):
    """Import a CMS PFS RVU CSV (any year; columns found by header name)."""
    from jobboard.cms_rvu import RvuFormatError, count_data_lines
    from jobboard.services.codes import import_rvu

    try:
        total = count_data_lines(path)
        with click.progressbar(length=total, label="CMS rows") as bar:
            summary = import_rvu(path, progress=bar.update, store_descriptors=not no_descriptors)
    except RvuFormatError as error:
        raise click.ClickException(f"{path}: {error}")
    for row in summary.bad_rows:
        click.echo(f"line {row.line}: {row.reason}", err=True)
    click.echo(summary.line())


@jobs_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--close-missing", is_flag=True,
              help="Close the published feed postings of the feed's companies that it no longer lists.")
def jobs_import(path, close_missing):
    """Import postings from JSON Lines; bad lines are reported and skipped (exit 1)."""
    from jobboard.services.imports import import_postings

    total = None if path == "-" else _count_lines(path)
    with click.open_file(path, "rb") as handle, _feed_progress(total, "Postings") as progress:
        report = import_postings(handle, progress=progress, close_missing=close_missing)
    for number, reason in report.failed:
        click.echo(f"line {number}: {reason}", err=True)
    if report.close_skipped:
        click.echo(report.close_skipped, err=True)
    click.echo(report.line())
    if report.failed:
        sys.exit(1)


def _count_lines(path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


@contextmanager
def _feed_progress(total, label):
    """A progress bar showing lines per second; yields the ``progress(n)`` an import calls
    (None when the length is unknown, as for standard input)."""
    if total is None:
        yield None
        return
    started = time.perf_counter()
    done = 0
    with click.progressbar(length=total, label=label, file=sys.stderr,
                           item_show_func=lambda rate: rate) as bar:
        def progress(lines):
            nonlocal done
            done += lines
            rate = done / max(time.perf_counter() - started, 1e-6)
            bar.update(lines, f"{rate:,.0f} postings/s")

        yield progress


@jobs_cli.command("expire")
def jobs_expire():
    """Close postings whose expiry date has passed."""
    from jobboard.services.postings import expire_due

    click.echo(f"Expired {expire_due()} postings.")


@alerts_cli.command("send")
def alerts_send():
    """Email every due saved search the postings that are new since its last alert."""
    from flask import current_app

    from jobboard.search.service import find_new_postings
    from jobboard.services.saved import send_alerts

    site_url = current_app.config.get("SITE_URL")
    if not site_url and not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("Set SITE_URL (e.g. https://jobs.example.com) for the links in alerts.")
    with current_app.test_request_context(base_url=site_url or None):
        emails, due = send_alerts(find_new_postings)
    click.echo(f"Sent {emails} alert emails for {due} due saved searches.")


def register(app):
    search_cli.register(app)
    for group in (demo_cli, users_cli, codes_cli, jobs_cli, alerts_cli):
        app.cli.add_command(group)
