"""Measure the tagger and the coding-job classifier against the hand-judged corpus.

    .venv/bin/python bench/tagger_eval.py [--verbose] [--corpus PATH]

``tests/data/tagger_cases.json`` holds three groups of cases, reported separately:

* ``original``  -- the project's first corpus (coding postings plus a few marketing/software ads);
* ``tuning``    -- real-language cases (VA, ASC, audit, risk adjustment, CDI, HIM, credentialing,
  and non-coding ads that share coding words) the tagger was tuned on;
* ``held-out``  -- cases of the same classes written before any tuning and never looked at
  while tuning: the honest estimate of how the tagger does on text nobody tuned it for.

For each group it prints micro precision, recall and F1 per tag kind (specialties, credentials,
codes), how often a found credential got the judged role (required or preferred; cases that judge
roles only), and the classifier's accuracy on coding vs non-coding. Then every miss: tags added
("+"), tags missed ("-"), wrong roles and wrong classifications. ``--verbose`` also prints the
specialty scores of each case with a specialty miss. Exit status is 0; the floors are asserted
by ``tests/test_tagging.py``.

Cases with a ``fields`` object judge the coding job fields (``tagging.job_fields``): apprentice
pathway, setting, code sets, encoders, productivity (count and period), chart type and accuracy.
They come in groups, printed in corpus order, each written before the rules were tuned on it:
``fields-dev`` and ``fields-dev-2`` (tuned on), ``fields-held-out`` (run once untouched, its
figures recorded; then tuned on in a second round), ``fields-held-out-2`` and ``fields-held-out-3``
(each written before a later round and run untouched, their figures recorded; tuning data since
the fourth round), ``fields-held-out-4`` (written before the fourth round, never tuned on) and
``fields-dev-3`` (written for the fourth round and tuned on); precision and recall are printed per
field. The misses of a group that is still held out are not printed unless ``--show-held-out`` is
given, so nobody tunes on them by accident.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.args import bench_parser  # noqa: E402
from jobboard import tagging  # noqa: E402

KINDS = ("specialties", "credentials", "codes")
GROUPS = ("original", "tuning", "held-out")
HELD_OUT_FIELD_GROUPS = ("fields-held-out-4",)  # never tuned on
FIELDS = ("apprentice", "setting", "code_sets", "encoders", "productivity", "chart_type", "accuracy")
DEFAULT_CORPUS = ROOT / "tests" / "data" / "tagger_cases.json"


def group_of(case) -> str:
    return case.get("set", "original")


def is_coding(case) -> bool:
    """The judged class; the original corpus marks non-coding ads by giving them no specialties."""
    return case.get("coding_related", bool(case["specialties"]))


def evaluate(cases):
    """Return (figures, misses) where figures holds tag counts, role and class tallies."""
    totals = {kind: [0, 0, 0] for kind in KINDS}
    roles = [0, 0]        # right, judged
    classes = [0, 0]      # right, cases
    misses = []
    for case in cases:
        tags = tagging.suggest_tags(case["text"])
        for kind in KINDS:
            got, want = set(getattr(tags, kind)), set(case[kind])
            totals[kind][0] += len(got & want)
            totals[kind][1] += len(got - want)
            totals[kind][2] += len(want - got)
            if got != want:
                misses.append((case["id"], kind, sorted(got - want), sorted(want - got)))
        if "required" in case:
            wrong = []
            for abbr in set(tags.credentials) & set(case["credentials"]):
                judged = "required" if abbr in case["required"] else "preferred"
                found = "required" if abbr in tags.required else "preferred"
                roles[1] += 1
                roles[0] += judged == found
                if judged != found:
                    wrong.append(f"{abbr}={found}")
            if wrong:
                misses.append((case["id"], "roles", wrong, []))
        coding = tags.classification is not None and tags.classification.coding_related
        classes[1] += 1
        classes[0] += coding == is_coding(case)
        if coding != is_coding(case):
            evidence = tags.classification.summary() if tags.classification else ""
            misses.append((case["id"], "class", [f"coding={coding}: {evidence}"], []))
    return {"tags": {k: tuple(v) for k, v in totals.items()}, "roles": tuple(roles),
            "classes": tuple(classes)}, misses


def prf(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _field_items(name, fields) -> set:
    """A judged or found field value as a set of items, so one micro precision/recall fits all."""
    if name == "apprentice":
        return {True} if fields["apprentice"] else set()
    if name in ("code_sets", "encoders"):
        return set(fields[name])
    if name == "productivity":
        p = fields["productivity"]
        return {(float(p["count"]), p["per"])} if p else set()
    if name == "chart_type":
        p = fields["productivity"]
        return {p["chart_type"].lower()} if p and p["chart_type"] else set()
    return {fields[name]} if fields[name] is not None else set()


def found_fields(text) -> dict:
    """``tagging.job_fields`` in the judged cases' shape."""
    found = tagging.job_fields(text, tagging.suggest_tags(text).codes)
    productivity = None
    if found.productivity is not None:
        productivity = {"count": found.productivity, "per": found.productivity_per,
                        "chart_type": found.chart_type}
    return {"apprentice": found.apprentice, "setting": found.setting, "code_sets": list(found.code_sets),
            "encoders": list(found.encoders), "productivity": productivity, "accuracy": found.accuracy}


