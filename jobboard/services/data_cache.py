"""Per-process memo of figures computed from the database, valid for one version of the data.

A caller names the data version (cheap aggregates such as a row count and the newest
``updated_at``); every entry computed under an older version is dropped as soon as a newer one is
seen, so a page never shows figures older than the data, and nothing expires on a timer.
"""
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from flask import current_app

MAX_ENTRIES = 512  # distinct filter combinations kept for one version


class VersionedCache:
    """Computed values for one data version; a new version empties it."""

    def __init__(self):
        self.version: Hashable = None
        self.entries: dict[Hashable, Any] = {}
        self.lock = Lock()

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if version != self.version:
                self.version, self.entries = version, {}
            elif key in self.entries:
                return self.entries[key]
        value = compute()
        with self.lock:
            if version == self.version:
                if len(self.entries) >= MAX_ENTRIES:
                    self.entries.clear()
                self.entries[key] = value
        return value


def app_cache(name: str) -> VersionedCache:
    """The app's cache called ``name`` (one per app, so test apps on other databases never share)."""
    caches = current_app.extensions.setdefault("data_caches", {})
    return caches.setdefault(name, VersionedCache())
