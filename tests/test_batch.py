"""recognizer batch: pages in, JSONL + CSV out, resumable, same results on any executor."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from conftest import blank_form
from recognizer.batch import BatchOptions, read_table, run_batch
from recognizer.cli import main
from recognizer.synthetic import make_page, render_digit

ROOT = Path(__file__).resolve().parents[1]


def _pages(folder: Path, count: int, start: int = 0) -> list[str]:
    """``count`` JPEG pages of two numbers each; returns the numbers written, page by page."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for k in range(start, start + count):
        numbers = [f"{(k * 37) % 1000:03d}", f"{(k * 53 + 7) % 100:02d}"]
        cv2.imwrite(str(folder / f"page_{k:03d}.jpg"), make_page(numbers, seed=k).image)
        written.append(" ".join(numbers))
    return written


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def pile(tmp_path_factory) -> Path:
    """Images in nested folders, a 2-page TIFF, a 2-page PDF and a broken file."""
    root = tmp_path_factory.mktemp("pile")
    _pages(root / "a", 2)
    _pages(root / "a" / "deeper", 1, start=5)
    first, second = (Image.fromarray(make_page([n], seed=9 + i).image[:, :, ::-1]) for i, n in enumerate(["42", "7070"]))
    first.save(root / "scan.tif", save_all=True, append_images=[second])
    first.save(root / "scan.pdf", save_all=True, append_images=[second], resolution=150)
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


def test_every_page_of_every_file_is_read_and_a_bad_file_is_recorded(pile, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(pile), "--out", str(out), "--workers", "1", "--no-progress"]) == 1  # one failed
    records = _records(out)
    pages = sorted((Path(r["source"]).name, r["page"]) for r in records)
    assert pages == sorted([("page_000.jpg", 1), ("page_001.jpg", 1), ("page_005.jpg", 1), ("scan.tif", 1),
                            ("scan.tif", 2), ("scan.pdf", 1), ("scan.pdf", 2), ("broken.png", 1)])
    by_page = {(Path(r["source"]).name, r["page"]): r for r in records}
    assert [line["text"] for line in by_page[("scan.tif", 2)]["lines"]] == ["7070"]
    assert [line["text"] for line in by_page[("scan.pdf", 1)]["lines"]] == ["42"]
    assert "not an image" in by_page[("broken.png", 1)]["error"]
    table = read_table(out)
    assert len(table) == len(records)
    assert {row["numbers"] for row in table if row["source"].endswith("scan.tif")} == {"42", "7070"}
    assert "1 failed" in capsys.readouterr().out


def test_review_lists_the_doubtful_pages(pile, tmp_path):
    out = tmp_path / "out"
    run_batch([str(pile / "a")], BatchOptions(out=out, workers=1, review_below=1.01), progress=False)
    review = read_table(out, "review.csv")
    assert len(review) == 3 and all("confidence" in row["reason"] for row in review)
    # Each row names the digits under the bar, with their boxes: with a bar
    # between a page's least and most sure digits, some of them, not all.
    page = max(_records(out), key=lambda r: len({d["confidence"] for d in r["digits"]}))
    confidences = sorted(d["confidence"] for d in page["digits"])
    assert confidences[0] < confidences[-1]
    bar = (confidences[0] + confidences[-1]) / 2
    run_batch([str(pile / "a")], BatchOptions(out=out, workers=1, review_below=bar, force=True), progress=False)
    row = next(r for r in read_table(out, "review.csv") if (r["source"], int(r["page"])) == (page["source"], page["page"]))
    under = [d for d in page["digits"] if d["confidence"] < bar]
    assert 0 < len(under) < len(page["digits"])
    assert row["doubtful"].split("; ") == [
        f"{d['label']} ({d['confidence']:.2f}) at {','.join(map(str, d['box']))}" for d in under]
    run_batch([str(pile / "a")], BatchOptions(out=out, workers=1, review_below=0.0, force=True), progress=False)
    assert read_table(out, "review.csv") == []


