"""``recognizer batch``: a pile of scans in, labelled data out, resumable, on every core.

Work flows one way: resolve the inputs (files, folders recursively, globs,
list files; images, multi-page TIFF, PDF) -> one job per file, holding the
pages still to do -> workers read the pages (a process pool on this machine,
or a Dask cluster given its scheduler's address) -> the main process writes
each page's record as it arrives: ``results.jsonl`` first (the record of what
is done), then ``results.csv`` and ``review.csv``, flushed page by page.

Rerunning the same command resumes: the pages in ``results.jsonl`` are
skipped (a half-written last line from a crash is dropped, failed pages are
tried again), and the CSV files are rewritten from it, so the three files
always agree. ``--force`` starts over.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from recognizer.errors import RecognizerError
from recognizer.types import Reading

if TYPE_CHECKING:
    import numpy as np

    from recognizer.sources import Decoded

RESULTS, TABLE, REVIEW = "results.jsonl", "results.csv", "review.csv"
BASE_COLUMNS = ["source", "page", "numbers", "digits", "lowest_confidence", "error"]
IN_FLIGHT_PER_WORKER = 2  # jobs queued per worker: enough to keep it busy, few enough to keep memory flat


@dataclass(frozen=True)
class BatchOptions:
    out: Path
    dpi: int = 150
    annotate: bool = False
    review_below: float = 0.8
    template: Path | None = None
    model: str | None = None
    min_confidence: float = 0.5
    workers: int = 0  # 0: every local core
    scheduler: str | None = None  # a Dask scheduler address: run there instead
    force: bool = False
    turn: int = 0  # degrees clockwise every page is turned before it is read (a template's registration knows better)


@dataclass(frozen=True)
class Job:
    """One file to read, but for the pages an earlier run finished (numbered from 1)."""

    source: str
    skip: frozenset[int] = frozenset()
    error: str | None = None  # the input itself is bad (missing file, empty folder)


@dataclass
class Summary:
    pages: int = 0
    digits: int = 0
    review: int = 0
    failures: int = 0
    skipped: int = 0  # pages already done by an earlier run
    seconds: float = 0.0
    failed_sources: list[str] = field(default_factory=list)

    def line(self) -> str:
        rate = self.pages / self.seconds if self.seconds > 0 else 0.0
        resumed = f", {self.skipped} already done" if self.skipped else ""
        return (f"{self.pages} pages read ({rate:.1f} pages/s){resumed}, {self.digits} digits, "
                f"{self.review} to review, {self.failures} failed, in {self.seconds:.1f} s")


# ----------------------------------------------------------------------------
# Reading pages (runs in the workers)
# ----------------------------------------------------------------------------
_WORKER: dict = {}  # per process: the recognizer and the template's aligner, built once


def _worker_state(options: BatchOptions):
    key = (options.model, options.min_confidence, options.template)
    if _WORKER.get("key") != key:
        from recognizer.classify import load_classifier
        from recognizer.pipeline import Recognizer
        from recognizer.template import Aligner, load_template

        template = load_template(options.template) if options.template else None
        _WORKER.update(key=key, recognizer=Recognizer(load_classifier(options.model), options.min_confidence),
                       template=template, aligner=Aligner(template) if template else None)
    return _WORKER["recognizer"], _WORKER["template"], _WORKER["aligner"]


def read_job(job: Job, options: BatchOptions) -> list[dict]:
    """Every page of one file still to do, as records. Never raises for a bad page."""
    if job.error:
        return [_failed(job.source, 1, job.error)]
    from recognizer.template import quarter_turns, read_fields

    recognizer, template, aligner = _worker_state(options)
    records = []
    given = options.turn // 90
    # The page being read: its transform to the reference, and the quarter turns that stand it up.
    registered: tuple[np.ndarray | None, int] = (None, given)

    def upright(decoded: Decoded) -> int:
        """How the page lies, from its registration (kept for its fields):
        a feeder takes pages in sideways or upside down."""
        nonlocal registered
        transform = aligner.to_reference(decoded.image, decoded.width / decoded.image.shape[1])
        registered = (transform, quarter_turns(transform, given))
        return registered[1]

    pages = recognizer.read_pages(job.source, options.dpi, job.skip, given if template is None else upright)
    for page, reading, decoded in pages:
        if reading.error:
            records.append(_failed(job.source, page, reading.error))
            continue
        image = decoded.image
        file_scale = decoded.width / image.shape[1]  # above 1 for a reduced decode
        record = {**reading.to_dict(), "page": page}
        transform, turns = registered if template is not None else (None, given)
        if template is not None:
            record["aligned"] = transform is not None
            record["turned"] = 90 * turns
            record["fields"] = read_fields(reading, transform, template) if transform is not None else \
                {name: "" for name in template.fields}
        if options.annotate:
            fields = (template, transform, file_scale) if transform is not None else None
            record["annotated"] = str(_write_annotated(image, reading, job.source, page, options, fields))
        records.append(record)
    return records


def _failed(source: str, page: int, message: str) -> dict:
    return {**Reading(source=source, error=message).to_dict(), "page": page}


def _write_annotated(image, reading, source: str, page: int, options: BatchOptions, fields=None) -> Path:
    """The page with its digits drawn (and, given ``fields`` as (template,
    transform, file pixels per pixel of ``image``) for an aligned page, the
    template's fields outlined where they fall on it), written as PNG."""
    import cv2

    from recognizer.annotate import annotate
    from recognizer.template import outline_fields

    # The same file name in two folders must not collide: a short hash of the path.
    tag = hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:6]
    path = options.out / "annotated" / f"{Path(source).stem}_{tag}_p{page}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = annotate(image, reading, doubt_below=options.review_below)
    if fields is not None:
        template, transform, scale = fields
        outline_fields(canvas, template, transform, scale)
    if not cv2.imwrite(str(path), canvas):
        raise OSError(f"cannot write {path}")
    return path


