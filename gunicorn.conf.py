"""Production serving: ``gunicorn -c gunicorn.conf.py 'jobboard:create_app()'``.

Put a buffering reverse proxy (nginx, see the README) in front: it absorbs slow clients, so a
worker thread only ever talks to the proxy over a fast local connection. Every value can be
overridden with the usual ``GUNICORN_CMD_ARGS`` or on the command line.

Each worker renders the pages every visitor sees alike: home, specialty and curated code pages
(``jobboard.views.warm_up``, a second or two), then loads the search index (live set, sort orders,
facet term sets) and runs a search once (``jobboard.search.warm_up_worker``) before it takes
traffic, so no user pays the cold start of a new worker.
"""
import faulthandler
import multiprocessing
import os

from gunicorn.http import wsgi

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threaded workers: a request that waits (on the database, SMTP, a slow upload) holds one thread,
# not the whole process, and idle keep-alive connections wait in the poller, not in a thread.
# With sync workers two idle connections were enough to stall a two-worker site.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", 8))

# A worker thread silent for this long is presumed stuck and the worker restarted. Long enough
# for the slowest legitimate request (a 5 MB résumé upload on a slow line when no proxy buffers it).
timeout = 60
# Time in-flight requests get to finish on a reload or shutdown.
graceful_timeout = 30
# How long an idle keep-alive connection is kept. Short: behind a proxy it reuses connections,
# and without one an idle client costs a connection slot only briefly.
keepalive = 5

# Request-line and header limits (gunicorn's defaults made explicit): an oversized request is
# refused before it reaches the app.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Recycle workers now and then so a slow leak cannot grow without bound. Rarely: a new worker
# starts with empty caches (rendered job lists, pay figures, snippets), and at a few hundred
# requests a second 2,000 requests recycled each worker every few seconds.
max_requests = 100_000
max_requests_jitter = 10_000

accesslog = "-"
errorlog = "-"
# gunicorn itself honours X-Forwarded-Proto only from these addresses (a local proxy); the app
# reads X-Forwarded-* only as far as its PROXY_FIX_* settings say.
forwarded_allow_ips = "127.0.0.1,::1"

_default_headers = wsgi.Response.default_headers


def _headers_without_server_banner(response):
    """gunicorn's own headers minus ``Server: gunicorn``: no version hint for scanners."""
    return [h for h in _default_headers(response) if not h.lower().startswith("server:")]


wsgi.Response.default_headers = _headers_without_server_banner


def post_worker_init(worker):
    """Crash reports on, then warm up before the first request: the visitors' pages, then the index
    and a search (``warm_up_worker`` ends by freezing all that start-up made, page caches included,
    out of the garbage collector's full scans)."""
    from jobboard.search import warm_up_worker
    from jobboard.views.warm_up import warm_up_pages

    # A worker killed by a fatal signal (a crash in an extension) prints every thread's Python
    # stack to the error log, so the cause can be found instead of guessed.
    faulthandler.enable(all_threads=True)
    warm_up_pages(worker.wsgi)
    warm_up_worker(worker.wsgi)
