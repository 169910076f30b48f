"""The job lists of the home, company, specialty and code pages, and anonymous search API answers,
are kept once per version of the shared data and of the host's index; posting cards load with
their tags in two statements.

A cached list must never outlive the data it was made from: a posting closed, expired or
suspended leaves every list at once, on every host, and a new one appears once indexed.
"""
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select
from werkzeug.datastructures import MultiDict

from jobboard import create_app
from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.posting import Posting, load_with_tags, with_tags
from jobboard.models.search import SearchChange
from jobboard.models.taxonomy import Specialty
from jobboard.search import sync
from jobboard.search.params import parse_params
from jobboard.search.service import search_postings
from jobboard.services import data_cache
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
        self.count, self.sql = 0, []
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def _record(self, connection, cursor, statement, *args):
        self.count += 1
        self.sql.append(statement)

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


def test_each_load_reads_the_tags_of_its_own_postings(app):
    """The tag statement is built once per process; every call binds its own ids."""
    with app.app_context():
        author = make_employer()
        radiology = make_posting(author=author, title="Radiology Coder", **TAGS,
                                 credentials_required=["CPC"]).id
        cardiology = make_posting(author=author, title="Cardiology Coder", specialties=["cardiology"],
                                  cpt_codes=["93000"], credentials_required=["CCS"]).id
        for posting_id, specialties, codes, credentials in (
                (radiology, ["radiology"], ["70450"], ["CPC"]),
                (cardiology, ["cardiology"], ["93000"], ["CCS"]),
                (radiology, ["radiology"], ["70450"], ["CPC"])):
            db.session.expunge_all()
            posting, = load_with_tags(db.session, select(Posting).where(Posting.id == posting_id))
            assert [s.slug for s in posting.specialties] == specialties
            assert [c.code for c in posting.cpt_codes] == codes
            assert [c.abbreviation for c in posting.credentials_required] == credentials


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


def test_a_search_page_reads_of_the_authors_only_whether_they_are_active(app):
    """Visibility needs ``User.active``: no e-mail address or password hash is read per card,
    and pages of other postings run the same two statements."""
    with app.app_context():
        ids = [make_posting(author=make_employer(), title=f"Denials Coder {i}", **TAGS).id
               for i in range(4)]
        suspend_user(db.session.get(Posting, ids[1]).created_by)
        db.session.expunge_all()
        pages = []
        for per_page in ("3", "2"):
            with Statements() as statements:
                page = search_postings(parse_params(MultiDict({"q": "denials", "per_page": per_page})))
            assert statements.count == 2
            assert not any("password_hash" in sql or "email" in sql for sql in statements.sql)
            pages.append([p.id for p in page.postings])
        assert pages == [[ids[3], ids[2], ids[0]], [ids[3], ids[2]]]


def test_the_version_takes_the_next_expiry_after_the_time_it_is_read(app, monkeypatch):
    with app.app_context():
        author = make_employer()
        soon, later = (make_posting(author=author, title=f"Coder {i}") for i in range(2))
        soon.expires_at, later.expires_at = utcnow() + timedelta(hours=1), utcnow() + timedelta(hours=2)
        db.session.commit()
        assert postings_version()[2] == soon.expires_at
        monkeypatch.setattr(data_cache, "utcnow", lambda: utcnow() + timedelta(minutes=90))
        assert postings_version()[2] == later.expires_at


@pytest.mark.parametrize("url, most", [("/", 3), ("/companies/{slug}", 3),
                                       ("/specialties/radiology", 2), ("/codes/70450", 2)])
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


def test_a_list_seen_first_loads_only_postings_no_other_list_has_shown(app, client):
    with app.app_context():
        author = make_employer()
        for i in range(3):
            make_posting(author=author, title=f"Shared Radiology Coder {i}", **TAGS)
        assert "Shared Radiology Coder 2" in client.get("/specialties/radiology").get_data(as_text=True)
        with Statements() as statements:  # the same postings, first seen on the code page
            html = client.get("/codes/70450").get_data(as_text=True)
        assert all(f"Shared Radiology Coder {i}</a>" in html for i in range(3))
        assert not [sql for sql in statements.sql if "posting_credential" in sql]  # no card loaded

        make_posting(author=author, title="Newest Radiology Coder", **TAGS)  # a new version
        with Statements() as statements:
            html = client.get("/companies/" + author.company.slug).get_data(as_text=True)
        assert "Newest Radiology Coder" in html and "Shared Radiology Coder 0" in html
        assert len([sql for sql in statements.sql if "posting_credential" in sql]) == 1


