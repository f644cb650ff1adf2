import struct
import zlib

import cv2
import numpy as np
import pytest

from recognizer.errors import RecognizerError
from recognizer.sources import load_image, resolve_inputs


def _write(path, image):
    assert cv2.imwrite(str(path), image)
    return path


@pytest.fixture
def folder(tmp_path):
    image = np.full((40, 60, 3), 200, np.uint8)
    _write(tmp_path / "b.png", image)
    _write(tmp_path / "a.jpg", image)
    (tmp_path / "notes.md").write_text("not an image")
    return tmp_path


def test_folder_gives_its_images_sorted(folder):
    paths = [item.path for item in resolve_inputs([str(folder)])]
    assert [p.split("/")[-1] for p in paths] == ["a.jpg", "b.png"]


def test_glob_and_list_file(folder):
    assert [i.path.split("/")[-1] for i in resolve_inputs([str(folder / "*.png")])] == ["b.png"]
    listing = folder / "inputs.txt"
    listing.write_text("# scans\na.jpg\n\nb.png  # second\n")
    items = list(resolve_inputs([str(listing)]))
    assert [i.path.split("/")[-1] for i in items] == ["a.jpg", "b.png"]
    assert all(i.error is None for i in items)


def test_missing_and_empty_specs_become_errors_not_exceptions(tmp_path):
    (tmp_path / "empty").mkdir()
    items = list(resolve_inputs([str(tmp_path / "nope.jpg"), str(tmp_path / "empty"), str(tmp_path / "*.gif")]))
    assert [i.error for i in items] == [
        "no such file or folder",
        "folder holds no image files",
        "pattern matches no image files",
    ]


def test_a_video_or_a_camera_index_points_to_the_webcam_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    items = list(resolve_inputs(["clip.mp4", "0"]))
    assert [i.error for i in items] == [
        "is a video: read it with `recognizer webcam --source clip.mp4`",
        "no such file or folder (for camera 0: `recognizer webcam --source 0`)",
    ]


def test_loads_colour_and_grey(tmp_path):
    colour = load_image(_write(tmp_path / "c.png", np.full((20, 30, 3), (10, 20, 30), np.uint8)))
    assert colour.shape == (20, 30, 3) and tuple(colour[0, 0]) == (10, 20, 30)  # BGR kept
    grey = load_image(_write(tmp_path / "g.png", np.full((20, 30), 77, np.uint8)))
    assert grey.shape == (20, 30) and grey[0, 0] == 77


def test_transparent_background_becomes_white_paper(tmp_path):
    rgba = np.zeros((20, 20, 4), np.uint8)  # fully transparent black...
    rgba[5:15, 9:11] = (0, 0, 0, 255)  # ...with an opaque black stroke
    image = load_image(_write(tmp_path / "t.png", rgba))
    assert image[0, 0].tolist() == [255, 255, 255]
    assert image[10, 10].tolist() == [0, 0, 0]


def test_white_strokes_on_a_transparent_background_are_laid_on_black(tmp_path):
    """A drawing canvas exported with white strokes: on white paper they would vanish."""
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[5:15, 9:11] = (255, 255, 255, 255)
    image = load_image(_write(tmp_path / "w.png", rgba))
    assert image[0, 0].tolist() == [0, 0, 0]
    assert image[10, 10].tolist() == [255, 255, 255]


def test_sixteen_bit_scan_is_scaled_to_eight_bits(tmp_path):
    data = np.full((20, 20), 1000, np.uint16)
    data[5:15, 5:15] = 60000
    image = load_image(_write(tmp_path / "s.png", data))
    assert image.dtype == np.uint8 and image.max() == 255 and image.min() == 0


def _png_header_only(path, width, height):
    """A PNG that claims ``width`` x ``height`` without holding the pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n"
    for kind, body in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(b"\x00" * 64)), (b"IEND", b"")):
        data += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("just some text, not a picture"), "not an image"),
        (lambda p: _png_header_only(p, 30000, 30000), "over the 100 MP limit"),
        (lambda p: cv2.imwrite(str(p), np.zeros((1, 1), np.uint8)), "too small"),
    ],
    ids=["zero-bytes", "text-named-png", "30000x30000", "1x1"],
)
def test_bad_files_raise_one_clear_error(tmp_path, make, expected):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(RecognizerError) as info:
        load_image(path)
    assert expected in info.value.message
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_truncated_jpeg_is_refused(tmp_path):
    ok, data = cv2.imencode(".jpg", (np.random.default_rng(0).random((200, 200)) * 255).astype(np.uint8))
    path = tmp_path / "cut.jpg"
    path.write_bytes(data.tobytes()[: len(data) // 2])
    with pytest.raises(RecognizerError, match="truncated"):
        load_image(path)


def test_a_large_jpeg_is_decoded_reduced_and_knows_its_own_size(tmp_path):
    from recognizer.sources import decode_image

    image = np.full((2400, 4200, 3), 230, np.uint8)
    cv2.rectangle(image, (1000, 800), (1400, 1600), (20, 20, 20), -1)
    path = _write(tmp_path / "big.jpg", image)
    decoded = decode_image(path, min_side=2000)
    assert (decoded.width, decoded.height) == (4200, 2400)
    assert decoded.image.shape[:2] == (1200, 2100) and decoded.reduced  # half: its longer side stays >= 2000
    assert decoded.image[400:800, 500:700].mean() < 40  # the same picture, at half scale
    assert decode_image(path, min_side=2200).image.shape[:2] == (2400, 4200)  # half would be under 2200
    assert load_image(path).shape[:2] == (2400, 4200)  # whole unless asked
    png = decode_image(_write(tmp_path / "big.png", image), min_side=2000)
    assert png.image.shape[:2] == (2400, 4200) and not png.reduced  # only JPEG decodes reduced


def test_a_reduced_decode_of_a_rotated_photo_swaps_its_sides_too(tmp_path):
    from PIL import Image

    from recognizer.sources import decode_image

    pixels = np.full((2400, 4200, 3), 230, np.uint8)
    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation: turn 90 degrees to view
    Image.fromarray(pixels).save(path, exif=exif)
    decoded = decode_image(path, min_side=2000)
    assert (decoded.width, decoded.height) == (2400, 4200)
    assert decoded.image.shape[:2] == (2100, 1200)


def test_an_iphone_photo_in_heic_is_read(tmp_path, capsys):
    """HEIC, an iPhone's own format, decodes as any photo does (turned upright
    by the file's own rotation, which libheif applies), and the CLI reads the
    digits in it. Written with pillow-heif's own API, so that only the
    reader's decoding teaches Pillow the format."""
    import json

    import pillow_heif
    from PIL import Image

    from recognizer.cli import main
    from recognizer.sources import decode_image
    from recognizer.synthetic import make_page

    page = make_page(["2718", "3141"], seed=5)
    path = tmp_path / "IMG_0001.HEIC"
    pillow_heif.from_pillow(Image.fromarray(cv2.cvtColor(page.image, cv2.COLOR_BGR2RGB))).save(path, quality=95)
    decoded = decode_image(path)
    assert (decoded.height, decoded.width) == page.image.shape[:2]
    assert np.abs(decoded.image.astype(int) - page.image).mean() < 8
    assert main(["read", str(path), "--no-save", "--format", "jsonl"]) == 0
    assert [line["text"] for line in json.loads(capsys.readouterr().out)["lines"]] == page.numbers
