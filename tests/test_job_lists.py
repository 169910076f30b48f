"""The job lists of the home, company, specialty and code pages, and anonymous search API answers,
are kept once per version of the shared data and of the host's index; posting cards load with
their tags in two statements.

A cached list must never outlive the data it was made from: a posting closed, expired or
suspended leaves every list at once, on every host, and a new one appears once indexed.
"""
from datetime import timedelta

import pytest
from sqlalchemy import event, insert
from werkzeug.datastructures import MultiDict

from jobboard import create_app
from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting, load_with_tags, with_tags
from jobboard.models.search import SearchChange
from jobboard.search import sync
from jobboard.search.params import parse_params
from jobboard.search.service import search_postings
from jobboard.services.data_cache import VersionedCache, postings_version
from jobboard.services.moderation import suspend_user, unpublish_posting
from jobboard.services.postings import change_status
from tests.conftest import Auth, base_config, post_form
from tests.factories import make_company, make_employer, make_posting

TAGS = {"specialties": ["radiology"], "cpt_codes": ["70450"]}


def list_pages(company) -> list[str]:
    return ["/", f"/companies/{company.slug}", "/specialties/radiology", "/codes/70450"]


def shown_on(client, urls, title) -> list[str]:
    """The pages among ``urls`` that list ``title``."""
    found = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if f">{title}</a>" in response.get_data(as_text=True):
            found.append(url)
    return found


class Statements:
    """Counts (and keeps) the SQL statements the app's engine runs inside the ``with`` block."""

    def __enter__(self):
        self.count = 0
        self.texts: list[str] = []
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def _record(self, connection, cursor, statement, *args):
        self.count += 1
        self.texts.append(statement)

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)


def test_lists_drop_a_closed_unpublished_or_suspended_authors_posting_at_once(app, client):
    with app.app_context():
        company = make_company("Cascade Imaging Coders")
        kept = make_posting(author=make_employer(company), title="Kept Radiology Coder", **TAGS)
        pages = list_pages(company)
        for hide in ("close", "unpublish", "suspend author"):
            author = make_employer(company)
            posting = make_posting(author=author, title=f"Radiology Coder to {hide}", **TAGS)
            assert shown_on(client, pages, posting.title) == pages  # now cached
            if hide == "close":
                change_status(posting, "close")
            elif hide == "unpublish":
                unpublish_posting(posting)
            else:
                suspend_user(author)
            assert shown_on(client, pages, posting.title) == [], hide
            assert shown_on(client, pages, kept.title) == pages


def test_lists_show_a_published_draft_at_once(app, client):
    with app.app_context():
        company = make_company("Cascade Imaging Coders")
        author = make_employer(company)
        make_posting(author=author, title="Older Radiology Coder", **TAGS)
        draft = make_posting(author=author, title="Draft Radiology Coder", status="draft", **TAGS)
        pages = list_pages(company)
        assert shown_on(client, pages, "Older Radiology Coder") == pages
        assert shown_on(client, pages, draft.title) == []
        change_status(draft, "publish")
        assert shown_on(client, pages, draft.title) == pages


def test_lists_drop_a_posting_when_it_expires_with_nothing_written(app, client, monkeypatch):
    """Expiry is a moment, not a write: the version carries the next expiry ahead."""
    from jobboard.models import posting as posting_model
    from jobboard.search import service
    from jobboard.services import data_cache

    with app.app_context():
        company = make_company("Cascade Imaging Coders")
        author = make_employer(company)
        kept = make_posting(author=author, title="Kept Radiology Coder", **TAGS)
        ending = make_posting(author=author, title="Ending Radiology Coder", **TAGS)
        ending.expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
        pages = list_pages(company)
        assert shown_on(client, pages, ending.title) == pages  # now cached
        later = utcnow() + timedelta(hours=2)
        for module in (posting_model, service, data_cache):
            monkeypatch.setattr(module, "utcnow", lambda: later)
        assert shown_on(client, pages, ending.title) == []
        assert shown_on(client, pages, kept.title) == pages


@pytest.fixture
def second_host(app, tmp_path):
    """Another app on the same database with its own index, followed only when the test says."""
    other = create_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "host-b", 25),
                        "SEARCH_FOLLOW_AFTER_COMMIT": False})
    with other.app_context():
        sync.rebuild()
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_list_cached_on_one_host_is_not_served_after_another_host_changes_the_data(
        app, second_host):
    b = second_host.test_client()
    with app.app_context():
        company = make_company("Cascade Imaging Coders")
        author = make_employer(company)
        closing = make_posting(author=author, title="Closing Radiology Coder", **TAGS)
        pages = list_pages(company)
        with second_host.app_context():
            sync.follow()
        assert shown_on(b, pages, closing.title) == pages  # cached on host B
        change_status(closing, "close")  # on host A; B's index still holds the posting
        assert shown_on(b, pages, closing.title) == []
        fresh = make_posting(author=author, title="Fresh Radiology Coder", **TAGS)
        shown_on(b, pages, fresh.title)  # B lists what its index holds, and keeps that list
        with second_host.app_context():
            sync.follow()  # B's worker brings its index up to date
        assert shown_on(b, pages, fresh.title) == pages


