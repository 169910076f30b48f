"""Reading feed lines' texts (coding verdict, tags, job fields) in worker processes.

The tagger is the costliest pure work of a feed line and needs no database, so a large feed
hands each batch's texts to a process pool (``Readers``) while the importer checks and writes
the batch before it; then the importer reads the chunks of the batch no worker has started yet,
so the work splits itself by how fast each side goes on this machine. A line's ``Reading`` is
what the importer would otherwise compute itself (``suggest_tags`` or ``coding_verdict``, and
``job_fields``); the validation and the writing stay in the importer, so the pool changes where
the work runs, never the outcome.
"""
import logging
import multiprocessing
import os
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass

from jobboard.reference_data import normalize_code
from jobboard.tagging import JobFields, Tags, coding_verdict, job_fields, suggest_tags

TAG_FIELDS = ("specialties", "credentials_required", "credentials_preferred", "cpt_codes")
JOB_FIELDS = ("apprentice", "work_setting", "code_sets", "encoders", "productivity", "accuracy_pct")
POOL_MIN_LINES = 200   # smaller batches are read in the importer's own process
CHUNK_LINES = 25       # lines per task: small enough to share a batch out evenly

log = logging.getLogger(__name__)


def missing_tags(record: dict) -> set[str]:
    """The tag fields a line leaves to the tagger (left out, null or "")."""
    return {name for name in TAG_FIELDS if record.get(name) in (None, "")}


def needs_tagger(record: dict) -> bool:
    """Whether a line's tags are read from its text (else only the coding verdict is)."""
    missing = missing_tags(record)
    return bool(missing & {"specialties", "cpt_codes"}) or {"credentials_required", "credentials_preferred"} <= missing


@dataclass(frozen=True)
class Reading:
    """The tagger's reading of one line's title and description."""

    tags: Tags                     # ``suggest_tags``, or only the verdict for a line with its tags
    codes: tuple[str, ...]         # the codes ``fields`` was read with
    fields: JobFields | None       # None: the line states every job field

    def job_fields(self, text: str, codes: tuple[str, ...] = ()) -> JobFields:
        """``tagging.job_fields``, from this reading when it was read with the same codes."""
        if self.fields is not None and tuple(codes) == self.codes:
            return self.fields
        return job_fields(text, codes)


def read(record: dict) -> Reading | None:
    """A line's reading (None when its title or description is not text: the line fails anyway)."""
    title, description = record.get("title"), record.get("description")
    if not isinstance(title, str) or not isinstance(description, str):
        return None
    text = f"{title}\n{description}"
    if needs_tagger(record):
        tags = suggest_tags(text)
        given = record.get("cpt_codes")
        codes = tags.codes if given in (None, "") else _normalized(given)
    else:
        tags = Tags((), (), (), classification=coding_verdict(text))
        codes = _normalized(record.get("cpt_codes"))
    states_all = all(record.get(name) not in (None, "", []) for name in JOB_FIELDS)
    return Reading(tags, codes, None if states_all else job_fields(text, codes))


def _normalized(codes) -> tuple[str, ...]:
    if not isinstance(codes, list):
        return ()
    return tuple(code for code in (normalize_code(c) for c in codes if isinstance(c, str)) if code)


def _read_all(records: list[dict]) -> list[Reading | None]:
    return [read(record) for record in records]


@dataclass
class Job:
    """A batch handed to the readers, in chunks: each chunk's task and its lines."""

    chunks: list[tuple[Future, list[dict]]]


class Readers:
    """Reads batches of lines in worker processes (one fewer than the cores), started on the
    first batch large enough; ``submit`` returns the batch's job, or None for a batch read in
    the importer itself (too small, a single core, or a pool that broke: a worker killed by the
    system, say, leaves the rest of the feed to the importer's own process, with the same
    outcome)."""

    def __init__(self) -> None:
        self.workers = max(0, (os.cpu_count() or 1) - 1)
        self._pool: Executor | None = None

    def submit(self, records: list[dict]) -> Job | None:
        if self.workers == 0 or len(records) < POOL_MIN_LINES:
            return None
        if self._pool is None:
            # Forked workers start at once and touch no database: they only read texts.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        chunks = [records[start:start + CHUNK_LINES] for start in range(0, len(records), CHUNK_LINES)]
        try:
            return Job([(self._pool.submit(_read_all, chunk), chunk) for chunk in chunks])
        except BrokenExecutor:
            self._stop()
            return None

    def readings(self, job: Job | None, count: int) -> list[Reading | None]:
        """The readings of a batch in its order (all None for a batch the importer reads itself).

        The workers take chunks from the front; the importer takes the ones they have not
        started from the back, so neither side waits while the other has lines left."""
        if job is None:
            return [None] * count
        done: dict[int, list[Reading | None]] = {}
        for index in reversed(range(len(job.chunks))):
            future, chunk = job.chunks[index]
            if future.cancel():
                done[index] = _read_all(chunk)
        readings: list[Reading | None] = []
        for index, (future, chunk) in enumerate(job.chunks):
            if index not in done:
                try:
                    done[index] = future.result()
                except BrokenExecutor:
                    if self.workers:
                        self._stop()
                    done[index] = _read_all(chunk)
            readings += done[index]
        return readings

    def _stop(self) -> None:
        log.warning("The feed's reader processes stopped; the importer reads the rest of the feed itself")
        self.close()
        self.workers = 0

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
