"""The work directory a benchmark writes its database and index into."""
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def workdir(path: str | None, prefix: str) -> Iterator[str]:
    """``path`` when given (kept afterwards, to look at), else a temporary folder removed at the end."""
    folder = path or tempfile.mkdtemp(prefix=prefix)
    os.makedirs(folder, exist_ok=True)
    try:
        yield folder
    finally:
        if not path:
            shutil.rmtree(folder, ignore_errors=True)