# ----------------------------------------------------------------------------
# The record of what is done
# ----------------------------------------------------------------------------
def lowest_confidence(record: dict) -> float | None:
    confidences = [d["confidence"] for d in record["digits"]]
    return min(confidences) if confidences else None


class ResultStore:
    """``results.jsonl`` + ``results.csv`` + ``review.csv`` in ``out``, page by page."""

    def __init__(self, out: Path, fields: list[str], review_below: float, force: bool) -> None:
        self.out, self.fields, self.review_below = Path(out), fields, review_below
        self.out.mkdir(parents=True, exist_ok=True)
        self.done: set[tuple[str, int]] = set()
        records = [] if force else self._read_done()
        self.jsonl = open(self.out / RESULTS, "w" if force else "a", encoding="utf-8")
        self.table = open(self.out / TABLE, "w", newline="", encoding="utf-8")
        self.review = open(self.out / REVIEW, "w", newline="", encoding="utf-8")
        self.table_writer = csv.writer(self.table)
        self.review_writer = csv.writer(self.review)
        self.table_writer.writerow(BASE_COLUMNS + fields)
        self.review_writer.writerow(["source", "page", "lowest_confidence", "numbers", "reason", "doubtful"])
        for record in records:  # the CSV files are views of results.jsonl, rewritten on resume
            self._write_rows(record)
        self._flush()

    def _read_done(self) -> list[dict]:
        """The pages an earlier run finished. Failed pages are not finished: they are
        dropped from the record and tried again, as is half a line a crash left."""
        path = self.out / RESULTS
        if not path.is_file():
            return []
        kept, changed = [], False
        for line in path.read_bytes().decode("utf-8", errors="replace").splitlines(keepends=True):
            try:
                record = json.loads(line) if line.endswith("\n") else None
            except json.JSONDecodeError:
                record = None
            if record is None or record.get("error") or (record["source"], int(record["page"])) in self.done:
                changed = True
                continue
            kept.append(record)
            self.done.add((record["source"], int(record["page"])))
        if changed:
            tmp = path.with_suffix(".jsonl.tmp")
            tmp.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
            tmp.replace(path)  # atomic: a crash now leaves the old record or the new one
        return kept

    def needs_review(self, record: dict) -> str | None:
        if record.get("error"):
            return None  # failures are counted apart
        if record.get("aligned") is False:
            return "page could not be aligned to the template"
        lowest = lowest_confidence(record)
        if lowest is not None and lowest < self.review_below:
            return f"a digit read with confidence {lowest:.3f} < {self.review_below}"
        return None

    def _write_rows(self, record: dict) -> str | None:
        numbers = " ".join(line["text"] for line in record["lines"])
        lowest = lowest_confidence(record)
        fields = record.get("fields", {})
        self.table_writer.writerow([record["source"], record["page"], numbers, len(record["digits"]),
                                    "" if lowest is None else lowest, record.get("error") or ""]
                                   + [fields.get(name, "") for name in self.fields])
        reason = self.needs_review(record)
        if reason:
            self.review_writer.writerow([record["source"], record["page"], "" if lowest is None else lowest,
                                         numbers, reason, self.doubtful(record)])
        return reason

    def doubtful(self, record: dict) -> str:
        """The digits under the review bar, each with its box: on a form of fifty
        digits, a person checks these few, not the page. (On the batch
        benchmark's forms, the 3 % of digits under 0.8 held half of the digits
        read wrong, or read where there was none.)"""
        return "; ".join(f"{d['label']} ({d['confidence']:.2f}) at {','.join(str(v) for v in d['box'])}"
                         for d in record["digits"] if d["confidence"] < self.review_below)

    def add(self, record: dict) -> str | None:
        """Record one page; return why it needs review, if it does."""
        self.jsonl.write(json.dumps(record) + "\n")
        self.jsonl.flush()  # the record of what is done goes first
        reason = self._write_rows(record)
        self._flush()
        self.done.add((record["source"], int(record["page"])))
        return reason

    def _flush(self) -> None:
        self.table.flush()
        self.review.flush()

    def close(self) -> None:
        for handle in (self.jsonl, self.table, self.review):
            handle.close()


