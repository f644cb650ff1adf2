"""Frames in: cameras, video files and streams; and readings that hold still.

``open_frames`` turns ``--source`` (a camera index, a video file or a stream
URL) into an iterator of frames, failing loudly when nothing can be opened.
Live sources are read by a background thread that keeps only the newest
frame, so a slow reader drops stale frames instead of falling behind the
camera; a camera that stops delivering is retried a few times, then the
stream ends cleanly. ``Stabiliser`` tracks digits from frame to frame and
votes over recent frames, so a digit that stays in view keeps its label.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Protocol

import numpy as np

from recognizer.errors import RecognizerError
from recognizer.matching import match
from recognizer.read import group_lines
from recognizer.types import Box, Digit, Reading

READ_RETRIES = 5  # failed reads in a row before a live source counts as stopped
RETRY_PAUSE = 0.2  # seconds between those reads
STREAM_PREFIXES = ("rtsp://", "rtmp://", "http://", "https://", "udp://", "tcp://")


class Capture(Protocol):
    """What the reader needs of a capture; ``cv2.VideoCapture`` has it, and so do test fakes."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...


def is_live(source: str) -> bool:
    return source.isdigit() or source.startswith(STREAM_PREFIXES)


def _quiet_opencv() -> None:
    """OpenCV's own warnings (a camera index probed and not found) to errors only."""
    import cv2

    logging = getattr(getattr(cv2, "utils", None), "logging", None)  # OpenCV 4.5+ and 5
    if logging is not None:
        logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    elif hasattr(cv2, "setLogLevel"):
        cv2.setLogLevel(2)


def open_capture(source: str) -> Capture:
    """A camera index ("0"), a video file, or a stream URL -> an open capture."""
    import cv2

    _quiet_opencv()  # a missing camera is reported below, in one line
    if source.isdigit():
        capture = cv2.VideoCapture(int(source))
        what = f"camera {source}"
    elif source.startswith(STREAM_PREFIXES):
        capture = cv2.VideoCapture(source)
        what = "stream"
    else:
        path = Path(source)
        if not path.is_file():
            raise RecognizerError(source, "no such video file (or camera index)")
        capture = cv2.VideoCapture(str(path))
        what = "video file"
    if not capture.isOpened():
        capture.release()
        hint = " (is a camera connected, and free?)" if source.isdigit() else ""
        raise RecognizerError(source, f"cannot open this {what}{hint}")
    return capture


@dataclass
class FrameStats:
    read: int = 0  # frames the source delivered
    dropped: int = 0  # stale frames skipped because reading was slower than the source
    stopped: str | None = None  # why a live source ended early


class LatestFrame:
    """Reads a live capture in a thread and keeps only the newest frame."""

    def __init__(self, capture: Capture, stats: FrameStats) -> None:
        self.capture, self.stats = capture, stats
        self._frame: np.ndarray | None = None
        self._fresh = threading.Condition()
        self._running = True
        self._ended = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        failures = 0
        while self._running:
            ok, frame = self.capture.read()
            if not ok or frame is None:
                failures += 1
                if failures >= READ_RETRIES:
                    self.stats.stopped = f"the source stopped delivering frames ({READ_RETRIES} reads failed)"
                    break
                time.sleep(RETRY_PAUSE)
                continue
            failures = 0
            with self._fresh:
                if self._frame is not None:
                    self.stats.dropped += 1
                self._frame = frame
                self.stats.read += 1
                self._fresh.notify()
        with self._fresh:
            self._ended = True
            self._fresh.notify()

    def next(self, timeout: float = 5.0) -> np.ndarray | None:
        with self._fresh:
            if self._frame is None and not self._ended:
                self._fresh.wait(timeout)
            frame, self._frame = self._frame, None
            return frame

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=2)


def frames(capture: Capture, live: bool, stats: FrameStats) -> Iterator[np.ndarray]:
    """Every frame of a file; the newest frame of a live source, each time asked."""
    if not live:
        while True:
            ok, frame = capture.read()
            if not ok or frame is None:
                return
            stats.read += 1
            yield frame
    grabber = LatestFrame(capture, stats)
    try:
        while True:
            frame = grabber.next()
            if frame is None:
                if stats.stopped is None:
                    stats.stopped = "no frame arrived for 5 s"
                return
            yield frame
    finally:
        grabber.close()


# ----------------------------------------------------------------------------
# Stable readings
# ----------------------------------------------------------------------------
@dataclass
class Track:
    box: Box
    votes: deque = field(default_factory=lambda: deque(maxlen=Stabiliser.WINDOW))
    seen: deque = field(default_factory=lambda: deque(maxlen=Stabiliser.WINDOW))
    missing: int = 0

    def label(self) -> tuple[int, float]:
        """The label with the most confidence over recent frames, and its share."""
        weights: Counter = Counter()
        for label, confidence in self.votes:
            weights[label] += confidence
        label, weight = weights.most_common(1)[0]
        return label, weight / max(sum(weights.values()), 1e-9)


class Stabiliser:
    """Tracks digits across frames (IoU) and votes over the last frames.

    A digit is shown once it has been seen in ``CONFIRM`` of the last
    ``WINDOW`` frames, with the label that holds the most confidence over
    them; a track that leaves the view is kept for ``PATIENCE`` frames so a
    missed detection does not make a digit blink.
    """

    WINDOW = 8
    CONFIRM = 2
    PATIENCE = 4
    MATCH_IOU = 0.3

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self.frames = 0

    @staticmethod
    def _padded(box: Box) -> Box:
        """Grown by a third of its height a side: a thin "1" that moves a few pixels
        between frames still overlaps itself (its bare box may not at all)."""
        pad = max(2, box.h // 3)
        return Box(box.x - pad, box.y - pad, box.w + 2 * pad, box.h + 2 * pad)

    def update(self, reading: Reading) -> Reading:
        self.frames += 1
        digits = reading.digits
        pairs = match([self._padded(d.box) for d in digits], [self._padded(t.box) for t in self.tracks],
                      self.MATCH_IOU)
        matched_tracks = {j for _, j in pairs}
        for i, j in pairs:
            track = self.tracks[j]
            track.box, track.missing = digits[i].box, 0
            track.votes.append((digits[i].label, digits[i].confidence))
            track.seen.append(True)
        for j, track in enumerate(self.tracks):
            if j not in matched_tracks:
                track.missing += 1
                track.seen.append(False)
        for i in set(range(len(digits))) - {i for i, _ in pairs}:
            track = Track(digits[i].box)
            track.votes.append((digits[i].label, digits[i].confidence))
            track.seen.append(True)
            self.tracks.append(track)
        self.tracks = [t for t in self.tracks if t.missing <= self.PATIENCE]

        confirm = min(self.CONFIRM, self.frames)  # at a stream's start, one frame is enough
        stable = []
        for track in self.tracks:
            if sum(track.seen) >= confirm:
                label, share = track.label()
                stable.append(Digit(track.box, label, share))
        return Reading(reading.source, reading.width, reading.height, group_lines(stable),
                       reading.error, reading.rejected)
