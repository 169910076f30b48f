"""``flask worker``: the background process each host runs beside its web workers.

It applies pending search index updates to this host's index and sends queued email; each pass
survives the failure of the other, so a broken mail relay never stops the index and vice versa.
"""
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from jobboard.extensions import db
from jobboard.search.backend import IndexBusy
from jobboard.search.sync import drain
from jobboard.services.mail import deliver_pending


def run_once() -> tuple[int, int, int]:
    """One pass: (index updates applied, emails sent, emails failed)."""
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
    return applied, sent, failed


@click.command("worker")
@click.option("--once", is_flag=True, help="Drain what is pending now, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def worker(once, interval):
    """Apply pending search index updates and send queued email."""
    while True:
        applied, sent, failed = run_once()
        if once:
            click.echo(f"Applied {applied} index updates; sent {sent} emails, {failed} failed.")
            return
        if not (applied or sent):
            time.sleep(interval)