# ----------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------
def plan_jobs(specs: Iterable[str], done: set[tuple[str, int]]) -> tuple[list[Job], int, int]:
    """The jobs still to do, the pages they hold, and the pages already done."""
    from recognizer.sources import DOCUMENT_SUFFIXES, count_pages, resolve_inputs

    jobs, todo, skipped = [], 0, 0
    for item in resolve_inputs(specs, recursive=True, suffixes=DOCUMENT_SUFFIXES):
        if item.error:
            if (item.path, 1) not in done:
                jobs.append(Job(item.path, error=item.error))
                todo += 1
            else:
                skipped += 1
            continue
        pages = count_pages(item.path)
        finished = frozenset(p for p in range(1, pages + 1) if (item.path, p) in done)
        skipped += len(finished)
        if len(finished) < pages:
            jobs.append(Job(item.path, finished))
            todo += pages - len(finished)
    return jobs, todo, skipped


def _local_results(jobs: list[Job], options: BatchOptions, workers: int) -> Iterator[list[dict]]:
    if workers <= 1:
        for job in jobs:
            yield read_job(job, options)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from _bounded(jobs, lambda job: pool.submit(read_job, job, options), workers)


def _dask_results(jobs: list[Job], options: BatchOptions) -> Iterator[list[dict]]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise RecognizerError(None, "--scheduler needs Dask: pip install 'recognizer[cluster]'") from exc
    try:
        client = Client(options.scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise RecognizerError(options.scheduler, f"cannot reach the Dask scheduler ({exc})") from exc
    with client:
        workers = max(1, sum(client.nthreads().values()))
        yield from _bounded(jobs, lambda job: client.submit(read_job, job, options, pure=False), workers)


def _bounded(jobs: list[Job], submit: Callable[[Job], Future], workers: int) -> Iterator[list[dict]]:
    """Submit jobs a few per worker at a time; yield results as they complete.

    Bounded so that memory stays flat over any number of files: results are
    written and dropped as they come, and pending jobs are plain paths.
    """
    pending: set = set()
    queue = iter(jobs)
    limit = max(1, workers * IN_FLIGHT_PER_WORKER)
    while True:
        for job in queue:
            pending.add(submit(job))
            if len(pending) >= limit:
                break
        if not pending:
            return
        finished, pending = _wait_any(pending)
        for future in finished:
            yield future.result()


def _wait_any(pending: set):
    first = next(iter(pending))
    if hasattr(first, "client"):  # Dask futures
        from distributed import wait as dask_wait

        done = dask_wait(list(pending), return_when="FIRST_COMPLETED").done
        return set(done), pending - set(done)
    done, rest = wait(pending, return_when=FIRST_COMPLETED)
    return done, rest


def run_batch(specs: list[str], options: BatchOptions, progress: bool = True) -> Summary:
    """Read every page named by ``specs`` into ``options.out``; return the summary."""
    from recognizer.template import load_template

    fields = list(load_template(options.template).fields) if options.template else []
    started = time.perf_counter()
    store = ResultStore(options.out, fields, options.review_below, options.force)
    summary = Summary()
    try:
        jobs, todo, summary.skipped = plan_jobs(specs, store.done)
        workers = options.workers or os.cpu_count() or 1
        results = _dask_results(jobs, options) if options.scheduler else \
            _local_results(jobs, options, min(workers, max(1, len(jobs))))
        bar = _progress_bar(todo, progress)
        try:
            for records in _survive(results):
                for record in records:
                    review = store.add(record)
                    summary.pages += 1
                    summary.digits += len(record["digits"])
                    if record.get("error"):
                        summary.failures += 1
                        summary.failed_sources.append(f"{record['source']}: {record['error']}")
                    elif review:
                        summary.review += 1
                    bar.update(1)
        finally:
            bar.close()
    finally:
        store.close()
        summary.seconds = time.perf_counter() - started
    return summary


def _survive(results: Iterator[list[dict]]) -> Iterator[list[dict]]:
    """A worker process that dies (killed, out of memory) ends the run with a clear
    message; what was read is already saved and the same command resumes."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield from results
    except BrokenProcessPool as exc:
        raise RecognizerError(None, f"a worker process died ({exc}); the pages read so far are saved: "
                                    "run the same command again to finish") from exc


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, show: bool):
    if not show:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="page", dynamic_ncols=True, file=sys.stderr, smoothing=0.1)


def read_table(out: Path, name: str = TABLE) -> list[dict]:
    """``results.csv`` (or ``review.csv``) as dicts."""
    with open(Path(out) / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