def test_an_anonymous_search_answer_is_kept_only_while_the_data_is_unchanged(app, client):
    with app.app_context():
        author = make_employer()
        closing = make_posting(author=author, title="Closing Radiology Coder", **TAGS)
        make_posting(author=author, title="Staying Radiology Coder", **TAGS)

        def titles():
            return sorted(j["title"] for j in client.get("/api/v1/jobs?q=radiology").get_json()["items"])

        assert titles() == ["Closing Radiology Coder", "Staying Radiology Coder"]
        change_status(closing, "close")
        assert titles() == ["Staying Radiology Coder"]
        make_posting(author=author, title="Fresh Radiology Coder", **TAGS)
        assert titles() == ["Fresh Radiology Coder", "Staying Radiology Coder"]


def test_a_signed_in_seeker_never_gets_an_answer_kept_for_visitors(app, client):
    with app.app_context():
        make_posting(title="Needs CRC Coder", credentials_required=["CRC"])
        make_posting(title="Needs CPC Coder", credentials_required=["CPC"])
    assert client.get("/api/v1/jobs?eligible=1").get_json()["total"] == 2  # a visitor: no filter
    seeker = app.test_client()
    Auth(seeker).register("seeker")
    post_form(seeker, "/seeker/profile", {"credentials": ["CPC"], "specialties": ["general-surgery"]})
    body = seeker.get("/api/v1/jobs?eligible=1").get_json()
    assert [j["title"] for j in body["items"]] == ["Needs CPC Coder"]


def test_posting_cards_load_with_their_tags_in_two_statements(app):
    with app.app_context():
        author = make_employer()
        for i in range(12):
            make_posting(author=author, title=f"Tagged Coder {i}", specialties=["radiology", "cardiology"],
                         cpt_codes=["70450", "99213"], credentials_required=["CPC"],
                         credentials_preferred=["CCS"])
        make_posting(author=author, title="Untagged Coder", specialties=[], cpt_codes=[])
        db.session.expunge_all()
        query = Posting.visible().order_by(Posting.id)
        expected = {p.id: ([s.slug for s in p.specialties], [c.code for c in p.cpt_codes],
                           [(link.credential.abbreviation, link.required) for link in p.credential_links])
                    for p in db.session.scalars(with_tags(query))}
        db.session.expunge_all()
        with Statements() as statements:
            postings = load_with_tags(db.session, query)
            found = {p.id: ([s.slug for s in p.specialties], [c.code for c in p.cpt_codes],
                            [(link.credential.abbreviation, link.required) for link in p.credential_links])
                     for p in postings}
            names = [p.company.name for p in postings]
        assert statements.count == 2
        assert found == expected and len(found) == 13 and all(names)
        assert found[postings[0].id][0] == ["cardiology", "radiology"]  # specialties in display order


def test_a_search_loads_its_rows_and_tags_in_two_statements(app, client):
    with app.app_context():
        author = make_employer()
        for i in range(15):
            make_posting(author=author, title=f"Remote Radiology Coder {i}", **TAGS,
                         credentials_required=["CPC"])
        db.session.expunge_all()
        with Statements() as statements:
            page = search_postings(parse_params(MultiDict({"q": "radiology", "per_page": "20"})))
            cards = [(p.company.name, [s.slug for s in p.specialties], [c.code for c in p.cpt_codes],
                      [c.abbreviation for c in p.credentials_required]) for p in page.postings]
        assert statements.count == 2
        assert len(cards) == 15 and cards[0][1:] == (["radiology"], ["70450"], ["CPC"])
        first = client.get("/api/v1/jobs?q=radiology&per_page=20").get_json()
        with Statements() as statements:  # the same anonymous search again: only the version
            assert client.get("/api/v1/jobs?q=radiology&per_page=20").get_json() == first
        assert statements.count == 1 and first["total"] == 15


@pytest.mark.parametrize("url, most", [("/", 3), ("/companies/{slug}", 2),
                                       ("/specialties/radiology", 4), ("/codes/70450", 3)])
def test_a_list_page_seen_again_reads_little_from_the_database(app, client, url, most):
    with app.app_context():
        company = make_company("Cascade Imaging Coders")
        author = make_employer(company)
        for i in range(12):
            make_posting(author=author, title=f"Radiology Coder {i}", **TAGS)
        url = url.format(slug=company.slug)
        first = client.get(url).get_data(as_text=True)
        with Statements() as statements:
            again = client.get(url).get_data(as_text=True)
        assert again == first and "Radiology Coder 11" in again
        assert statements.count <= most


def test_a_versioned_cache_holds_at_most_its_limit_and_forgets_an_old_version():
    cache = VersionedCache(max_entries=3)
    for key in range(3):
        assert cache.get(key, "v1", lambda key=key: f"value {key}") == f"value {key}"
    assert cache.get(0, "v1", lambda: "recomputed") == "value 0"
    cache.get(3, "v1", lambda: "value 3")  # over the limit: the cache starts again
    assert len(cache.entries) <= 3
    assert cache.get(3, "v2", lambda: "new version") == "new version"
    assert cache.entries == {3: "new version"}


def test_a_log_entry_committed_after_a_newer_one_moves_the_version(app):
    """On PostgreSQL ids are handed out when written: an edit whose transaction commits after a
    later edit's leaves the newest id as it was, yet lists cached meanwhile must not survive it."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite lets one transaction write at a time, so its log ids commit in order")
    with app.app_context():
        with db.engine.connect() as slow, db.engine.connect() as fast:
            slow.execute(insert(SearchChange).values(posting_id=1, created_at=utcnow()))
            fast.execute(insert(SearchChange).values(posting_id=2, created_at=utcnow()))
            fast.commit()
            before = postings_version()
            slow.commit()
        after = postings_version()
        assert after[0] == before[0] and after != before
