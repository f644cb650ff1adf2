"""Registering pages to a template's reference scan (``recognizer.template``)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from conftest import blank_form
from recognizer.template import Aligner, load_template

FIELDS = {"date": [150, 120, 300, 70], "amount": [150, 420, 240, 70], "code": [400, 720, 260, 70]}
SHAPE = (900, 1100)


def _blank() -> np.ndarray:
    return blank_form(FIELDS, SHAPE, rows=14)


def _aligner(tmp_path: Path, reference: np.ndarray) -> Aligner:
    cv2.imwrite(str(tmp_path / "blank.png"), reference)
    (tmp_path / "form.json").write_text(json.dumps({"reference": "blank.png", "fields": FIELDS}))
    return Aligner(load_template(tmp_path / "form.json"))


def test_a_page_fed_in_turned_shifted_and_scaled_is_registered_to_within_a_pixel(tmp_path):
    reference = _blank()
    aligner = _aligner(tmp_path, reference)
    corners = np.float32([[x + dx, y + dy] for x, y, w, h in FIELDS.values() for dx in (0, w) for dy in (0, h)])
    rng = np.random.default_rng(5)
    for turn, shift, zoom in [(1.5, (18, -11), 1.0), (-2.0, (-25, 30), 1.02), (0.7, (5, 12), 0.97)]:
        fed = cv2.getRotationMatrix2D((550, 450), turn, zoom)
        fed[:, 2] += shift
        page = cv2.warpAffine(reference, fed, (1100, 900), borderValue=245)
        page = np.clip(page + rng.normal(0, 4, page.shape), 0, 255).astype(np.uint8)  # scan noise
        transform = aligner.to_reference(page)
        assert transform is not None
        on_page = corners @ fed[:, :2].T + fed[:, 2]
        back = on_page @ transform[:, :2].T + transform[:, 2]
        assert np.abs(back - corners).max() < 1.0


def test_a_page_of_another_form_or_a_blank_page_is_not_aligned(tmp_path):
    aligner = _aligner(tmp_path, _blank())
    other = np.full((900, 1100), 245, np.uint8)
    rng = np.random.default_rng(9)
    for row in range(12):  # other words, elsewhere on the page, and no field boxes
        words = " ".join("".join(chr(65 + int(c)) for c in rng.integers(0, 26, 4)) for _ in range(4))
        cv2.putText(other, words, (60, 60 + 65 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 40, 2)
    assert aligner.to_reference(other) is None
    assert aligner.to_reference(np.full((900, 1100), 245, np.uint8)) is None


def test_without_a_reference_pages_are_taken_as_they_are(tmp_path):
    (tmp_path / "form.json").write_text(json.dumps({"fields": FIELDS}))
    transform = Aligner(load_template(tmp_path / "form.json")).to_reference(_blank())
    assert np.array_equal(transform, np.float32([[1, 0, 0], [0, 1, 0]]))


def test_a_field_keeps_the_separators_written_between_its_digits():
    """A date field reads "12/05/2024", not 12052024; digits of two numbers
    that fall in one field are joined without inventing a separator; an
    amount keeps its minus."""
    from recognizer.template import Template, read_fields
    from recognizer.types import Box, Digit, Line, Reading

    def digits(text: str, x: int, y: int) -> tuple[Digit, ...]:
        return tuple(Digit(Box(x + 30 * k, y, 20, 40), int(ch), 0.99) for k, ch in enumerate(text))

    date = Line(digits("12052024", 160, 130), ("", "/", "", "/", "", "", ""))
    amount = [Line(digits("30", 160, 430)), Line(digits("5", 260, 430))]  # "30" and "5" in one field
    template = Template(Path("form.json"), {name: Box(*box) for name, box in FIELDS.items()})
    reading = Reading("page.png", 1100, 900, [date, *amount])
    assert read_fields(reading, np.float32([[1, 0, 0], [0, 1, 0]]), template) == {
        "date": "12/05/2024", "amount": "305", "code": ""}
    negative = Reading("page.png", 1100, 900, [date, Line(digits("40", 160, 430), sign="-")])
    assert read_fields(negative, np.float32([[1, 0, 0], [0, 1, 0]]), template)["amount"] == "-40"
