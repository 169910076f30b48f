"""The contract's command-line interface: each command is a thin call into a service."""
import sys
import time
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from jobboard.search import cli as search_cli
from jobboard.services import DomainError
from jobboard.worker import worker

demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Accounts.")
codes_cli = AppGroup("codes", help="CPT codes and CMS figures.")
jobs_cli = AppGroup("jobs", help="Postings.")
alerts_cli = AppGroup("alerts", help="Saved-search email alerts.")
credentials_cli = AppGroup("credentials", help="Seekers' credential details and verification.")


@demo_cli.command("load")
@click.option("--jobs", "jobs", default=300, show_default=True, help="How many demo postings.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
@click.option("--if-empty", is_flag=True,
              help="Load only into a database without accounts or companies (what `make run` does), "
                   "so a restart never undoes users' edits.")
def demo_load(jobs, seed, if_empty):
    """Create demo companies, employers, seekers and postings (deterministic, idempotent)."""
    from jobboard.demo import DEMO_PASSWORD, database_has_content, load_demo
    from jobboard.services.codes import load_curated_codes

    if if_empty and database_has_content():
        click.echo("The database already has data: demo data not loaded (run `demo load` to refresh it).")
        return
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
        raise click.ClickException(error.message) from None
    click.echo(f"Admin {email} created.")


@codes_cli.command("load")
def codes_load():
    """Load the taxonomy and the curated CPT code set; its figures only fill codes that have none."""
    from jobboard.services.codes import load_curated_codes

    counts = load_curated_codes()
    click.echo(
        f"Loaded {counts['specialties']} specialties, {counts['credentials']} credentials, "
        f"{counts['sections']} CPT ranges; codes: {counts['codes_added']} added, "
        f"{counts['codes_updated']} updated; shipped CY2023 figures filled {counts['figures_filled']} "
        f"codes, {counts['figures_kept']} kept the figures they hold."
    )


KEPT_OLDER_SHOWN = 50


@codes_cli.command("import-rvu")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=click.IntRange(1992, 2100), help="Fee schedule year, for a file that does not say it.")
@click.option("--conversion-factor", type=click.FloatRange(1, 1000, min_open=False),
              help="Dollars per RVU, for a file without one (else the current factor is kept).")
@click.option("--with-descriptors/--no-descriptors", default=False, show_default=True,
              help="Keep the file's AMA short descriptors (only for operators licensed to show them).")
def codes_import_rvu(path, year, conversion_factor, with_descriptors):
    """Import a CMS PFS RVU CSV (any year; columns found by header name; older never wins)."""
    from jobboard.cms_rvu import RvuFormatError, count_data_lines
    from jobboard.services.codes import import_rvu

    try:
        total = count_data_lines(path)
        with click.progressbar(length=total, label="CMS rows", file=sys.stderr) as bar:
            summary = import_rvu(path, progress=bar.update, store_descriptors=with_descriptors, year=year,
                                 conversion_factor=str(conversion_factor) if conversion_factor else None)
    except RvuFormatError as error:
        raise click.ClickException(f"{path}: {error}") from None
    for row in summary.bad_rows:
        click.echo(f"line {row.line}: {row.reason}", err=True)
    click.echo(summary.line())
    if summary.kept_older:
        shown = ", ".join(f"{c.code} ({c.year})" for c in summary.kept_older[:KEPT_OLDER_SHOWN])
        more = len(summary.kept_older) - KEPT_OLDER_SHOWN
        click.echo(f"Codes keeping older figures: {shown}" + (f" and {more} more." if more > 0 else "."))


@codes_cli.command("import-gpci")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def codes_import_gpci(paths):
    """Import CMS GPCI files (localities) and locality-to-county crosswalks, for locality payments."""
    from jobboard.cms_gpci import GpciFormatError
    from jobboard.services.codes import import_gpci

    try:
        summary = import_gpci(paths)
    except GpciFormatError as error:
        raise click.ClickException(str(error)) from error
    for name, line, reason in summary.skipped:
        click.echo(f"{name} line {line}: {reason}", err=True)
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
    """Email every due saved search the postings that are new since its last alert.

    A saved search that fails is logged and skipped; the others are still sent (exit 1).
    """
    from jobboard.search.service import find_new_postings
    from jobboard.services.saved import send_alerts

    run = send_alerts(find_new_postings)
    click.echo(f"Sent {run.emails} alert emails for {run.due} due saved searches.")
    if run.failed:
        click.echo(f"{len(run.failed)} of {run.due} saved searches failed and were skipped "
                   f"(ids {', '.join(map(str, run.failed))}); see the log.", err=True)
        sys.exit(1)


@credentials_cli.command("remind")
@click.option("--days", default=30, show_default=True, type=click.IntRange(0, 365),
              help="Remind seekers whose credential expires within this many days.")
def credentials_remind(days):
    """Email seekers whose credential expires soon; each credential and expiry date once."""
    from jobboard.services.credentials import send_expiry_reminders

    click.echo(f"Sent {send_expiry_reminders(days)} credential expiry reminders.")


def register(app):
    search_cli.register(app)
    app.cli.add_command(worker)
    for group in (demo_cli, users_cli, codes_cli, jobs_cli, alerts_cli, credentials_cli):
        app.cli.add_command(group)
