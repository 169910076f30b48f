"""The one rule for integers that come from users and URLs: ASCII digits, bounded length.

``str.isdigit()``, ``\\d`` and Werkzeug's ``<int:...>`` also accept "²", "①" or "٣"; ``int()``
then fails on some (a 500) and quietly reads others. A length cap keeps ``int()`` away from its
4,300-digit limit and the value within what the database stores.
"""
import re

MAX_DIGITS = 12
INTEGER_PATTERN = rf"[0-9]{{1,{MAX_DIGITS}}}"
_INTEGER_RE = re.compile(INTEGER_PATTERN)
# Primary keys are 32-bit integers on PostgreSQL; larger ids cannot name a row.
MAX_ID = 2**31 - 1


def parse_int(text: str) -> int | None:
    """The number ``text`` spells in ASCII digits, or None if it is anything else."""
    return int(text) if _INTEGER_RE.fullmatch(text) else None