def test_resume_skips_what_is_done_and_drops_a_half_written_line(pile, tmp_path):
    out = tmp_path / "out"
    options = BatchOptions(out=out, workers=1)
    first = run_batch([str(pile)], options, progress=False)
    lines = (out / "results.jsonl").read_text().splitlines(keepends=True)
    (out / "results.jsonl").write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])  # a crash mid-write
    second = run_batch([str(pile)], options, progress=False)
    assert second.skipped == 3 and second.pages == first.pages - 3 + 0  # the broken file is tried again
    records = _records(out)
    assert len(records) == first.pages == len({(r["source"], r["page"]) for r in records})
    assert len(read_table(out)) == len(records)
    assert run_batch([str(pile)], options, progress=False).pages == 1  # only the failed page again
    assert run_batch([str(pile)], BatchOptions(out=out, workers=1, force=True), progress=False).pages == first.pages


def test_killed_mid_batch_then_rerun_finishes_with_every_page_once(tmp_path):
    _pages(tmp_path / "in", 24)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "recognizer", "batch", str(tmp_path / "in"), "--out", str(out),
               "--workers", "1", "--no-progress"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not results.is_file() or results.read_text().count("\n") < 5):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done_before = results.read_text().count("\n")
    assert 5 <= done_before < 24, "the batch should have been killed part way"
    assert subprocess.run(command, cwd=ROOT, capture_output=True).returncode == 0
    records = _records(out)
    assert len(records) == 24 == len({r["source"] for r in records})


def test_a_process_pool_gives_the_same_results(pile, tmp_path):
    one = tmp_path / "one"
    two = tmp_path / "two"
    run_batch([str(pile)], BatchOptions(out=one, workers=1), progress=False)
    run_batch([str(pile)], BatchOptions(out=two, workers=2), progress=False)
    key = lambda r: (r["source"], r["page"])  # noqa: E731
    assert sorted(_records(one), key=key) == sorted(_records(two), key=key)


def test_dask_cluster_gives_the_same_results_as_the_local_run(pile, tmp_path):
    distributed = pytest.importorskip("distributed", reason="Dask is needed (pip install -e '.[dev]')")
    local = tmp_path / "local"
    run_batch([str(pile)], BatchOptions(out=local, workers=1), progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = tmp_path / "dask"
        summary = run_batch([str(pile)], BatchOptions(out=remote, scheduler=cluster.scheduler_address), progress=False)
    assert summary.pages == len(_records(local))
    key = lambda r: (r["source"], r["page"])  # noqa: E731
    assert sorted(_records(local), key=key) == sorted(_records(remote), key=key)


# ----------------------------------------------------------------------------
# Form templates
# ----------------------------------------------------------------------------
FIELDS = {"date": [120, 90, 260, 70], "amount": [120, 260, 200, 70]}


def _filled(form: np.ndarray, values: dict[str, str]) -> np.ndarray:
    page = form.astype(np.float32)
    rng = np.random.default_rng(4)
    for name, text in values.items():
        x, y, w, h = FIELDS[name]
        cursor = x + 14
        for ch in text:
            glyph = render_digit(int(ch), 44, rng, pen=0.1)
            gy = y + (h - glyph.shape[0]) // 2
            page[gy : gy + glyph.shape[0], cursor : cursor + glyph.shape[1]] -= 190 * glyph
            cursor += glyph.shape[1] + 12
    page = np.clip(page, 0, 255).astype(np.uint8)
    return cv2.warpAffine(page, _fed_in(), (760, 520), borderValue=245)


def _fed_in() -> np.ndarray:
    """How ``_filled`` feeds a page in: turned 1.5 degrees and shifted by (18, -11)."""
    skew = cv2.getRotationMatrix2D((380, 260), 1.5, 1.0)
    skew[:, 2] += (18, -11)
    return skew


def _read_a_filled_form(tmp_path: Path, scan: str, scale: int = 1, *options: str) -> tuple[Path, Path]:
    """The blank form as a template's reference scan, and one page of it filled
    in (date 2024, amount 305, ``scale`` times as large) read by ``recognizer
    batch`` with that template; returns the template and the output folder."""
    form = blank_form(FIELDS)
    cv2.imwrite(str(tmp_path / "blank.png"), form)
    template = tmp_path / "form.json"
    template.write_text(json.dumps({"reference": "blank.png", "fields": FIELDS}))
    scans = tmp_path / "scans"
    scans.mkdir()
    page = _filled(form, {"date": "2024", "amount": "305"})
    if scale != 1:
        page = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(scans / scan), page)
    out = tmp_path / "out"
    assert main(["batch", str(scans), "--out", str(out), "--template", str(template), "--workers", "1",
                 "--no-progress", *options]) == 0
    return template, out


