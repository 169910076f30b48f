"""gunicorn settings read when it is started from the project folder.

Each worker loads the search index view (live set, sort orders, facet term sets) before it
takes traffic, so no user pays the cold start of a new worker.
"""


def post_worker_init(worker):
    from jobboard.search import search_backend

    with worker.wsgi.app_context():
        search_backend().warm_up()
