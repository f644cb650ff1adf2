"""The command line through main(argv), as a user would call it."""

import json
import subprocess
import sys

import cv2
import pytest

from conftest import ROOT
from recognizer.cli import main
from recognizer.synthetic import make_page


@pytest.fixture
def photo(tmp_path):
    page = make_page(["2025", "314"], seed=8)
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), page.image)
    return path, page


def test_read_prints_the_numbers_and_saves_an_annotated_copy(photo, tmp_path, capsys):
    path, page = photo
    out = tmp_path / "out"
    assert main(["read", str(path), "--output", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "2025" in stdout and "314" in stdout
    saved = list(out.glob("*.png"))
    assert len(saved) == 1 and saved[0] != path
    assert cv2.imread(str(saved[0])).shape == page.image.shape


def test_jsonl_contract(photo, tmp_path, capsys):
    path, page = photo
    assert main(["read", str(path), "--format", "jsonl", "--no-save"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {"source", "page", "width", "height", "digits", "lines", "error", "rejected"}
    assert record["source"] == str(path) and record["page"] == 1 and record["error"] is None
    assert (record["width"], record["height"]) == (640, 480)
    assert [line["text"] for line in record["lines"]] == ["2025", "314"]
    assert [d["label"] for d in record["digits"]] == [2, 0, 2, 5, 3, 1, 4]
    for digit in record["digits"]:
        assert set(digit) == {"label", "confidence", "box"}
        x, y, w, h = digit["box"]
        assert 0 <= x and 0 <= y and x + w <= 640 and y + h <= 480
        assert 0.0 <= digit["confidence"] <= 1.0


def test_turn_reads_a_page_lying_sideways_or_upside_down(photo, tmp_path, capsys):
    """--turn stands the pages up before reading; the boxes stay on the file."""
    _, page = photo
    sideways = tmp_path / "sideways.png"  # turned a quarter anticlockwise: a quarter clockwise stands it up
    cv2.imwrite(str(sideways), cv2.rotate(page.image, cv2.ROTATE_90_COUNTERCLOCKWISE))
    assert main(["read", str(sideways), "--turn", "270", "--format", "jsonl", "--no-save"]) == 0
    assert json.loads(capsys.readouterr().out)["lines"][0]["text"] != "2025"  # turned the wrong way
    assert main(["read", str(sideways), "--turn", "90", "--format", "jsonl", "--no-save"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [line["text"] for line in record["lines"]] == ["2025", "314"]
    assert (record["width"], record["height"]) == page.image.shape[:2]  # the file's own size, turned
    x, y, w, h = record["digits"][0]["box"]  # the 2 of 2025, on the sideways file: tall boxes become wide
    truth = page.boxes[0]
    assert abs(w - truth.h) <= 3 and abs(h - truth.w) <= 3 and abs(x - truth.y) <= 3
    out = tmp_path / "out"
    assert main(["batch", str(sideways), "--out", str(out), "--turn", "90", "--workers", "1",
                 "--no-progress"]) == 0
    assert (out / "results.csv").read_text().splitlines()[1].split(",")[2] == "2025 314"
    assert main(["read", str(sideways), "--turn", "45"]) == 2


def test_every_page_of_a_tiff_or_pdf_is_read_and_named(tmp_path, capsys):
    from PIL import Image

    first, second = (Image.fromarray(make_page([n], seed=9 + i).image[:, :, ::-1]) for i, n in enumerate(["42", "7070"]))
    first.save(tmp_path / "scan.tif", save_all=True, append_images=[second])
    first.save(tmp_path / "scan.pdf", save_all=True, append_images=[second], resolution=150)
    (tmp_path / "torn.pdf").write_bytes(b"%PDF-1.4 torn off here")
    out = tmp_path / "out"
    assert main(["read", str(tmp_path), "--output", str(out)]) == 1  # the torn PDF
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [str(tmp_path / name) + f" page {page}"
                                                     for name in ("scan.pdf", "scan.tif") for page in (1, 2)]
    assert [line.split(": ", 1)[1].split("  ->")[0].split(" (")[0] for line in lines] == ["2 digits: 42",
                                                                                         "4 digits: 7070"] * 2
    assert sorted(p.name for p in out.iterdir()) == ["scan_p1_read.png", "scan_p1_read_2.png",
                                                     "scan_p2_read.png", "scan_p2_read_2.png"]
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and "torn.pdf" in errors[0] and "Traceback" not in errors[0]

    assert main(["read", str(tmp_path / "scan.tif"), "--format", "jsonl", "--no-save"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [(r["page"], [line["text"] for line in r["lines"]]) for r in records] == [(1, ["42"]), (2, ["7070"])]


def test_bad_inputs_are_one_line_each_and_good_ones_still_read(photo, tmp_path, capsys):
    path, _ = photo
    (tmp_path / "fake.png").write_text("hello")
    (tmp_path / "empty.jpg").write_bytes(b"")
    data = path.read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    white = tmp_path / "white.png"
    cv2.imwrite(str(white), 255 + 0 * make_page(["1"]).image)
    inputs = [str(tmp_path / "missing.jpg"), str(tmp_path / "fake.png"), str(tmp_path / "empty.jpg"),
              str(tmp_path / "cut.jpg"), str(white), str(path)]
    code = main(["read", *inputs, "--format", "jsonl", "--no-save"])
    captured = capsys.readouterr()
    assert code == 1
    records = [json.loads(line) for line in captured.out.strip().splitlines()]
    assert len(records) == len(inputs)
    assert all(r["error"] for r in records[:-1]) and records[-1]["error"] is None
    assert all(r["digits"] == [] and r["lines"] == [] and r["rejected"] == [] for r in records[:-1])
    assert [line["text"] for line in records[-1]["lines"]] == ["2025", "314"]
    errors = captured.err.strip().splitlines()
    assert len(errors) == 5
    for line, name in zip(errors, ["missing.jpg", "fake.png", "empty.jpg", "cut.jpg", "white.png"]):
        assert name in line and "Traceback" not in line


def test_missing_or_corrupt_model_is_a_clear_error(photo, tmp_path, capsys):
    path, _ = photo
    assert main(["read", str(path), "--model", str(tmp_path / "nope")]) == 1
    assert "model not found" in capsys.readouterr().err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.json").write_text("{}")
    (broken / "model.h5").write_bytes(b"\x00" * 100)
    assert main(["read", str(path), "--model", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "model.json" in err and len(err.strip().splitlines()) == 1


def test_load_model_shim_and_module_entry_point(photo, tmp_path):
    path, _ = photo
    for command in ([sys.executable, str(ROOT / "load_model.py")], [sys.executable, "-m", "recognizer", "read"]):
        result = subprocess.run([*command, str(path), "-o", str(tmp_path / "o")],
                                capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "2025" in result.stdout


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["read"]) == 2
    assert main(["read", "x.png", "--format", "xml"]) == 2
