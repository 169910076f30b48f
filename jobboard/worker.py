"""``flask worker``: the background process each host runs beside its web workers.

It follows the search change log into this host's index (rebuilding the index if the host fell
behind the log's retention), prunes old log entries and used one-time form tokens, and sends
queued email. Every pass survives
the failure of the others, so a broken mail relay never stops the index and vice versa, and a
crash of one pass is logged and retried on the next.
"""
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from jobboard.extensions import db
from jobboard.search.backend import IndexBusy
from jobboard.search.sync import FellBehind, follow, prune, rebuild
from jobboard.services import submissions
from jobboard.services.mail import deliver_pending

PRUNE_EVERY = 3600.0  # seconds


def apply_index_updates() -> int | None:
    """Follow the log into this host's index; returns the entries applied, None on failure."""
    try:
        return follow(background=True)
    except FellBehind as behind:
        current_app.logger.warning("Rebuilding the search index: %s.", behind)
        return rebuild()
    except IndexBusy as busy:
        current_app.logger.info("Index busy, retrying: %s", busy)
    except Exception:
        current_app.logger.exception("Applying index updates failed")
    finally:
        db.session.remove()
    return None


def send_email() -> tuple[int, int]:
    """Send the queued email this worker claims: (sent, failed)."""
    try:
        return deliver_pending()
    except Exception:
        current_app.logger.exception("Sending email failed")
        return 0, 0
    finally:
        db.session.remove()


def prune_old_rows() -> None:
    """Retention: search log entries and used form tokens past their keep time. Each table is
    pruned on its own, so a failure with one does not stop the other."""
    for what, prune_rows in (("search log entries", prune), ("used form tokens", submissions.prune)):
        try:
            removed = prune_rows()
            if removed:
                current_app.logger.info("Pruned %d %s.", removed, what)
        except Exception:
            current_app.logger.exception("Pruning %s failed", what)
        finally:
            db.session.remove()


@click.command("worker")
@click.option("--once", is_flag=True, help="Apply and send what is pending now, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between email passes.")
@with_appcontext
def worker(once, interval):
    """Follow the search change log into this host's index and send queued email."""
    if once:
        applied = apply_index_updates()
        sent, failed = send_email()
        click.echo(f"Applied {applied or 0} index updates; sent {sent} emails, {failed} failed.")
        return
    poll = current_app.config["SEARCH_FOLLOW_INTERVAL"]
    next_mail = next_prune = 0.0
    while True:
        applied = apply_index_updates()
        now = time.monotonic()
        if now >= next_prune:
            prune_old_rows()
            next_prune = now + PRUNE_EVERY
        if now >= next_mail:
            sent, _ = send_email()
            next_mail = now if sent else now + interval
        if applied is None:    # failing (database down, tables missing...): do not spin
            time.sleep(interval)
        elif not applied:
            time.sleep(poll)
