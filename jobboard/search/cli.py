"""``flask search reindex`` and ``flask search check``."""
import sys
import time

import click
from flask.cli import AppGroup

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
            raise click.ClickException(f"Another writer holds the index: {busy}.") from busy
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
    click.echo(f"This host's index is {drift.lag.entries} log entries ({drift.lag.seconds:.1f} s) "
               "behind the database" + (" (`flask worker` applies them)." if drift.lag.entries else "."))
    if drift.drifted:
        click.echo("Drift found: run `flask search reindex`.")
        sys.exit(1)
    click.echo("No drift: the index matches the database.")


def register(app):
    app.cli.add_command(search_cli)
