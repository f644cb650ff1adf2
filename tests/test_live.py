"""Live reading with no camera and no display: synthetic captures and a generated video."""

import io
import json

import cv2
import numpy as np
import pytest

from recognizer.cli import main
from recognizer.live import FrameReader, run_live
from recognizer.synthetic import make_page
from recognizer.types import Box, Digit, Line, Reading
from recognizer.video import Stabiliser


def _frames(count, numbers=("2025", "314"), seed=4):
    """A page seen by a shaky, noisy camera: it moves a little every frame."""
    page = make_page(list(numbers), seed=seed).image
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        dx, dy = rng.integers(-6, 7, 2)
        frame = cv2.warpAffine(page, np.float32([[1, 0, dx], [0, 1, dy]]), (640, 480), borderMode=cv2.BORDER_REPLICATE)
        out.append(np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8))
    return out


class FakeCapture:
    """A capture that plays frames, then fails (like an unplugged camera)."""

    def __init__(self, frames):
        self.frames, self.released = list(frames), False

    def read(self):
        return (True, self.frames.pop(0)) if self.frames else (False, None)

    def get(self, prop):
        return 25.0

    def release(self):
        self.released = True


def test_stabiliser_holds_a_label_through_a_flicker():
    stabiliser = Stabiliser()
    shown = []
    for k, label in enumerate([7, 7, 1, 7, 7, 1, 7]):  # a misread every third frame
        box = Box(100 + k, 50, 30, 50)  # and the box drifts
        reading = Reading("cam", 640, 480, [Line((Digit(box, label, 0.9 if label == 7 else 0.6),))])
        shown.append([d.label for d in stabiliser.update(reading).digits])
    assert all(labels == [7] for labels in shown)


def test_reads_a_video_file_stably_with_frame_numbers(recognizer):
    stream = io.StringIO()
    summary = run_live("clip.avi", recognizer, jsonl=stream, capture=FakeCapture(_frames(12)))
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert summary.frames == 12 and [r["frame"] for r in records] == list(range(12))
    exact = sum(r["lines"] and [line["text"] for line in r["lines"]] == ["2025", "314"] for r in records)
    assert exact >= 11  # the stabilised reading of the known digits
    assert summary.numbers.most_common(2)[0][0] in {"2025", "314"}


def test_a_camera_that_stops_ends_cleanly_with_what_was_read(recognizer, monkeypatch):
    monkeypatch.setattr("recognizer.video.RETRY_PAUSE", 0.01)
    capture = FakeCapture(_frames(3))
    stream = io.StringIO()
    summary = run_live("0", recognizer, jsonl=stream, capture=capture)  # "0": a live camera
    assert capture.released
    assert summary.stats.stopped and "stopped delivering" in summary.stats.stopped
    assert 1 <= summary.frames <= 3
    assert all(json.loads(line)["frame"] >= 0 for line in stream.getvalue().splitlines())


def test_ctrl_c_keeps_the_output_files_valid(recognizer, tmp_path):
    video, stream = tmp_path / "out.avi", io.StringIO()

    def interrupt(index, reading):
        if index == 3:
            raise KeyboardInterrupt

    summary = run_live("clip.avi", recognizer, video=video, jsonl=stream,
                       capture=FakeCapture(_frames(10)), on_frame=interrupt)
    assert summary.interrupted and summary.frames == 4
    assert len(stream.getvalue().splitlines()) == 4
    replay = cv2.VideoCapture(str(video))
    count = 0
    while replay.read()[0]:
        count += 1
    assert count == 3  # frames 0-2 were written before the interrupt at frame 3


