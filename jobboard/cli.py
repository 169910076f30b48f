"""The contract's command-line interface: each command is a thin call into a service."""
import sys

import click
from flask.cli import AppGroup

from jobboard.search import cli as search_cli
from jobboard.services import DomainError

demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Accounts.")
codes_cli = AppGroup("codes", help="CPT codes and CMS figures.")
jobs_cli = AppGroup("jobs", help="Postings.")
alerts_cli = AppGroup("alerts", help="Saved-search email alerts.")
credentials_cli = AppGroup("credentials", help="Seekers' credential details and verification.")


@demo_cli.command("load")
@click.option("--jobs", "jobs", default=300, show_default=True, help="How many demo postings.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
def demo_load(jobs, seed):
    """Create demo companies, employers, seekers and postings (deterministic, idempotent)."""
    from jobboard.demo import DEMO_PASSWORD, load_demo
    from jobboard.services.codes import load_curated_codes

    load_curated_codes()
    with click.progressbar(length=jobs, label="Demo postings") as bar:
        counts = load_demo(jobs=jobs, seed=seed, progress=bar.update)
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
        raise click.ClickException(f"{path}: {error}") from None
    for row in summary.bad_rows:
        click.echo(f"line {row.line}: {row.reason}", err=True)
    click.echo(summary.line())


@jobs_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def jobs_import(path):
    """Import postings from JSON Lines; bad lines are reported and skipped (exit 1)."""
    from jobboard.services.postings import import_postings

    with click.open_file(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    with click.progressbar(length=len(lines), label="Postings", file=sys.stderr) as bar:
        report = import_postings(lines, progress=bar.update)
    for number, reason in report.failed:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(report.line())
    if report.failed:
        sys.exit(1)


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
    for group in (demo_cli, users_cli, codes_cli, jobs_cli, alerts_cli, credentials_cli):
        app.cli.add_command(group)