def test_template_fields_are_read_after_aligning_the_page(tmp_path, capsys):
    template, out = _read_a_filled_form(tmp_path, "filled.png")
    row = read_table(out)[0]
    assert (row["date"], row["amount"]) == ("2024", "305")
    assert _records(out)[0]["aligned"] is True
    assert main(["template", str(template)]) == 0
    assert (tmp_path / "form_regions.png").is_file()


def test_a_template_is_checked_on_a_filled_scan_aligned_and_read(tmp_path, capsys):
    template, _ = _read_a_filled_form(tmp_path, "filled.png")
    capsys.readouterr()
    drawn = tmp_path / "check.png"
    assert main(["template", str(template), "--image", str(tmp_path / "scans" / "filled.png"), "-o", str(drawn)]) == 0
    printed = capsys.readouterr().out
    assert "date: 2024" in printed and "amount: 305" in printed
    # The date field is outlined where it lies on the scan (turned 1.5 degrees and
    # shifted by (18, -11)), not where the reference has it.
    picture = cv2.imread(str(drawn))
    assert _outlined_at(picture, FIELDS["date"][:2])
    outline = cv2.inRange(picture, (0, 80, 245), (10, 100, 255))
    assert not outline[FIELDS["date"][1], FIELDS["date"][0] : FIELDS["date"][0] + 10].any()


def test_a_scan_of_another_form_is_reported_as_not_aligned(tmp_path, capsys):
    template, _ = _read_a_filled_form(tmp_path, "filled.png")
    other = np.full((520, 760), 245, np.uint8)
    cv2.putText(other, "SOMETHING ELSE ENTIRELY", (40, 260), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2)
    cv2.imwrite(str(tmp_path / "other.png"), other)
    capsys.readouterr()
    assert main(["template", str(template), "--image", str(tmp_path / "other.png")]) == 1
    assert "could not be aligned" in capsys.readouterr().err


def test_a_pdf_reference_and_pdf_scans_are_aligned_and_read(tmp_path, capsys):
    """The blank form as a one-page PDF (rendered at the template's "dpi") and
    the filled forms as pages of another PDF: checked page by page with
    ``recognizer template --page``, and read by ``batch`` field by field."""
    form = blank_form(FIELDS)
    Image.fromarray(form).save(tmp_path / "blank.pdf", resolution=100)
    template = tmp_path / "form.json"
    template.write_text(json.dumps({"reference": "blank.pdf", "dpi": 100, "fields": FIELDS}))
    pages = [Image.fromarray(_filled(form, values)) for values in
             ({"date": "2024", "amount": "305"}, {"date": "1999", "amount": "42"})]
    pages[0].save(tmp_path / "filled.pdf", save_all=True, append_images=pages[1:], resolution=100)
    capsys.readouterr()
    assert main(["template", str(template), "--image", str(tmp_path / "filled.pdf"), "--page", "2",
                 "--dpi", "100", "-o", str(tmp_path / "check.png")]) == 0
    printed = capsys.readouterr().out
    assert "date: 1999" in printed and "amount: 42" in printed
    assert main(["template", str(template), "--image", str(tmp_path / "filled.pdf"), "--page", "3"]) == 1
    assert "filled.pdf: has 2 pages, no page 3" in capsys.readouterr().err
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "filled.pdf"), "--out", str(out), "--template", str(template),
                 "--dpi", "100", "--workers", "1", "--no-progress"]) == 0
    assert [(row["page"], row["date"], row["amount"]) for row in read_table(out)] == [("1", "2024", "305"),
                                                                                    ("2", "1999", "42")]