@pytest.fixture
def video_file(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for frame in _frames(8):
        writer.write(frame)
    writer.release()
    return path


def test_cli_headless_writes_video_and_jsonl(video_file, tmp_path, capsys):
    out_video, out_jsonl = tmp_path / "o.mp4", tmp_path / "o.jsonl"
    code = main(["webcam", "--source", str(video_file), "--no-display", "--save", str(out_video),
                 "--jsonl", str(out_jsonl)])
    assert code == 0
    records = [json.loads(line) for line in out_jsonl.read_text().splitlines()]
    assert len(records) == 8 and records[-1]["frame"] == 7
    assert "8 frames" in capsys.readouterr().err
    replay = cv2.VideoCapture(str(out_video))
    ok, frame = replay.read()
    assert ok and frame.shape == (480, 640, 3)


def test_no_camera_or_missing_file_is_a_clear_error(capsys, tmp_path):
    assert main(["live", "--source", "9", "--no-display"]) == 1
    assert "cannot open this camera 9" in capsys.readouterr().err
    assert main(["live", "--source", str(tmp_path / "none.mp4"), "--no-display"]) == 1
    assert "no such video file" in capsys.readouterr().err


def test_without_a_display_it_says_so_and_runs_headless(video_file, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["webcam", "--source", str(video_file), "--max-frames", "2"]) == 0
    captured = capsys.readouterr()
    assert "no display found; running headless" in captured.err
    assert len(captured.out.strip().splitlines()) == 2  # JSON lines on stdout by default


class ScriptedWindow:
    """Stands in for the Tk window: records frames shown, replays key presses."""

    def __init__(self, script):
        self.script, self.shown, self.keys, self.closed = dict(script), [], [], False
        self.polls = 0

    def show(self, image):
        self.shown.append(image.shape)

    def poll(self):
        self.polls += 1
        return self.script.pop(self.polls, [])

    def close(self):
        self.closed = True


def test_keys_save_pause_and_quit(recognizer, tmp_path):
    # poll 2: save; poll 3: pause; polls 4-5 while paused, resume at 5; poll 7: quit.
    window = ScriptedWindow({2: ["s"], 3: ["space"], 5: ["space"], 7: ["q"]})
    summary = run_live("clip.avi", recognizer, window=window, snapshots=tmp_path,
                       capture=FakeCapture(_frames(20)))
    assert summary.quit and window.closed
    assert summary.frames == 5  # frames 0-4; quit on the fifth frame's keys
    assert len(summary.snapshots) == 1 and summary.snapshots[0].is_file()
    assert summary.snapshots[0].with_suffix(".json").is_file()
    assert "quit by the user" in summary.text("clip.avi")


def test_two_worker_processes_read_in_order_like_one(recognizer):
    one, two = io.StringIO(), io.StringIO()
    run_live("clip.avi", recognizer, jsonl=one, capture=FakeCapture(_frames(6)))
    summary = run_live("clip.avi", recognizer, jsonl=two, capture=FakeCapture(_frames(6)), workers=2)
    assert summary.frames == 6
    first = [json.loads(line) for line in one.getvalue().splitlines()]
    second = [json.loads(line) for line in two.getvalue().splitlines()]
    assert [r["frame"] for r in second] == list(range(6))
    assert [r["lines"] for r in second] == [r["lines"] for r in first]


def test_a_thin_one_moving_with_the_camera_stays_one_track():
    stabiliser = Stabiliser()
    for k in range(10):
        dx = 6 if k % 2 else -6  # the camera shakes by more than the stroke is wide
        digits = (Digit(Box(100 + dx, 50, 30, 50), 3, 0.99), Digit(Box(140 + dx, 50, 5, 50), 1, 0.99))
        shown = stabiliser.update(Reading("cam", 640, 480, [Line(digits)])).numbers
        assert shown == ["31"], (k, shown)


def test_recent_crops_reuse_only_unchanged_crops():
    """A crop seen in the last frame keeps its reading; a changed one is read again."""
    import numpy as np

    from recognizer.classify import RecentCrops

    class Counting:
        runtime = "onnx"

        def __init__(self):
            self.rows = 0

        def predict(self, digits):
            self.rows += len(digits)
            flat = np.asarray(digits, np.float32).reshape(len(digits), -1)
            return np.stack([flat.mean(1), 1 - flat.mean(1)], axis=1)  # depends on the crop

    rng = np.random.default_rng(0)
    crops = rng.random((4, 28, 28)).astype(np.float32)
    inner = Counting()
    memo = RecentCrops(inner)
    first = memo.predict(crops)
    assert inner.rows == 4
    noisy = crops + rng.normal(0, 0.005, crops.shape).astype(np.float32)  # the same digits, camera noise
    np.testing.assert_allclose(memo.predict(noisy), first)
    assert inner.rows == 4 and memo.reused == 4
    changed = noisy.copy()
    changed[2] = rng.random((28, 28))  # a new digit in one place
    again = memo.predict(changed)
    assert inner.rows == 5
    np.testing.assert_allclose(again[[0, 1, 3]], first[[0, 1, 3]])
    np.testing.assert_allclose(again[2], inner.predict(changed[2:3])[0])
    # A second call in a frame (marks read 7 on a rule, read again) does not
    # make the next frame forget the one before.
    memo.predict(rng.random((1, 28, 28)).astype(np.float32))
    rows = inner.rows
    np.testing.assert_allclose(memo.predict(changed), again)
    assert inner.rows == rows


def test_a_tilted_frame_seen_again_is_not_read_again(recognizer):
    """A frame whose rows run tilted is read twice, as it is and levelled; the
    next frame showing the same reuses both readings."""
    from conftest import tilted_page

    frame = tilted_page(["40572", "91836"], 30, seed=3)
    reader = FrameReader(recognizer, "askew", stabilise=False)
    first = reader.read(frame)
    assert first.numbers == ["40572", "91836"]
    memo = reader.recognizer.classifier
    read_before = memo.read
    assert reader.read(frame.copy()).numbers == first.numbers
    assert memo.read == read_before and memo.reused > 0


def test_reading_frames_leaves_the_callers_recognizer_as_it_was(recognizer):
    """Frames are read with a frame cache and at the camera's scale; a still
    image read afterwards with the same recognizer is read as before."""
    classifier, rescale = recognizer.classifier, recognizer.rescale
    reader = FrameReader(recognizer, "clip.avi")
    reader.read(_frames(1)[0])
    assert reader.recognizer is not recognizer
    assert (recognizer.classifier, recognizer.rescale) == (classifier, rescale)
