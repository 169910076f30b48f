"""Sets of document numbers as Python integers (bit n set = document n in the set).

Intersections, unions and counts of 100 000-document sets take microseconds in C
(``a & b``, ``a | b``, ``int.bit_count``), which is what keeps facet counts and filters off
the per-document Python path. Conversions to and from document numbers go through numpy
(``packbits``/``unpackbits``), never a loop over bits in Python.
"""
import numpy as np


def from_mask(mask: np.ndarray) -> int:
    """The set of positions where the boolean array ``mask`` is true."""
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def from_ids(ids) -> int:
    """The set holding ``ids`` (non-negative integers: an array or any iterable)."""
    ids = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=np.int64)
    if not ids.size:
        return 0
    mask = np.zeros(int(ids.max()) + 1, dtype=bool)
    mask[ids] = True
    return from_mask(mask)


def to_mask(bits: int, size: int) -> np.ndarray:
    """``bits`` as a boolean array of ``size`` entries (members at or past ``size`` dropped)."""
    raw = np.frombuffer(bits.to_bytes((bits.bit_length() + 7) >> 3, "little"), dtype=np.uint8)
    mask = np.unpackbits(raw, bitorder="little")[:size].view(bool)
    if len(mask) < size:
        mask = np.concatenate([mask, np.zeros(size - len(mask), dtype=bool)])
    return mask


def to_ids(bits: int) -> np.ndarray:
    """The members of ``bits`` in ascending order."""
    if not bits:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(bits.to_bytes((bits.bit_length() + 7) >> 3, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little"))


def first_in_order(bits: int, order: np.ndarray, count: int, skip: int = 0) -> np.ndarray:
    """The members of ``bits`` in the sequence ``order``, after skipping ``skip`` of them."""
    if not bits or count <= 0:
        return np.zeros(0, dtype=np.int64)
    return order[to_mask(bits, len(order))[order]][skip:skip + count]
