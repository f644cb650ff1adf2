"""The draw canvas, fed synthetic mouse strokes; no window needed."""

import numpy as np

from recognizer.cli import main
from recognizer.draw import Sketch
from recognizer.synthetic import SKELETONS, _smooth


def _draw_digit(sketch, digit, x, y, height=140):
    """Move the 'mouse' along a digit's pen strokes, as a user would."""
    for stroke in SKELETONS[digit][0]:
        points = _smooth(np.array(stroke)) * [height * 0.65, height] + [x, y]
        sketch.begin(*points[0])
        for px, py in points[1:]:
            sketch.extend(px, py)


def test_every_digit_drawn_is_read(recognizer):
    sketch = Sketch()
    for k, digit in enumerate([4, 0, 7]):
        _draw_digit(sketch, digit, 60 + k * 120, 60)
    _draw_digit(sketch, 3, 500, 200)
    reading = sketch.read(recognizer)
    assert reading.numbers == ["407", "3"]
    assert all(d.confidence > 0.5 for d in reading.digits)


def test_clear_and_save(recognizer, tmp_path):
    sketch = Sketch()
    _draw_digit(sketch, 2, 100, 100)
    reading = sketch.read(recognizer)
    path = sketch.save(tmp_path, reading)
    assert path.is_file() and path.with_suffix(".json").is_file()
    sketch.clear()
    assert sketch.read(recognizer).digits == [] and sketch.render().min() == 255


def test_draw_without_a_display_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["draw"]) == 1
    assert "needs a display" in capsys.readouterr().err
