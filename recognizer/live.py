"""Live reading: a camera, a video file or a stream, frame by frame.

The window is a Tk window (OpenCV here is the headless build, so there is no
``cv2.imshow`` and no Qt abort when there is no screen). Without a display the
loop runs headless with a one-line notice and writes an annotated video and
per-frame JSON Lines. Output files are flushed frame by frame and closed in
``finally``, so Ctrl-C or a camera that stops leaves them valid.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

import numpy as np

from recognizer.pipeline import Recognizer
from recognizer.types import Reading
from recognizer.video import Capture, FrameStats, Stabiliser, frames, is_live, open_capture

KEY_QUIT = {"q", "Escape"}
RELEARN_EVERY = 15  # frames: how long what one frame taught about the page is reused
KEY_PAUSE = {"space"}
KEY_SAVE = {"s"}


class FrameReader:
    """Reads the frames of one stream: what a frame taught about the page is
    reused for the next ``RELEARN_EVERY`` frames, a crop unchanged since the
    last frame keeps its reading (``RecentCrops``), and readings are stabilised."""

    def __init__(self, recognizer: Recognizer, source: str = "stream", stabilise: bool = True) -> None:
        from recognizer.classify import RecentCrops

        # A copy, set up for frames: the caller's recognizer reads still images as before.
        recognizer = copy.copy(recognizer)
        if not isinstance(recognizer.classifier, RecentCrops):  # a digit in view is read once, then reused
            recognizer.classifier = RecentCrops(recognizer.classifier)
        recognizer.rescale = False  # frames at the camera's scale: whole-pixel shifts keep crops the same
        self.recognizer, self.source = recognizer, source
        self.stabiliser = Stabiliser() if stabilise else None
        self.frames = 0

    def read(self, frame: np.ndarray) -> Reading:
        hint = self.recognizer.last_hint if self.frames % RELEARN_EVERY else None
        self.frames += 1
        reading = self.recognizer.read_array(frame, self.source, hint)
        return self.stabiliser.update(reading) if self.stabiliser else reading


# ----------------------------------------------------------------------------
# Reading on several cores: worker processes, at most one frame in flight each
# ----------------------------------------------------------------------------
_WORKER: dict = {}


def _start_worker(model: str | None, runtime: str, min_confidence: float, source: str) -> None:
    import cv2

    from recognizer.classify import load_classifier

    cv2.setNumThreads(1)  # one core per worker: OpenCV's own threads would fight the other workers

    recognizer = Recognizer(load_classifier(model, runtime), min_confidence)
    _WORKER["reader"] = FrameReader(recognizer, source, stabilise=False)  # stabilised in order, by the parent


def _read_in_worker(frame: np.ndarray) -> Reading:
    return _WORKER["reader"].read(frame)


@contextmanager
def _one_blas_thread_each():
    """Spawn worker processes whose BLAS (the frame cache's distance matrix,
    ``RecentCrops``) runs on one thread: each worker has a core. A BLAS that
    spread each product over both cores in every worker made two workers
    read fewer frames a second than one process (43-60 against 94-111)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: "1" for name in names})  # read by each child as it starts
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class ParallelFrameReader:
    """Reads frames in ``workers`` processes, each with its own model.

    For a live source at most one frame per worker is in flight, so nothing
    queues up behind a slow reader (the source still drops its stale frames);
    a file can have ``in_flight`` frames a worker, so a worker never waits for
    this process. Results come back in frame order and are stabilised here.
    """

    def __init__(self, workers: int, model: str | None = None, runtime: str = "onnx",
                 min_confidence: float = 0.5, source: str = "stream", in_flight: int = 1) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no forked copies of ORT's threads
        with _one_blas_thread_each():
            self.pool = context.Pool(workers, _start_worker, (model, runtime, min_confidence, source))
        self.workers, self.source, self.in_flight = workers, source, max(1, in_flight)
        self.stabiliser = Stabiliser()

    def read_all(self, frames_in):
        """Yield ``(frame, stabilised reading)`` for each frame, in order."""
        pending: deque = deque()
        for frame in frames_in:
            pending.append((frame, self.pool.apply_async(_read_in_worker, (frame,))))
            if len(pending) >= self.workers * self.in_flight:
                done, result = pending.popleft()
                yield done, self.stabiliser.update(result.get())
        while pending:
            done, result = pending.popleft()
            yield done, self.stabiliser.update(result.get())

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def has_display() -> bool:
    """Whether a window can be opened: on Linux and BSD that needs an X or Wayland display."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class TkWindow:
    """Shows frames and collects key presses; used only when a display exists."""

    def __init__(self, title: str) -> None:
        import tkinter as tk

        self.root = tk.Tk()
        self.root.title(title)
        self.label = tk.Label(self.root)
        self.label.pack()
        self.keys: list[str] = []
        self.closed = False
        self.root.bind("<Key>", lambda event: self.keys.append(event.keysym))
        self.root.protocol("WM_DELETE_WINDOW", self._close)
        self._image = None

    def _close(self) -> None:
        self.closed = True

    def show(self, image_bgr: np.ndarray) -> None:
        from PIL import Image, ImageTk

        self._image = ImageTk.PhotoImage(Image.fromarray(np.ascontiguousarray(image_bgr[:, :, ::-1])))
        self.label.configure(image=self._image)
        self.root.update()

    def poll(self) -> list[str]:
        self.root.update()
        keys, self.keys = self.keys, []
        return keys + (["q"] if self.closed else [])

    def close(self) -> None:
        import tkinter as tk

        try:
            self.root.destroy()
        except tk.TclError:  # the user already closed it
            pass


@dataclass
class LiveSummary:
    frames: int = 0
    seconds: float = 0.0
    numbers: Counter = field(default_factory=Counter)  # stabilised numbers, counted per frame
    stats: FrameStats = field(default_factory=FrameStats)
    interrupted: bool = False
    quit: bool = False  # the user pressed q or Esc, or closed the window
    snapshots: list[Path] = field(default_factory=list)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0

    def text(self, source: str) -> str:
        common = ", ".join(f"{n} ({c} frames)" for n, c in self.numbers.most_common(5)) or "no digits"
        how = ("interrupted" if self.interrupted else "quit by the user" if self.quit
               else self.stats.stopped or "ended")
        dropped = f", {self.stats.dropped} stale frames dropped" if self.stats.dropped else ""
        return (f"{source}: {how} after {self.frames} frames in {self.seconds:.1f} s "
                f"({self.fps:.1f} fps{dropped}); read: {common}")


def overlay(image: np.ndarray, reading: Reading, fps: float, paused: bool = False) -> np.ndarray:
    """The annotated frame with the numbers read and the frame rate on top."""
    import cv2

    from recognizer.annotate import annotate

    canvas = annotate(image, reading)
    text = f"{fps:5.1f} fps   " + (" ".join(reading.numbers) or "-") + ("   [paused]" if paused else "")
    cv2.rectangle(canvas, (0, 0), (canvas.shape[1], 26), (0, 0, 0), cv2.FILLED)
    cv2.putText(canvas, text, (8, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    return canvas


class VideoSink:
    """An annotated video, opened at the first frame's size."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps, self.writer = Path(path), fps, None

    def write(self, frame: np.ndarray) -> None:
        import cv2

        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.suffix.lower() in (".mp4", ".m4v") else "MJPG"))
            self.writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, (frame.shape[1], frame.shape[0]))
            if not self.writer.isOpened():
                raise OSError(f"{self.path}: cannot write a video here")
        self.writer.write(frame)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()


