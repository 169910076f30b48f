"""Measure the tagger against the hand-judged corpus.

    .venv/bin/python bench/tagger_eval.py [--verbose] [--corpus PATH]

Prints micro precision, recall and F1 for each tag kind (specialties, credentials, codes) over
``tests/data/tagger_cases.json``, then every miss: tags the tagger added that the judge did not
(false positives, "+") and judged tags it missed (false negatives, "-"). ``--verbose`` also prints
the specialty scores of each case with a specialty miss. Exit status is 0; the floors are
asserted by ``tests/test_tagging.py``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobboard import tagging  # noqa: E402

KINDS = ("specialties", "credentials", "codes")
DEFAULT_CORPUS = ROOT / "tests" / "data" / "tagger_cases.json"


def evaluate(cases):
    """Return ({kind: (tp, fp, fn)}, [(case_id, kind, extra, missing)])."""
    totals = {kind: [0, 0, 0] for kind in KINDS}
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
    return {k: tuple(v) for k, v in totals.items()}, misses


def prf(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    cases = json.loads(args.corpus.read_text(encoding="utf-8"))
    totals, misses = evaluate(cases)
    shown = args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus
    print(f"{len(cases)} cases from {shown}")
    print(f"{'kind':<12} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8} {'f1':>6}")
    for kind in KINDS:
        tp, fp, fn = totals[kind]
        p, r, f = prf(tp, fp, fn)
        print(f"{kind:<12} {tp:>5} {fp:>5} {fn:>5} {p:>10.3f} {r:>8.3f} {f:>6.3f}")
    print()
    if not misses:
        print("no misses")
    by_id = {c["id"]: c for c in cases}
    for case_id, kind, extra, missing in misses:
        parts = [f"+{t}" for t in extra] + [f"-{t}" for t in missing]
        print(f"{case_id:<36} {kind:<12} {' '.join(parts)}")
        if args.verbose and kind == "specialties":
            scores = tagging._debug_scores(by_id[case_id]["text"])
            print(" " * 37 + ", ".join(f"{s}={v:.2f}" for s, v in scores.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
