"""Shared fixtures. Images are built in the tests; ../shared is optional."""

from __future__ import annotations

from pathlib import Path

import pytest

from recognizer.matching import iou  # noqa: F401  (tests import it from here)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MNIST_DIR = SHARED / "mnist"
REAL_DIR = SHARED / "real"


def blank_form(fields: dict[str, list[int]], shape: tuple[int, int] = (520, 760), rows: int = 8):
    """A grey blank form: a column of printed words at the right (what a
    template's features lock on to), each field boxed under its name, and a
    frame round the page."""
    import cv2
    import numpy as np

    height, width = shape
    form = np.full(shape, 245, np.uint8)
    rng = np.random.default_rng(0)
    for row in range(rows):
        words = " ".join("".join(chr(65 + int(c)) for c in rng.integers(0, 26, 5)) for _ in range(4))
        cv2.putText(form, words, (width - 330, 40 + 60 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 40, 2)
    for name, (x, y, w, h) in fields.items():
        cv2.putText(form, name.upper(), (x, y - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 30, 2)
        cv2.rectangle(form, (x, y), (x + w, y + h), 60, 2)
    cv2.rectangle(form, (20, 20), (width - 20, height - 20), 50, 3)
    return form


def touching_pair(first: int = 4, second: int = 7):
    """A grey image of two digits joined by a stroke; returns it and the pair's x extent."""
    import cv2
    import numpy as np

    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(3)
    a, b = render_digit(first, 80, rng, pen=0.1), render_digit(second, 80, rng, pen=0.1)
    paper = np.full((160, 300), 230.0)
    paper[40 : 40 + a.shape[0], 60 : 60 + a.shape[1]] -= 180 * a
    x = 60 + a.shape[1] - 2
    paper[40 : 40 + b.shape[0], x : x + b.shape[1]] -= 180 * b
    cv2.line(paper, (60 + a.shape[1] // 2, 92), (x + b.shape[1] // 2, 92), 50, 4)  # a stroke joins them
    return np.clip(paper, 0, 255).astype(np.uint8), (60, x + b.shape[1])


def overlapping_pair(first: int, second: int, overlap: int, seed: int):
    """A grey image of two stroke-drawn digits 80 px tall, the second drawn
    ``overlap`` pixels into the first's box: their ink touches or crosses."""
    import numpy as np

    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(seed)
    a, b = render_digit(first, 80, rng, pen=0.1), render_digit(second, 80, rng, pen=0.1)
    paper = np.full((160, 300), 230.0)
    paper[40 : 40 + a.shape[0], 60 : 60 + a.shape[1]] -= 180 * a
    x = 60 + a.shape[1] - overlap
    region = paper[40 : 40 + b.shape[0], x : x + b.shape[1]]
    np.minimum(region, 230 - 180 * b, out=region)
    return np.clip(paper, 0, 255).astype(np.uint8)


def two_on_a_rule(pen: tuple[int, int, int], rule: tuple[int, int, int]):
    """A BGR page: a 2 drawn with a 2 px pen, its base along a 2 px rule. In
    black on the black rule, the base goes with the rule, and what is left of
    the 2 reads 7 to the model."""
    import cv2
    import numpy as np

    page = np.full((160, 360, 3), 235, np.uint8)
    cv2.line(page, (10, 110), (350, 110), rule, 2)
    cv2.ellipse(page, (80, 62), (18, 16), 0, 180, 395, pen, 2, cv2.LINE_AA)
    cv2.line(page, (94, 73), (62, 110), pen, 2, cv2.LINE_AA)
    cv2.line(page, (62, 110), (102, 110), pen, 2, cv2.LINE_AA)  # the base, on the rule
    return page


def tilted_page(numbers: list[str], degrees: float, seed: int):
    """Rows of handwritten-looking digits 50 px tall on a 700x500 grey page,
    the picture turned ``degrees`` counter-clockwise (a photo taken askew)."""
    import cv2
    import numpy as np

    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(seed)
    paper = np.full((500, 700), 235.0)
    for row, number in enumerate(numbers):
        x, y = 190, 50 + 110 * row
        for digit in number:
            glyph = render_digit(int(digit), 50, rng, pen=0.1)
            paper[y : y + glyph.shape[0], x : x + glyph.shape[1]] -= 170 * glyph
            x += glyph.shape[1] + 12
    turn = cv2.getRotationMatrix2D((350, 250), degrees, 1.0)
    return cv2.warpAffine(np.clip(paper, 0, 255).astype(np.uint8), turn, (700, 500), borderValue=235)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST not found at {MNIST_DIR} (the ../shared data folder is absent)")
    return MNIST_DIR


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL_DIR / "truth.json").is_file():
        pytest.skip(f"real photos not found at {REAL_DIR} (the ../shared data folder is absent)")
    return REAL_DIR


@pytest.fixture(scope="session")
def recognizer():
    """The shipped model through the default (ONNX) runtime, loaded once."""
    from recognizer.classify import load_classifier
    from recognizer.pipeline import Recognizer

    return Recognizer(load_classifier())
