"""Judged search relevance on real-language postings, beside an SQLite FTS5 BM25 baseline.

    .venv/bin/python bench/relevance.py [--verbose]

The postings are the project's own judged set in its own words: ``tests/data/search_relevance.json``,
the real-language cases of ``tests/data/tagger_cases.json`` that carry a title (coding jobs and
non-coding ads sharing coding words: CPC as cost per click, Coder the company, CCS as a company
name, CPT as curricular practical training, risk-adjustment data analysts, coding bootcamps...)
and ``tests/data/relevance_extra.json`` (more such ads, and the extra judged queries). Every
posting is imported WITHOUT its tags through the same service ``flask jobs import`` runs, so the
tagger, the coding-job classifier and the search all take part, into a fresh SQLite database;
then the index is rebuilt.

Each judged query runs through the search service (what /jobs and the API run) and through an
SQLite FTS5 table of the same title, company and description text, ranked by bm25 with the
query's words OR-ed (the baseline). Printed for both: nDCG@10 (judged "top" postings gain 2,
other relevant ones 1), recall@10, and how many coding queries have a non-coding posting in the
top 5. ``--verbose`` prints each query's top 5 for both. Figures only; targets are read by eye.
"""
from __future__ import annotations

import json
import math
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from bench.args import bench_parser  # noqa: E402
from jobboard import create_app  # noqa: E402
from jobboard.extensions import db  # noqa: E402
from jobboard.models.posting import Posting  # noqa: E402
from jobboard.search import sync  # noqa: E402
from jobboard.search.params import parse_params  # noqa: E402
from jobboard.search.service import search_postings  # noqa: E402
from jobboard.services.codes import load_curated_codes  # noqa: E402
from jobboard.services.imports import import_postings  # noqa: E402
from jobboard.services.taxonomy import sync_taxonomy  # noqa: E402

DATA = ROOT / "tests" / "data"
K, TOP = 10, 5


def judged_postings() -> list[dict]:
    """(key, title, company, description, coding) of every judged posting."""
    postings = []
    for item in json.loads((DATA / "search_relevance.json").read_text())["postings"]:
        postings.append({"key": item["key"], "title": item["title"], "company": item["company"],
                         "description": item["description"], "coding": bool(item["specialties"])})
    for case in json.loads((DATA / "tagger_cases.json").read_text()):
        if "title" in case:
            description = case["text"].split("\n", 1)[1]
            postings.append({"key": case["id"], "title": case["title"], "company": case["company"],
                             "description": description, "coding": case["coding_related"]})
    for item in json.loads((DATA / "relevance_extra.json").read_text())["postings"]:
        postings.append({"key": item["key"], "title": item["title"], "company": item["company"],
                         "description": item["description"], "coding": item["coding_related"]})
    return postings


def judged_queries(keys: set[str]) -> list[dict]:
    """{q, gains: {key: 1 or 2}, coding}; search_relevance.json queries extended by "add"."""
    extra = json.loads((DATA / "relevance_extra.json").read_text())["queries"]
    adds = {q["q"]: q["add"] for q in extra if "add" in q}
    queries = []
    for q in json.loads((DATA / "search_relevance.json").read_text())["queries"]:
        if q["relevant"]:
            queries.append({"q": q["q"], "top": q["top"], "relevant": q["relevant"] + adds.get(q["q"], []),
                            "coding": True})
    queries += [{"q": q["q"], "top": q["top"], "relevant": q["relevant"], "coding": q.get("coding", True)}
                for q in extra if "add" not in q]
    for q in queries:
        gains = {k: 1 for k in q["relevant"]}
        gains.update({k: 2 for k in q["top"]})
        unknown = set(gains) - keys
        assert not unknown, (q["q"], unknown)
        q["gains"] = gains
    return queries


def ndcg(ranked: list[str], gains: dict[str, int]) -> float:
    dcg = sum(gains.get(k, 0) / math.log2(i + 2) for i, k in enumerate(ranked[:K]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:K]))
    return dcg / ideal if ideal else 0.0


def recall(ranked: list[str], gains: dict[str, int]) -> float:
    return len(set(ranked[:K]) & set(gains)) / len(gains)


def fts5_baseline(postings: list[dict]):
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE doc USING fts5(key UNINDEXED, title, company, description)")
    con.executemany("INSERT INTO doc VALUES (?, ?, ?, ?)",
                    [(p["key"], p["title"], p["company"], p["description"]) for p in postings])

    def search(q: str) -> list[str]:
        words = re.findall(r"[\w/&-]+", q)
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        return [r[0] for r in con.execute(
            "SELECT key FROM doc WHERE doc MATCH ? ORDER BY bm25(doc) LIMIT ?", (match, K))]
    return search


def main(argv=None):
    parser = bench_parser(__doc__)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    postings = judged_postings()
    coding = {p["key"]: p["coding"] for p in postings}
    queries = judged_queries(set(coding))
    tmp = tempfile.mkdtemp(prefix="relevance-")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/db.sqlite",
                      "SEARCH_INDEX_DIR": f"{tmp}/index", "UPLOAD_DIR": f"{tmp}/uploads", "SERVER_NAME": "bench.test"})
    with app.app_context():
        db.create_all()
        sync_taxonomy()
        load_curated_codes()
        lines = [json.dumps({"title": p["title"], "company": p["company"], "description": p["description"],
                             "external_id": p["key"]}) for p in postings]
        report = import_postings(lines)
        assert not report.failed, report.failed
        sync.rebuild()
        key_of = {pid: key for pid, key in db.session.execute(select(Posting.id, Posting.external_id))}
        flagged = {key_of[pid] for pid in db.session.scalars(
            select(Posting.id).where(Posting.coding_related.is_(False)))}

        def ours(q: str) -> list[str]:
            page = search_postings(parse_params(MultiDict({"q": q, "per_page": str(K)})))
            return [key_of[p.id] for p in page.postings]

        systems = {"this project": ours, "FTS5 BM25 (OR)": fts5_baseline(postings)}
        print(f"{len(postings)} postings ({sum(not c for c in coding.values())} not coding jobs), "
              f"{len(queries)} judged queries ({sum(q['coding'] for q in queries)} coding queries); "
              f"imported: {report.line()}")
        wrong = sorted(k for k in coding if (k in flagged) == coding[k])
        print(f"classifier on import: {len(coding) - len(wrong)}/{len(coding)} right"
              + (f" (wrong: {', '.join(wrong)})" if wrong else ""))
        print(f"{'':<18} {'nDCG@10':>8} {'recall@10':>10} {'coding queries with a non-coding posting in top 5':>52}")
        for name, run in systems.items():
            scores, recalls, polluted = [], [], []
            for q in queries:
                ranked = run(q["q"])
                scores.append(ndcg(ranked, q["gains"]))
                recalls.append(recall(ranked, q["gains"]))
                if q["coding"] and any(not coding[k] for k in ranked[:TOP]):
                    polluted.append(q["q"])
                if args.verbose:
                    print(f"  {name[:12]:<12} {q['q']!r:<36} {scores[-1]:.2f} {ranked[:TOP]}")
            n = len(queries)
            print(f"{name:<18} {sum(scores) / n:>8.3f} {sum(recalls) / n:>10.3f} "
                  f"{len(polluted):>10} of {sum(q['coding'] for q in queries)}"
                  + (f"  ({'; '.join(polluted)})" if polluted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
