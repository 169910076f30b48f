"""Sets of document numbers as Python integers (bit n set = document n in the set).

Intersections, unions and counts of 100 000-document sets take microseconds in C
(``a & b``, ``a | b``, ``int.bit_count``), which is what keeps facet counts and filters off
the per-document Python path.
"""
import re

_BYTE_BITS = [tuple(i for i in range(8) if byte >> i & 1) for byte in range(256)]
_NONZERO = re.compile(rb"[^\x00]+")


def from_ids(ids) -> int:
    """The set holding ``ids`` (non-negative integers)."""
    ids = list(ids)
    if not ids:
        return 0
    buffer = bytearray((max(ids) >> 3) + 1)
    for i in ids:
        buffer[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buffer, "little")


def to_ids(bits: int) -> list[int]:
    """The members of ``bits`` in ascending order."""
    if not bits:
        return []
    raw = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    out = []
    append = out.append
    for run in _NONZERO.finditer(raw):
        base = run.start() << 3
        for offset, byte in enumerate(run.group()):
            start = base + (offset << 3)
            for bit in _BYTE_BITS[byte]:
                append(start + bit)
    return out


def first_in_order(bits: int, order, count: int, skip: int = 0) -> list[int]:
    """The members of ``bits`` in the sequence ``order``, after skipping ``skip`` of them."""
    if not bits or count <= 0:
        return []
    raw = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    size = len(raw) << 3
    out = []
    for doc in order:
        if doc < size and raw[doc >> 3] >> (doc & 7) & 1:
            if skip:
                skip -= 1
                continue
            out.append(doc)
            if len(out) == count:
                break
    return out