def test_pages_fed_in_sideways_or_upside_down_are_read_upright(tmp_path, capsys):
    """A feeder takes pages in any way round. Registration finds each page
    turned, and its digits are read upright: upside down, 1969 would read
    6961 and 305 as 50E."""
    form = blank_form(FIELDS)
    cv2.imwrite(str(tmp_path / "blank.png"), form)
    template = tmp_path / "form.json"
    template.write_text(json.dumps({"reference": "blank.png", "fields": FIELDS}))
    page = _filled(form, {"date": "1969", "amount": "305"})
    scans = tmp_path / "scans"
    scans.mkdir()
    fed = {"upright": None, "quarter": cv2.ROTATE_90_CLOCKWISE, "half": cv2.ROTATE_180,
           "three_quarters": cv2.ROTATE_90_COUNTERCLOCKWISE}
    for name, code in fed.items():
        cv2.imwrite(str(scans / f"{name}.png"), page if code is None else cv2.rotate(page, code))
    out = tmp_path / "out"
    assert main(["batch", str(scans), "--out", str(out), "--template", str(template), "--workers", "1",
                 "--no-progress"]) == 0
    records = {Path(r["source"]).stem: r for r in _records(out)}
    turned_back = {"upright": 0, "quarter": 270, "half": 180, "three_quarters": 90}
    for name, record in records.items():
        assert record["fields"] == {"date": "1969", "amount": "305"}, name
        assert record["turned"] == turned_back[name]
        assert (record["width"], record["height"]) == cv2.imread(str(scans / f"{name}.png")).shape[1::-1]
    capsys.readouterr()
    assert main(["template", str(template), "--image", str(scans / "half.png"), "-o", str(tmp_path / "c.png")]) == 0
    printed = capsys.readouterr().out
    assert "turning it 180 degrees" in printed and "date: 1969" in printed and "amount: 305" in printed


def test_a_bad_template_is_one_clear_error(tmp_path, capsys):
    template = tmp_path / "form.json"
    template.write_text(json.dumps({"fields": {"date": [1, 2, 3]}}))
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--template", str(template)]) == 1
    assert "field 'date' must be [x, y, w, h]" in capsys.readouterr().err
    template.write_text(json.dumps({"fields": {"date": [1, 2, 3, 4]}, "dpi": "high"}))
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--template", str(template)]) == 1
    assert "'dpi' must be a whole number" in capsys.readouterr().err


def test_a_600_dpi_jpeg_is_read_from_a_reduced_decode_in_its_own_pixels(tmp_path):
    """A scan six times the reference's size (4560x3120) decodes at half size;
    the page's boxes and its alignment to the reference are still in the
    file's pixels."""
    _, out = _read_a_filled_form(tmp_path, "filled.jpg", 6, "--annotate")
    row = read_table(out)[0]
    assert (row["date"], row["amount"]) == ("2024", "305")
    record = _records(out)[0]
    assert (record["width"], record["height"]) == (4560, 3120)
    x, y, w, h = record["digits"][0]["box"]  # the 2 of "2024", near the date field's left, 6x
    assert 6 * FIELDS["date"][0] < x < 6 * (FIELDS["date"][0] + 60) and h > 6 * 30
    drawn = cv2.imread(record["annotated"])
    assert drawn.shape[:2] == (1560, 2280)  # drawn on the copy read
    # The date field is outlined where it lies on that copy: turned and shifted
    # as the page was fed in, then 6x larger in the file, read at half size.
    assert _outlined_at(drawn, FIELDS["date"][:2], scale=3)


def _outlined_at(drawn: np.ndarray, corner: list[int], scale: float = 1.0) -> bool:
    """Whether a field's outline passes within 2 px of where the reference's
    ``corner`` lies on a page fed in as ``_filled`` feeds it, ``scale`` times as large."""
    skew = _fed_in()
    x, y = ((np.float32(corner) @ skew[:, :2].T + skew[:, 2]) * scale).round().astype(int)
    outline = cv2.inRange(drawn, (0, 80, 245), (10, 100, 255))  # FIELD_COLOUR
    return bool(outline[y - 2 : y + 3, x - 2 : x + 3].any())
