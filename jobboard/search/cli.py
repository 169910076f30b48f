"""``flask search reindex``, ``flask search check`` and ``flask worker``."""
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from jobboard.search.backend import IndexBusy

search_cli = AppGroup("search", help="The posting search index.")


@search_cli.command("reindex")
def reindex():
    """Rebuild the index from the database; searches use the old one until it is complete."""
    from jobboard.search.sync import rebuild, visible_count

    started = time.monotonic()
    with click.progressbar(length=visible_count(), label="Postings", file=sys.stderr) as bar:
        try:
            count = rebuild(progress=bar.update)
        except IndexBusy as busy:
            raise click.ClickException(f"Another writer holds the index: {busy}.")
    elapsed = time.monotonic() - started
    click.echo(f"Indexed {count} postings in {elapsed:.1f} s.")


@search_cli.command("check")
def check():
    """Report postings missing from, extra in, or out of date in the index (exit 1 on drift)."""
    from jobboard.search.sync import check as check_index

    drift = check_index()
    kinds = (("missing from the index", drift.missing), ("in the index but not visible", drift.extra),
             ("out of date", drift.stale), ("indexed twice", drift.duplicates))
    for label, ids in kinds:
        if ids:
            shown = ", ".join(map(str, ids[:20])) + (" ..." if len(ids) > 20 else "")
            click.echo(f"{len(ids)} postings {label}: {shown}")
    if drift.expired:
        click.echo(f"{drift.expired} indexed postings are past their expiry (hidden from "
                   "searches; `flask jobs expire` removes them).")
    if drift.pending:
        click.echo(f"{drift.pending} index updates are waiting in the outbox (`flask worker`).")
    if drift.drifted:
        click.echo("Drift found: run `flask search reindex`.")
        sys.exit(1)
    click.echo("No drift: the index matches the database.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Drain what is pending now, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def worker(once, interval):
    """Apply pending search index updates and send queued email."""
    from jobboard.extensions import db
    from jobboard.search.sync import drain
    from jobboard.services.mail import deliver_pending

    while True:
        applied = sent = failed = 0
        try:
            applied = drain(background=True)
        except IndexBusy as busy:
            current_app.logger.info("Index busy, retrying: %s", busy)
        except Exception:
            current_app.logger.exception("Applying index updates failed")
        try:
            sent, failed = deliver_pending()
        except Exception:
            current_app.logger.exception("Sending email failed")
        finally:
            db.session.remove()
        if once:
            click.echo(f"Applied {applied} index updates; sent {sent} emails, {failed} failed.")
            return
        if not (applied or sent):
            time.sleep(interval)


def register(app):
    app.cli.add_command(search_cli)
    app.cli.add_command(worker)