def evaluate_fields(cases):
    """Per field (tp, fp, fn) over the cases, and the misses."""
    totals = {name: [0, 0, 0] for name in FIELDS}
    misses = []
    for case in cases:
        got_fields = found_fields(case["text"])
        for name in FIELDS:
            got, want = _field_items(name, got_fields), _field_items(name, case["fields"])
            totals[name][0] += len(got & want)
            totals[name][1] += len(got - want)
            totals[name][2] += len(want - got)
            if got != want:
                misses.append((case["id"], name, sorted(map(str, got - want)), sorted(map(str, want - got))))
    return {k: tuple(v) for k, v in totals.items()}, misses


def report_fields(name, cases, show_misses):
    totals, misses = evaluate_fields(cases)
    print(f"== {name}: {len(cases)} cases judged for coding job fields")
    print(f"{'field':<12} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8} {'f1':>6}")
    for field in FIELDS:
        tp, fp, fn = totals[field]
        p, r, f = prf(tp, fp, fn)
        print(f"{field:<12} {tp:>5} {fp:>5} {fn:>5} {p:>10.3f} {r:>8.3f} {f:>6.3f}")
    if not show_misses:
        print(f"  ({len(misses)} misses not shown: held out; --show-held-out prints them)")
        misses = []
    for case_id, field, extra, missing in misses:
        parts = [f"+{t}" for t in extra] + [f"-{t}" for t in missing]
        print(f"  {case_id:<36} {field:<12} {' '.join(parts)}")
    print()


def report(name, cases, verbose):
    figures, misses = evaluate(cases)
    coding = sum(is_coding(c) for c in cases)
    print(f"== {name}: {len(cases)} cases ({coding} coding, {len(cases) - coding} not)")
    print(f"{'kind':<12} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8} {'f1':>6}")
    for kind in KINDS:
        tp, fp, fn = figures["tags"][kind]
        p, r, f = prf(tp, fp, fn)
        print(f"{kind:<12} {tp:>5} {fp:>5} {fn:>5} {p:>10.3f} {r:>8.3f} {f:>6.3f}")
    right, judged = figures["roles"]
    if judged:
        print(f"credential roles (required/preferred) right: {right}/{judged} = {right / judged:.3f}")
    right, total = figures["classes"]
    print(f"classifier accuracy (coding vs not): {right}/{total} = {right / total:.3f}")
    by_id = {c["id"]: c for c in cases}
    for case_id, kind, extra, missing in misses:
        parts = [f"+{t}" for t in extra] + [f"-{t}" for t in missing]
        print(f"  {case_id:<36} {kind:<12} {' '.join(parts)}")
        if verbose and kind == "specialties":
            scores = tagging._debug_scores(by_id[case_id]["text"])
            print(" " * 39 + ", ".join(f"{s}={v:.2f}" for s, v in scores.items()))
    print()


def main(argv=None):
    parser = bench_parser(__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--show-held-out", action="store_true",
                        help="also print the misses of the field groups still held out")
    args = parser.parse_args(argv)
    everything = json.loads(args.corpus.read_text(encoding="utf-8"))
    cases = [c for c in everything if "specialties" in c]
    shown = args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus
    print(f"{len(everything)} cases from {shown}\n")
    for group in GROUPS:
        chosen = [c for c in cases if group_of(c) == group]
        if chosen:
            report(group, chosen, args.verbose)
    report("all", cases, args.verbose)
    field_groups = dict.fromkeys(group_of(c) for c in everything if "fields" in c)
    for group in field_groups:
        chosen = [c for c in everything if "fields" in c and group_of(c) == group]
        report_fields(group, chosen, args.show_held_out or group not in HELD_OUT_FIELD_GROUPS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
