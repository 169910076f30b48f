"""The text of a résumé file (PDF or DOCX), read in a separate, limited process.

A hostile or broken file can make a parser loop, eat memory or raise anything, so
:func:`read_text` never parses in the web process: it runs this file as a script with
``python -I`` (no package import, no environment), under a CPU, memory and wall-clock limit,
and only the first pages and characters are kept. Every failure is one of the outcomes
below, never an exception. This file imports the standard library, pypdf and python-docx only.
"""
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass

READ = "read"              # text found
SCANNED = "scanned"        # a PDF whose pages carry no text (images only)
ENCRYPTED = "encrypted"    # a password-protected PDF
UNREADABLE = "unreadable"  # malformed, too big to read in time, or a parser failure
OUTCOMES = (READ, SCANNED, ENCRYPTED, UNREADABLE)

# A résumé of three full pages holds about 12,000 characters; the caps bound the parsing here and
# the tagger's work on the text in the web process (about 0.5 s on 16,000 hostile characters).
MAX_PAGES = 6
MAX_CHARS = 16_000
MAX_DOCUMENT_XML = 8 * 1024 * 1024  # uncompressed word/document.xml (a ZIP bomb is refused)
WALL_SECONDS = 10                  # the parent gives up after this
CPU_SECONDS = 6                    # the reader is killed by the kernel after this much CPU
MEMORY_BYTES = 768 * 1024 * 1024   # address space of the reader process
_MIN_TEXT = 20                     # fewer letters than this on every page reads as a scan


@dataclass(frozen=True)
class ResumeText:
    outcome: str
    text: str = ""


def read_text(data: bytes, content_type: str) -> ResumeText:
    """The text of a PDF or DOCX file, read under limits; an outcome instead of any error."""
    kind = "pdf" if content_type == "application/pdf" else "docx"
    try:
        done = subprocess.run(
            [sys.executable, "-I", os.path.abspath(__file__), kind], input=data,
            capture_output=True, timeout=WALL_SECONDS, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return ResumeText(UNREADABLE)
    if done.returncode != 0:
        return ResumeText(UNREADABLE)
    try:
        answer = json.loads(done.stdout)
        outcome, text = answer["outcome"], str(answer.get("text", ""))[:MAX_CHARS]
    except (ValueError, KeyError, TypeError):
        return ResumeText(UNREADABLE)
    return ResumeText(outcome if outcome in OUTCOMES else UNREADABLE, text if outcome == READ else "")


def _clean(text: str) -> str:
    """Drop NULs and other control characters a PDF text layer may carry; keep line breaks."""
    return "".join(c if c in "\n\t" or c >= " " else " " for c in text)


def _pdf_text(data: bytes) -> ResumeText:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:  # many "protected" PDFs only restrict printing and open with an empty password
            if not reader.decrypt(""):
                return ResumeText(ENCRYPTED)
        except Exception:  # noqa: BLE001 - a wrong password or an unsupported cipher
            return ResumeText(ENCRYPTED)
    parts, size = [], 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PAGES or size >= MAX_CHARS:
            break
        text = _clean(page.extract_text() or "")
        parts.append(text)
        size += len(text)
    text = "\n".join(parts)[:MAX_CHARS]
    if sum(c.isalpha() for c in text) < _MIN_TEXT:
        return ResumeText(SCANNED)
    return ResumeText(READ, text)


def _docx_text(data: bytes) -> ResumeText:
    import docx

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if archive.getinfo("word/document.xml").file_size > MAX_DOCUMENT_XML:
            return ResumeText(UNREADABLE)
    document = docx.Document(io.BytesIO(data))
    parts, size = [], 0
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:  # résumé templates often lay out jobs in tables
        for row in table.rows:
            blocks.append("  ".join(cell.text for cell in row.cells))
    for block in blocks:
        if size >= MAX_CHARS:
            break
        parts.append(_clean(block))
        size += len(block) + 1
    return ResumeText(READ, "\n".join(parts)[:MAX_CHARS])


def _main() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    data = sys.stdin.buffer.read()
    try:
        result = _pdf_text(data) if sys.argv[1:] == ["pdf"] else _docx_text(data)
    except Exception:  # noqa: BLE001 - any parser failure on a hostile file is "unreadable"
        result = ResumeText(UNREADABLE)
    sys.stdout.write(json.dumps({"outcome": result.outcome, "text": result.text}))


if __name__ == "__main__":
    _main()