def test_a_card_shows_its_posting_as_edited(app, client):
    with app.app_context():
        posting = make_posting(title="Radiology Coder", **TAGS)
        company = posting.company
    assert all(">Radiology Coder</a>" in client.get(url).get_data(as_text=True)
               for url in list_pages(company))
    with app.app_context():
        db.session.get(Posting, posting.id).title = "Senior Radiology Coder"
        db.session.commit()
        sync.follow()
    for url in list_pages(company):
        html = client.get(url).get_data(as_text=True)
        assert ">Senior Radiology Coder</a>" in html and ">Radiology Coder</a>" not in html, url


def test_a_card_shows_its_tags_as_renamed(app, client):
    with app.app_context():
        company = make_posting(title="Radiology Coder", **TAGS).company
    assert all(">Radiology</a>" in client.get(url).get_data(as_text=True) for url in list_pages(company))
    with app.app_context():
        specialty = db.session.scalar(select(Specialty).where(Specialty.slug == "radiology"))
        specialty.name = "Diagnostic Radiology"
        db.session.commit()  # reference data: the posting version stays as it was
    for url in list_pages(company):
        assert ">Diagnostic Radiology</a>" in client.get(url).get_data(as_text=True), url


def test_a_signed_in_user_never_gets_a_visitors_page(app, client):
    with app.app_context():
        company = make_posting(title="Radiology Coder", **TAGS).company
    seeker = app.test_client()
    email, _ = Auth(seeker).register("seeker")
    for url in list_pages(company):
        assert f"Account ({email})" not in client.get(url).get_data(as_text=True)  # now kept
        assert f"Account ({email})" in seeker.get(url).get_data(as_text=True), url
        assert f"Account ({email})" not in client.get(url).get_data(as_text=True)


def test_a_visitors_home_page_is_kept_only_while_postings_and_companies_are_unchanged(app, client):
    with app.app_context():
        make_posting(title="Radiology Coder", **TAGS)
        client.get("/")
        with Statements() as statements:
            html = client.get("/").get_data(as_text=True)
        assert ">Radiology Coder</a>" in html
        assert not [sql for sql in statements.sql if "FROM specialty" in sql]  # kept whole

        company = make_company("Aardvark Coding Partners")  # a new company, first by name
        assert ">Aardvark Coding Partners</a>" in client.get("/").get_data(as_text=True)
        company.name = "Aardvark Coding Group"
        db.session.commit()
        html = client.get("/").get_data(as_text=True)
        assert ">Aardvark Coding Group</a>" in html and "Aardvark Coding Partners" not in html
        make_posting(title="Cardiology Coder", specialties=["cardiology"])
        assert ">Cardiology Coder</a>" in client.get("/").get_data(as_text=True)


def test_get_many_computes_the_missing_keys_in_one_call():
    cache = VersionedCache(max_entries=3)
    calls = []

    def compute(keys):
        calls.append(list(keys))
        return {key: key * 10 for key in keys if key != 3}  # 3: nothing to keep

    assert cache.get_many([1, 2, 3], "v1", compute) == {1: 10, 2: 20}
    assert cache.get_many([2, 1, 3, 4], "v1", compute) == {1: 10, 2: 20, 4: 40}
    assert calls == [[1, 2, 3], [3, 4]]
    assert cache.get_many([5], "v1", compute) == {5: 50}  # over the limit: the cache starts again
    assert cache.entries == {5: 50}
    assert cache.get_many([1], "v2", compute) == {1: 10} and calls[-1] == [1]
    assert cache.entries == {1: 10}


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
