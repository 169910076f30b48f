"""Time spent recognising hostile résumé uploads, beside a baseline in the same process.

    .venv/bin/python bench/resume_sniff_bench.py [--entries 40000] [--repeat 5]

Builds a ZIP with ``--entries`` empty parts plus the two parts of a Word document, then times
``services.resumes.sniff`` on it (refused from the end-of-directory record), a real DOCX and a
PDF, against the baseline the upload check used before: ``zipfile.ZipFile(...).namelist()`` on
the same bytes. Prints the best and median of ``--repeat`` runs in milliseconds. Figures only.
"""
from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.args import bench_parser  # noqa: E402
from jobboard.services import DomainError  # noqa: E402
from jobboard.services.resumes import sniff  # noqa: E402


def many_entries(entries: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for n in range(entries):
            archive.writestr(f"p/{n}", b"")
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + "<w:p>coder</w:p>" * 2000 + "</w:document>")
    return out.getvalue()


def timed(function, data: bytes, repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.suppress(DomainError):  # the hostile ZIP is refused: that is the point
            function(data)
        runs.append((time.perf_counter() - start) * 1000)
    return runs


def baseline(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.namelist()


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--entries", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    hostile = many_entries(args.entries)
    pdf = b"%PDF-1.4\n" + b"0" * 1_000_000 + b"\n%%EOF\n"
    print(f"{'input':<34} {'what':<28} {'best ms':>9} {'median ms':>10}")
    for label, what, function, data in (
        (f"zip with {args.entries} entries", "baseline ZipFile.namelist", baseline, hostile),
        (f"zip with {args.entries} entries", "sniff (refused)", sniff, hostile),
        ("docx, 2 parts", "baseline ZipFile.namelist", baseline, docx()),
        ("docx, 2 parts", "sniff", sniff, docx()),
        ("pdf, 1 MB", "sniff", sniff, pdf),
    ):
        runs = timed(function, data, args.repeat)
        print(f"{label:<34} {what:<28} {min(runs):>9.3f} {statistics.median(runs):>10.3f}")


if __name__ == "__main__":
    main()
