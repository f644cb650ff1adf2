import cv2
import numpy as np
import pytest

from conftest import iou, touching_pair
from recognizer.detect import detect, is_dark_ink
from recognizer.errors import RecognizerError
from recognizer.synthetic import make_page


def _recall(found, truth):
    return sum(any(iou(t, f) >= 0.5 for f in found) for t in truth) / len(truth)


@pytest.mark.parametrize("seed", range(4))
def test_finds_every_digit_on_a_shaded_noisy_sheet(seed):
    page = make_page(seed=seed)
    detection = detect(page.image)
    found = [c.box.scaled(detection.scale) for c in detection.candidates]
    assert _recall(found, page.boxes) == 1.0
    assert len(found) == len(page.boxes)


def test_light_chalk_on_a_dark_board():
    page = make_page(["2025", "314"], seed=5, light_on_dark=True)
    assert not is_dark_ink(cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY))
    detection = detect(page.image)
    assert not detection.dark_ink
    assert _recall([c.box for c in detection.candidates], page.boxes) == 1.0


def test_large_photo_is_detected_at_working_scale_and_mapped_back():
    page = make_page(["4096", "17"], size=(4000, 3000), seed=2)
    detection = detect(page.image)
    assert detection.scale == pytest.approx(2.0)
    found = [c.box.scaled(detection.scale) for c in detection.candidates]
    assert _recall(found, page.boxes) == 1.0


def test_rules_page_edges_specks_and_faint_marks_are_not_candidates():
    page = make_page(["58"], seed=7, size=(640, 480))
    image = page.image.copy()
    cv2.line(image, (0, 400), (639, 400), (60, 60, 60), 3)  # a ruled line
    cv2.rectangle(image, (0, 0), (639, 479), (30, 30, 30), 6)  # the page edge
    for x, y in [(50, 50), (600, 300), (320, 440)]:
        cv2.circle(image, (x, y), 1, (40, 40, 40), -1)  # specks
    cv2.putText(image, "faint 123", (30, 460), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (200, 200, 200), 1)  # bleed-through
    detection = detect(image)
    boxes = [c.box for c in detection.candidates]
    assert len(boxes) == 2
    assert _recall(boxes, page.boxes) == 1.0


def test_blank_images_are_refused():
    for value in (0, 255):
        with pytest.raises(RecognizerError, match="blank"):
            detect(np.full((200, 300, 3), value, np.uint8), "blank.png")


def test_two_touching_digits_get_a_proposed_cut():
    image, (left, right) = touching_pair()
    assert cv2.connectedComponents((image < 140).astype(np.uint8))[0] == 2  # background + one mark
    detection = detect(image)
    assert len(detection.candidates) == 1
    cut = detection.candidates[0].parts
    assert len(cut) == 2
    assert cut[0].box.x == left and cut[1].box.right == right


def test_rules_go_but_a_stroke_crossing_them_stays_whole():
    from recognizer.detect import remove_lines

    mask = np.zeros((300, 600), np.uint8)
    cv2.line(mask, (0, 150), (599, 158), 1, 2)  # a slightly tilted rule
    cv2.line(mask, (300, 100), (305, 200), 1, 4)  # a stroke crossing it
    cleaned = remove_lines(mask, digit_height=60)
    assert cleaned[150:160, :200].sum() == 0 and cleaned[150:160, 400:].sum() == 0  # the rule is gone
    count, labels = cv2.connectedComponents(cleaned)
    assert count == 2  # the stroke is one piece, bridged across the rule
    assert cleaned[100:200, 295:312].sum() >= 0.9 * mask[100:200, 295:312].sum() - 20


def test_a_sheet_on_a_darker_desk_filling_most_of_the_frame_is_dark_ink():
    page = make_page(["42", "7"], size=(300, 480), seed=3)
    desk = np.full((480, 900, 3), 70, np.uint8)
    desk[:, 300:600] = page.image  # the sheet covers a third of the frame
    assert is_dark_ink(cv2.cvtColor(desk, cv2.COLOR_BGR2GRAY))
    detection = detect(desk)
    assert detection.dark_ink and len(detection.candidates) == 3


def test_a_mark_cut_off_by_a_large_pictures_edge_is_dropped_but_a_tight_crop_is_read(recognizer):
    from recognizer.synthetic import render_digit

    glyph = render_digit(3, 60, np.random.default_rng(1), pen=0.1)
    page = np.full((480, 640), 225.0)
    page[100 : 100 + glyph.shape[0], 200 : 200 + glyph.shape[1]] -= 170 * glyph
    page[300 : 300 + glyph.shape[0], 0 : glyph.shape[1] - 10] -= 170 * glyph[:, 10:]  # runs off the left edge
    found = detect(np.clip(page, 0, 255).astype(np.uint8)).candidates
    assert [c.box.x for c in found] == [200]
    tight = np.clip(255 - 200 * glyph, 0, 255).astype(np.uint8)  # the digit fills the image
    assert recognizer.read_array(tight).numbers == ["3"]