def run_live(
    source: str,
    recognizer: Recognizer,
    window: TkWindow | None = None,
    video: Path | None = None,
    jsonl: TextIO | None = None,
    snapshots: Path = Path("out"),
    max_frames: int | None = None,
    capture: Capture | None = None,
    on_frame: Callable[[int, Reading], None] | None = None,
    workers: int = 1,
) -> LiveSummary:
    """Read ``source`` until it ends, the user quits, or Ctrl-C; return a summary.

    ``workers`` > 1 reads frames in that many processes (see ``ParallelFrameReader``).
    """
    import cv2

    capture = capture if capture is not None else open_capture(source)
    live = is_live(source)
    summary = LiveSummary()
    parallel = None
    if workers > 1:
        parallel = ParallelFrameReader(workers, recognizer.model, recognizer.runtime,
                                       recognizer.min_confidence, source, in_flight=1 if live else 2)
        readings = parallel.read_all(frames(capture, live, summary.stats))
    else:
        reader = FrameReader(recognizer, source)
        readings = ((frame, reader.read(frame)) for frame in frames(capture, live, summary.stats))
    source_fps = float(capture.get(cv2.CAP_PROP_FPS)) if hasattr(capture, "get") else 0.0
    sink = VideoSink(video, source_fps if 1 <= source_fps <= 120 else 30.0) if video else None
    started = time.perf_counter()
    fps = 0.0
    try:
        tick = time.perf_counter()
        for index, (frame, reading) in enumerate(readings):
            summary.frames += 1
            for number in reading.numbers:
                summary.numbers[number] += 1
            if jsonl is not None:
                jsonl.write(json.dumps({**reading.to_dict(), "frame": index}) + "\n")
                jsonl.flush()
            if on_frame:
                on_frame(index, reading)
            now = time.perf_counter()
            elapsed, tick = now - tick, now
            fps = 1.0 / max(elapsed, 1e-6) if fps == 0 else 0.9 * fps + 0.1 / max(elapsed, 1e-6)
            if sink or window:
                shown = overlay(frame, reading, fps)
                if sink:
                    sink.write(shown)
                if window:
                    window.show(shown)
                    if _handle_keys(window, frame, shown, reading, index, snapshots, summary, fps):
                        summary.quit = True
                        break
            if max_frames is not None and summary.frames >= max_frames:
                break
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.seconds = time.perf_counter() - started
        if parallel:
            parallel.close()
        capture.release()
        if sink:
            sink.close()
        if window:
            window.close()
    return summary


def _handle_keys(window, frame, shown, reading, index, snapshots, summary, fps) -> bool:
    """Apply the keys pressed since the last frame; True means quit."""
    for key in window.poll():
        if key in KEY_QUIT:
            return True
        if key in KEY_SAVE:
            summary.snapshots.append(save_snapshot(snapshots, index, shown, reading))
        if key in KEY_PAUSE and _hold(window, frame, shown, reading, index, snapshots, summary, fps):
            return True
    return False


def _hold(window, frame, shown, reading, index, snapshots, summary, fps) -> bool:
    """Paused: keep the frame until space again (False) or a quit key (True)."""
    window.show(overlay(frame, reading, fps, paused=True))
    while True:
        time.sleep(0.03)
        for key in window.poll():
            if key in KEY_QUIT:
                return True
            if key in KEY_SAVE:
                summary.snapshots.append(save_snapshot(snapshots, index, shown, reading))
            if key in KEY_PAUSE:
                return False


def save_snapshot(folder: Path, index: int, shown: np.ndarray, reading: Reading) -> Path:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"frame_{index:06d}.png"
    cv2.imwrite(str(path), shown)
    path.with_suffix(".json").write_text(json.dumps({**reading.to_dict(), "frame": index}) + "\n")
    return path
