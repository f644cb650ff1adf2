"""The whole pipeline with the shipped model, on synthetic pages."""

import inspect

import cv2
import numpy as np
import pytest

from conftest import iou, overlapping_pair, tilted_page, touching_pair, two_on_a_rule
from recognizer import page as page_module
from recognizer import pipeline as pipeline_module
from recognizer.pipeline import Recognizer
from recognizer.synthetic import make_page
from recognizer.types import Box, Digit, Line, Reading


class CountingClassifier:
    """Wraps a classifier and counts inference calls."""

    def __init__(self, inner):
        self.inner, self.calls, self.sizes = inner, 0, []

    def predict(self, digits):
        self.calls += 1
        self.sizes.append(len(digits))
        return self.inner.predict(digits)


def test_one_batched_inference_call_per_image(recognizer):
    counting = CountingClassifier(recognizer.classifier)
    page = make_page(["12345", "67890", "2468", "13579"], seed=11)
    reading = Recognizer(counting).read_array(page.image)
    assert counting.calls == 1
    assert counting.sizes[0] >= len(page.boxes)
    assert len(reading.digits) == len(page.boxes)


@pytest.mark.parametrize("light_on_dark", [False, True])
def test_reads_synthetic_pages(recognizer, light_on_dark):
    right = total = exact = 0
    for seed in range(10):
        page = make_page(seed=seed, light_on_dark=light_on_dark)
        reading = recognizer.read_array(page.image)
        exact += reading.numbers == page.numbers
        for truth_box, label in zip(page.boxes, page.labels):
            total += 1
            right += any(iou(d.box, truth_box) >= 0.5 and d.label == label for d in reading.digits)
    assert right / total >= 0.9, f"{right}/{total} digits read right"
    assert exact >= 6, f"only {exact}/10 pages read exactly"


def test_boxes_are_in_original_pixels_and_in_reading_order(recognizer):
    page = make_page(["31", "4"], size=(3000, 2200), seed=4)
    reading = recognizer.read_array(page.image)
    assert (reading.width, reading.height) == (3000, 2200)
    assert len(reading.digits) == 3
    for digit, truth in zip(reading.digits, page.boxes):
        assert iou(digit.box, truth) >= 0.7


@pytest.mark.parametrize("code", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_a_turned_page_is_read_upright_with_boxes_on_the_file(recognizer, code):
    """A page lying turned (a quarter, a half, three quarters clockwise), read
    with the turns that stand it upright again, reads as the upright page, and
    its boxes lie on the digits of the turned image as given."""
    page = make_page(["31", "4075"], seed=4)
    turned = cv2.rotate(page.image, code)
    turns_made = {cv2.ROTATE_90_CLOCKWISE: 1, cv2.ROTATE_180: 2, cv2.ROTATE_90_COUNTERCLOCKWISE: 3}[code]
    reading = recognizer.read_array(turned, turns=4 - turns_made)
    assert reading.numbers == page.numbers
    assert (reading.width, reading.height) == turned.shape[1::-1]
    # Where each true box lies on the turned image: the box drawn, turned alike.
    for digit, truth in zip(reading.digits, page.boxes):
        drawn = np.zeros(page.image.shape[:2], np.uint8)
        drawn[truth.y : truth.bottom, truth.x : truth.right] = 1
        assert iou(digit.box, cv2.boundingRect(cv2.rotate(drawn, code))) >= 0.7


def test_blank_image_is_an_error_reading(recognizer):
    reading = recognizer.read_array(np.full((100, 100), 255, np.uint8), "white.png")
    assert reading.error and "blank" in reading.error
    assert reading.digits == [] and reading.lines == []


def test_touching_digits_are_read_as_two(recognizer):
    image, _ = touching_pair(4, 7)
    assert recognizer.read_array(image).numbers == ["47"]


@pytest.mark.parametrize("first, second, overlap, seed", [(4, 4, 8, 0), (7, 7, 4, 1), (8, 6, 8, 2), (0, 3, 8, 2)])
def test_digits_running_into_each_other_are_read_as_two(recognizer, first, second, overlap, seed):
    """Each pair is one mark, which the model reads whole as one digit, and
    surely (a "44" as a 4): cut apart, it reads as the two."""
    image = overlapping_pair(first, second, overlap, seed)
    assert cv2.connectedComponents((image < 140).astype(np.uint8))[0] == 2  # background + one mark
    assert recognizer.read_array(image).numbers == [f"{first}{second}"]


@pytest.mark.parametrize("first, second, overlap, seed", [(9, 0, 6, 2), (3, 7, 6, 3), (4, 0, 6, 25)])
def test_a_pair_whose_thinnest_join_sheds_only_a_flourish_is_cut_further_on(recognizer, first, second, overlap, seed):
    """The line crossing the least ink cuts off a stroke's end too short to be
    a digit; the next lines, crossing about as little, part the two digits."""
    image = overlapping_pair(first, second, overlap, seed)
    assert cv2.connectedComponents((image < 140).astype(np.uint8))[0] == 2  # background + one mark
    assert recognizer.read_array(image).numbers == [f"{first}{second}"]


class WholeOrPieces:
    """Reads a crop wider than tall (a mark read whole) as ``whole_label``
    (4, or 10: not a digit) with confidence ``whole``, and a taller one (a
    piece of its proposed cut) as a 1 at 0.95: a whole digit that its cut
    splits into two likely strokes."""

    def __init__(self, whole: float, whole_label: int = 4):
        self.whole, self.whole_label = whole, whole_label

    def predict(self, digits):
        probabilities = np.zeros((len(digits), 11), np.float32)
        for row, digit in zip(probabilities, digits):
            ys, xs = np.nonzero(digit > 0.1)
            label, sure = (self.whole_label, self.whole) if np.ptp(xs) > np.ptp(ys) else (1, 0.95)
            row[:] = (1.0 - sure) / 10
            row[label] = sure
        return probabilities


@pytest.mark.parametrize("whole, numbers", [(1.0, ["4"]), (0.9, ["11"])])
def test_a_cut_is_kept_only_when_its_pieces_read_as_surely_as_the_whole(whole, numbers):
    """Measured on forms: a 6 read whole at 1.00 was cut into a "1" and a "0"
    read at 0.94 and 0.95, and the cut was kept."""
    image, _ = touching_pair(4, 7)
    assert Recognizer(WholeOrPieces(whole)).read_array(image).numbers == numbers


@pytest.mark.parametrize("rejected, numbers", [(0.9, ["11"]), (0.97, [])])
def test_a_mark_surely_rejected_whole_is_not_cut_into_digits(rejected, numbers):
    """A touching pair the model rejects whole, but not surely, is still cut
    (in benchmarks/touching.py, pairs rightly cut were rejected whole at up to
    0.89); a mark rejected surely is not."""
    image, _ = touching_pair(4, 7)
    assert Recognizer(WholeOrPieces(rejected, whole_label=10)).read_array(image).numbers == numbers


def _zigzag(peaks: int, width: int) -> np.ndarray:
    """A pen's zigzag 40 pixels tall, alone on paper: a scribble, no digit."""
    image = np.full((200, 400), 235, np.uint8)
    xs = np.linspace(150, 150 + width, 2 * peaks + 1)
    ys = [100 if k % 2 == 0 else 60 for k in range(2 * peaks + 1)]
    cv2.polylines(image, [np.array(list(zip(xs, ys)), np.int32)], False, 30, 3, cv2.LINE_AA)
    return image


@pytest.mark.parametrize("peaks, width", [(2, 60), (3, 90), (4, 120)])
def test_a_zigzag_is_not_cut_into_a_row_of_ones(recognizer, peaks, width):
    """Cut into its strokes, a zigzag read as 11, 111 and 1111 (each stroke a
    slanted 1 at 0.87-1.00), though the model rejects it whole at 0.95-1.00."""
    reading = recognizer.read_array(_zigzag(peaks, width))
    assert reading.digits == [] and len(reading.rejected) == 1


def _number_and_lone_bar(bar_ink: float) -> np.ndarray:
    """A handwritten 385 (pen 110 levels under the paper) and, alone further
    down, a printed sans-serif "l" as tall as the digits, ``bar_ink`` levels dark."""
    from recognizer.scenes import printed_text
    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(5)
    paper = np.full((400, 600), 235.0)
    x = 60
    for digit in (3, 8, 5):
        glyph = render_digit(digit, 60, rng, pen=0.1)
        paper[60 : 60 + glyph.shape[0], x : x + glyph.shape[1]] -= 110 * glyph
        x += glyph.shape[1] + 12
    bar = printed_text("l", 60, rng)
    paper[250 : 250 + bar.shape[0], 400 : 400 + bar.shape[1]] -= bar_ink * bar
    return np.clip(paper, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("bar_ink, numbers", [(110, ["385", "1"]), (200, ["385"])])
def test_a_lone_bar_is_a_1_only_when_inked_like_the_pages_digits(recognizer, bar_ink, numbers):
    """The model calls this bar "not a digit"; alone on its row, it is still
    read "1" when written with the digits' pen, but not when it is far darker
    (print beside handwriting)."""
    assert recognizer.read_array(_number_and_lone_bar(bar_ink)).numbers == numbers


class DoubtingZeros:
    """The shipped model, except that every mark it reads 0 it calls "not a
    digit" with probability ``doubt`` and 6 with ``elsewhere`` (the rest on
    0), as it does with typed 0s that look like a printed O."""

    def __init__(self, inner, doubt: float, elsewhere: float = 0.0):
        self.inner, self.doubt, self.elsewhere = inner, doubt, elsewhere

    def predict(self, digits):
        probabilities = self.inner.predict(digits).copy()
        zeros = probabilities.argmax(axis=1) == 0
        probabilities[zeros] = 0.0
        probabilities[zeros, 0] = 1.0 - self.doubt - self.elsewhere
        probabilities[zeros, 6], probabilities[zeros, 10] = self.elsewhere, self.doubt
        return probabilities


def _row_and_lone_zero() -> np.ndarray:
    """Handwritten 3 0 0 in a row and, further down, a 0 alone."""
    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(2)
    paper = np.full((360, 500), 235.0)
    for digit, x, y in ((3, 60, 60), (0, 120, 60), (0, 180, 60), (0, 320, 240)):
        glyph = render_digit(digit, 60, rng, pen=0.1)
        paper[y : y + glyph.shape[0], x : x + glyph.shape[1]] -= 150 * glyph
    return np.clip(paper, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("doubt, elsewhere, numbers", [
    (0.0, 0.0, ["300", "0"]), (0.7, 0.0, ["300"]), (0.95, 0.0, ["3"]), (0.42, 0.1, ["300"]), (0.3, 0.3, ["3"])])
def test_a_half_rejected_mark_among_digits_of_its_size_is_read(recognizer, doubt, elsewhere, numbers):
    """Half rejected (0.7), the 0s in the row are read (the last one is backed
    only by the 0 beside it, once that is read), the lone 0 is not; firmly
    rejected (0.95), none is. Read 0 under the least confidence (0.48) with
    "not a digit" next (0.42), they are read likewise; not where the doubt is
    which digit (0.4 on 0, 0.3 on 6)."""
    reader = Recognizer(DoubtingZeros(recognizer.classifier, doubt, elsewhere))
    assert reader.read_array(_row_and_lone_zero()).numbers == numbers


@pytest.mark.parametrize("between_rules, label", [(False, 1), (True, 10)])
def test_a_bar_between_rules_is_not_made_a_1(between_rules, label):
    """A straight bar that the model calls "not a digit", between a 3 and a 5,
    is read 1, unless its ink runs into a rule at both ends (a box's side)."""
    from recognizer.detect import Candidate, Detection
    from recognizer.page import PageHint
    from recognizer.pipeline import NOT_A_DIGIT, _Hypothesis
    from recognizer.types import Box

    def mark(x: int, w: int) -> Candidate:
        return Candidate(Box(x, 10, w, 35), np.ones((35, w), bool), 150.0)

    marks = [mark(10, 20), mark(40, 5), mark(55, 20)]
    marks[1].between_rules = between_rules
    hint = PageHint(dark_ink=True, window=40.0, digit_height=35.0, page=None, shape=(60, 100))  # a 5 px pen
    detection = Detection(np.zeros((60, 100), np.uint8), 1.0, True, 100.0, marks, hint, 35.0)
    probabilities = np.zeros((3, 11), np.float32)
    probabilities[0, 3] = probabilities[2, 5] = 1.0
    probabilities[1, 1], probabilities[1, NOT_A_DIGIT] = 0.1, 0.9
    labels = probabilities.argmax(axis=1)
    hypotheses = [[_Hypothesis([c], [k])] for k, c in enumerate(marks)]
    Recognizer._keep_straight_ones(detection, hypotheses, probabilities, labels, lone_bar=0.8)
    assert labels.tolist() == [3, label, 5]


@pytest.mark.parametrize("ink, confidence", [(160.0, 0.8), (250.0, 0.56)])
def test_a_lone_bar_read_1_unsurely_is_kept_when_inked_like_the_digits(ink, confidence):
    """A lone straight bar read "1" at 0.56 ("not a digit" at 0.43: a thin 1
    turned a few degrees) is raised to the lone-digit bar when inked like the
    page's digits, and left as read when far darker (a printed l or I)."""
    from recognizer.detect import Candidate, Detection
    from recognizer.page import PageHint
    from recognizer.pipeline import NOT_A_DIGIT, _Hypothesis
    from recognizer.types import Box

    marks = [Candidate(Box(10, 10, 20, 35), np.ones((35, 20), bool), 150.0),
             Candidate(Box(200, 10, 5, 35), np.ones((35, 5), bool), ink)]
    hint = PageHint(dark_ink=True, window=40.0, digit_height=35.0, page=None, shape=(60, 300))  # a 5 px pen
    detection = Detection(np.zeros((60, 300), np.uint8), 1.0, True, 100.0, marks, hint, 35.0)
    probabilities = np.zeros((2, 11), np.float32)
    probabilities[0, 3] = 1.0
    probabilities[1, 1], probabilities[1, NOT_A_DIGIT] = 0.56, 0.43
    labels = probabilities.argmax(axis=1)
    hypotheses = [[_Hypothesis([c], [k])] for k, c in enumerate(marks)]
    Recognizer._keep_straight_ones(detection, hypotheses, probabilities, labels, lone_bar=0.8)
    assert labels.tolist() == [3, 1]
    assert probabilities[1, 1] == pytest.approx(confidence)


def _printed_word_and_number(word: str) -> np.ndarray:
    """A word printed in DejaVu Sans, capitals 36 px tall, and below it a
    handwritten 385."""
    from recognizer.scenes import _printed_fonts, printed_text
    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(3)
    paper = np.full((300, 600), 235.0)
    font = next(path for path in _printed_fonts() if path.endswith("DejaVuSans.ttf"))
    text = printed_text(word, 36, rng, font)
    paper[40 : 40 + text.shape[0], 40 : 40 + text.shape[1]] -= 200 * text
    x = 60
    for digit in (3, 8, 5):
        glyph = render_digit(digit, 40, rng, pen=0.1)
        paper[180 : 180 + glyph.shape[0], x : x + glyph.shape[1]] -= 150 * glyph
        x += glyph.shape[1] + 10
    return np.clip(paper, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("word", ["FORM", "ORDER", "APPLICATION FORM", "ROOM", "Total", "BOOK"])
def test_the_letters_of_a_printed_word_are_not_read_as_digits(recognizer, word):
    """The model alone reads the O of each word as 0 (and the t and l of
    "Total" as 2 and 1); among the word's other letters, which it rejects,
    they are letters too. In ROOM, Total and BOOK half the marks read as
    digits: it is the print's even ink that gives them away. (Not every word:
    in "NOTES" it reads N, O and S as 1, 0 and 5, too many for a word.)"""
    assert recognizer.read_array(_printed_word_and_number(word)).numbers == ["385"]


@pytest.mark.parametrize("inks, second_label, kept", [
    ((200, 201, 202, 200), 10, False),  # inked alike, two marks not digits: a printed word
    ((200, 201, 202, 200), 4, True),  # the two others are digits the model is unsure of
    ((190, 181, 186, 184), 10, True),  # a pen's ink varies from mark to mark
])
def test_half_read_runs_are_words_only_when_inked_alike_among_letters(inks, second_label, kept):
    """Four marks side by side, two read surely as 0s: the 0s are letters of
    a word only where all four are inked within 3 % of one another and the
    other two are called "not a digit"."""
    from recognizer.detect import Candidate, Detection
    from recognizer.page import PageHint
    from recognizer.pipeline import _Hypothesis
    from recognizer.types import Box

    marks = [Candidate(Box(10 + 30 * k, 10, 24, 35), np.ones((35, 24), bool), float(ink))
             for k, ink in enumerate(inks)]
    hint = PageHint(dark_ink=True, window=40.0, digit_height=35.0, page=None, shape=(60, 140))
    detection = Detection(np.zeros((60, 140), np.uint8), 1.0, True, 100.0, marks, hint, 35.0)
    labels = np.array([10, 0, 0, second_label])
    confidences = np.array([0.0, 0.99, 0.98, 0.0 if second_label == 10 else 0.45])
    chosen = [_Hypothesis([c], [k]) for k, c in enumerate(marks)]
    Recognizer(None)._reject_letters_in_words(detection, chosen, labels, confidences)
    assert (confidences[1:3] > 0.9).all() == kept


def test_a_number_written_large_among_much_small_print_is_read(recognizer):
    """Twelve lines of print, capitals 24 px tall, and a handwritten 2024 four
    times their height: the print sets the page's typical height, and the
    digits, far taller, were once all dropped as "huge" (an edge or a frame)."""
    import cv2

    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(5)
    printed = np.full((900, 1400), 240, np.uint8)
    for row in range(12):
        words = " ".join("".join(chr(65 + int(c)) for c in rng.integers(0, 26, 5)) for _ in range(5))
        cv2.putText(printed, words, (40, 50 + 34 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 40, 2)
    paper = printed.astype(np.float32)
    x = 200
    for digit in (2, 0, 2, 4):
        glyph = render_digit(digit, 100, rng, pen=0.1)
        paper[560 : 560 + glyph.shape[0], x : x + glyph.shape[1]] -= 190 * glyph
        x += glyph.shape[1] + 30
    assert "2024" in recognizer.read_array(np.clip(paper, 0, 255).astype(np.uint8)).numbers


@pytest.mark.parametrize("pen, rule", [((170, 60, 20), (60, 60, 60)), ((30, 30, 170), (72, 72, 72))])
def test_a_twos_base_drawn_along_a_rule_stays_when_its_colour_is_not_the_rules(recognizer, pen, rule):
    """A blue or a red 2 on a grey rule exactly as dark as the pen: the base,
    no thicker than the rule and no darker, is told from it by its colour and
    kept, and the 2 is not read as 7 (as it is when both are black)."""
    assert recognizer.read_array(two_on_a_rule(pen, rule)).numbers == ["2"]


def test_a_twos_base_that_went_with_a_rule_of_its_own_ink_is_read_back(recognizer):
    """A grey 2 whose base lies along a grey rule, no thicker and no darker:
    the base goes with the rule and the rest reads 7; read again with the
    rule put back under it, it reads 2. A 7 standing on the same rule stays a
    7 (with the rule put back it is still a 7 to the model)."""
    import cv2

    grey = (60, 60, 60)
    assert recognizer.read_array(two_on_a_rule(grey, grey)).numbers == ["2"]
    seven = np.full((160, 360, 3), 235, np.uint8)
    cv2.line(seven, (10, 110), (350, 110), grey, 2)
    cv2.line(seven, (62, 48), (98, 48), grey, 2, cv2.LINE_AA)
    cv2.line(seven, (98, 48), (74, 110), grey, 2, cv2.LINE_AA)
    assert recognizer.read_array(seven).numbers == ["7"]


def test_only_marks_read_7_on_a_rule_are_read_again_in_a_second_call(recognizer, monkeypatch):
    """The second reading with the rule put back is asked only for marks read
    7: a 2 whose base went with the rule is; a 0 standing on the rule is not."""
    import cv2

    from recognizer.detect import detect

    calls = []
    classifier = recognizer.classifier
    predict = classifier.predict
    monkeypatch.setattr(classifier, "predict", lambda digits: calls.append(len(digits)) or predict(digits))
    grey = (60, 60, 60)
    assert recognizer.read_array(two_on_a_rule(grey, grey)).numbers == ["2"]
    assert len(calls) == 2 and calls[1] == 1
    zero = np.full((160, 360, 3), 235, np.uint8)
    cv2.line(zero, (10, 110), (350, 110), grey, 2)
    cv2.ellipse(zero, (80, 80), (16, 29), 0, 0, 360, grey, 3, cv2.LINE_AA)
    assert any(c.on_rule is not None for c in detect(zero).candidates)  # it stands on the rule
    calls.clear()
    assert recognizer.read_array(zero).numbers == ["0"]
    assert len(calls) == 1


def test_a_large_jpeg_is_read_in_its_own_pixels_from_a_reduced_decode(recognizer, tmp_path):
    import cv2

    from recognizer.annotate import annotate

    page = make_page(["31", "4"], size=(4200, 2400), seed=4)
    path = tmp_path / "photo.jpg"
    assert cv2.imwrite(str(path), page.image)
    reading, image = recognizer.read_file(str(path))
    assert image.shape[:2] == (1200, 2100)  # read from the half-size decode
    assert (reading.width, reading.height) == (4200, 2400)
    assert [d.label for d in reading.digits] == page.labels
    for digit, truth in zip(reading.digits, page.boxes):
        assert iou(digit.box, truth) >= 0.7  # in the file's pixels
    drawn = annotate(image, reading)  # drawn on the copy it was read from
    x, y, w, h = reading.digits[0].box
    assert drawn.shape[:2] == image.shape[:2]
    assert (drawn[y // 2 + h // 4, x // 2 - 2 : x // 2 + 3] != image[y // 2 + h // 4, x // 2 - 2 : x // 2 + 3]).any()


def _centred(glyph: np.ndarray, side: int) -> np.ndarray:
    """A rendered digit (ink 0..1) in the middle of an empty ``side`` x ``side`` canvas."""
    canvas = np.zeros((side, side), np.float32)
    top, left = (side - glyph.shape[0]) // 2, (side - glyph.shape[1]) // 2
    canvas[top : top + glyph.shape[0], left : left + glyph.shape[1]] = glyph
    return canvas


@pytest.mark.parametrize("side", [28, 112, 280])
def test_a_digit_drawn_white_on_a_black_canvas_as_in_mnist_is_read(recognizer, side):
    """MNIST's own style, and a drawing app's: a thick white digit filling a
    flat black square. Closed over, the digit is a bright blob that looked
    like a sheet of paper on a dark desk (so the black was read as ink), and
    where its strokes cross, wider than the background window, the ink map
    had holes. Black on white is read either way."""
    from recognizer.synthetic import render_digit

    for digit in (0, 2, 3, 5, 8):
        glyph = render_digit(digit, 200, np.random.default_rng(digit), pen=0.16)  # MNIST's thick pen
        canvas = _centred(glyph, 280)
        white_on_black = cv2.resize((255 * canvas).astype(np.uint8), (side, side), interpolation=cv2.INTER_AREA)
        assert recognizer.read_array(white_on_black).numbers == [str(digit)], f"{digit} white on black"
        assert recognizer.read_array(255 - white_on_black).numbers == [str(digit)], f"{digit} black on white"


def test_mnist_sevens_drawn_large_whose_stems_reach_the_border_are_read(recognizer, mnist_dir):
    """Many of MNIST's 7s run their stems to the bottom of the 28x28 field.
    Drawn 280x280, such a digit fills the picture and touches its border: the
    page's measures looked absurd, so the mark along the border was taken off
    the page as a strip of desk, and nothing was read. A flat canvas has no desk."""
    from recognizer.mnist import load_mnist

    images, labels = load_mnist(mnist_dir, "test")
    for index in (26, 141, 262):  # 7s whose stems touch the bottom row
        assert labels[index] == 7
        drawn = cv2.resize(images[index], (280, 280), interpolation=cv2.INTER_CUBIC)
        assert recognizer.read_array(drawn).numbers == ["7"], f"test digit {index}, white on black"
        assert recognizer.read_array(255 - drawn).numbers == ["7"], f"test digit {index}, black on white"


def test_a_digit_drawn_thin_to_fill_the_picture_is_not_a_frame(recognizer):
    """A thin-pen digit 240 px tall on a 280x280 canvas spans the picture with
    little ink in its box, as a frame round a picture does; but a frame's ink
    hugs its box's sides, and a digit's does not."""
    from recognizer.synthetic import render_digit

    for digit, seed in ((2, 1), (3, 2), (0, 0)):
        glyph = render_digit(digit, 240, np.random.default_rng(seed), pen=0.04)
        drawing = (255 * _centred(glyph, 280)).astype(np.uint8)
        assert recognizer.read_array(drawing).numbers == [str(digit)], digit
    frame = np.zeros((280, 280), np.uint8)
    cv2.rectangle(frame, (10, 10), (269, 269), 255, 8)
    assert recognizer.read_array(frame).numbers == []


def test_a_digit_in_a_broad_black_marker_on_a_white_canvas_is_read(recognizer):
    """Black strokes a fifth of the digit's height wide, drawn on a flat white
    canvas: wider than the background window, a closing kept them as dark
    "paper" and only their outlines were ink (a 7 read as 8, a 1 not read).
    Light strokes on a flat dark canvas were always measured from the canvas."""
    from recognizer.synthetic import render_digit

    for digit, side, height, seed in ((1, 400, 320, 30), (6, 560, 436, 89), (7, 400, 308, 235), (9, 400, 348, 50)):
        glyph = render_digit(digit, height, np.random.default_rng(seed), pen=0.22)
        drawing = 255 - (255 * _centred(glyph, side)).astype(np.uint8)
        assert recognizer.read_array(drawing).numbers == [str(digit)], f"{digit} black on white"
        assert recognizer.read_array(255 - drawing).numbers == [str(digit)], f"{digit} white on black"


def _drawn_number(digits: str, height: int, pen: float, seed: int) -> np.ndarray:
    """Black digits drawn side by side on a white 560x280 canvas (a drawing app's)."""
    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(seed)
    glyphs = [render_digit(int(d), height, rng, pen=pen) for d in digits]
    canvas = np.zeros((280, 560), np.float32)
    x = (560 - sum(g.shape[1] for g in glyphs) - height // 6 * (len(glyphs) - 1)) // 2
    for glyph in glyphs:
        y = (280 - glyph.shape[0]) // 2
        canvas[y : y + glyph.shape[0], x : x + glyph.shape[1]] = glyph
        x += glyph.shape[1] + height // 6
    return 255 - (255 * canvas).astype(np.uint8)


def test_bars_side_by_side_in_a_number_are_ones(recognizer):
    """Two straight bars side by side in a number ("11" in 9711), each called
    "not a digit" by the model: the digits beside them vouch for the first,
    which then vouches for the second. Alone, "11" is read too."""
    assert recognizer.read_array(_drawn_number("9711", 76, 0.15, 4)).numbers == ["9711"]
    assert recognizer.read_array(_drawn_number("2011", 76, 0.15, 13)).numbers == ["2011"]
    assert recognizer.read_array(_drawn_number("11", 76, 0.15, 4)).numbers == ["11"]


def test_a_close_up_of_one_digit_in_a_broad_marker_is_read(recognizer):
    """A digit filling most of a 480x640 photo, its strokes a fifth of its
    height wide: broader than the first look's background window (1/8 of the
    picture), which took their middles for paper and left holes in them."""
    from recognizer.synthetic import render_digit

    for digit, seed in ((1, 2), (6, 0), (6, 1)):
        glyph = render_digit(digit, 448, np.random.default_rng(seed), pen=0.2)
        yy, xx = np.mgrid[0:640, 0:480].astype(np.float32)
        page = 215 - 40 * (xx / 480) - 20 * (yy / 640)  # lit from the left
        y, x = (640 - glyph.shape[0]) // 2, (480 - glyph.shape[1]) // 2
        page[y : y + glyph.shape[0], x : x + glyph.shape[1]] *= 1 - 0.8 * glyph
        noisy = page + np.random.default_rng(seed).normal(0, 3, page.shape)
        photo = np.clip(cv2.GaussianBlur(noisy, (0, 0), 1.0), 0, 255).astype(np.uint8)
        assert recognizer.read_array(photo).numbers == [str(digit)], digit


def test_a_lone_five_drawn_in_two_strokes_is_joined(recognizer):
    """A 5 whose stem and flag were drawn apart from its bowl, alone in a
    picture: the two pieces' rows overlap, so they join although the union is
    far taller than the larger piece (the only "typical" height there is)."""
    from recognizer.synthetic import render_digit

    for pen in (0.025, 0.04):
        glyph = render_digit(5, 280, np.random.default_rng(9), pen=pen)
        drawing = 255 - (255 * _centred(glyph, 400)).astype(np.uint8)
        assert recognizer.read_array(drawing).numbers == ["5"], pen


def _written(text: str, height: int = 60, pen: float = 0.09, seed: int = 0) -> np.ndarray:
    """A number with its separators (. , : - /) written in black on white."""
    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(seed)
    canvas = np.zeros((3 * height, 80 + height * len(text)), np.float32)
    x, base, thick = 30, 2 * height, max(2, int(pen * height))
    for ch in text:
        if ch.isdigit():
            glyph = render_digit(int(ch), height, rng, pen=pen)
            canvas[base - glyph.shape[0] : base, x : x + glyph.shape[1]] = glyph
            x += glyph.shape[1] + height // 6
        elif ch == ".":
            cv2.circle(canvas, (x + thick, base - thick), thick, 1.0, -1, cv2.LINE_AA)
            x += height // 3
        elif ch == ",":
            cv2.line(canvas, (x + thick, base - thick), (x, base + height // 5), 1.0, thick, cv2.LINE_AA)
            x += height // 3
        elif ch == ":":
            for y in (base - thick, base - height // 2):
                cv2.circle(canvas, (x + thick, y), thick, 1.0, -1, cv2.LINE_AA)
            x += height // 3
        elif ch == "-":
            cv2.line(canvas, (x, base - height // 2), (x + 2 * height // 5, base - height // 2), 1.0, thick,
                     cv2.LINE_AA)
            x += 3 * height // 5
        elif ch == "/":
            cv2.line(canvas, (x + height // 2, base - height), (x, base), 1.0, thick, cv2.LINE_AA)
            x += 2 * height // 3
    return 255 - (255 * canvas[:, : x + 30]).astype(np.uint8)


@pytest.mark.parametrize("text", ["3.14", "12.50", "1,250", "12:30", "07-35", "12/05/2024", "2024-11-22"])
def test_separators_written_between_digits_are_read(recognizer, text):
    """A decimal point, a thousands comma, a time's colon, a date's dashes or
    slashes: left out, "3.14" read 314 and "12/05/2024" read 1210512024 (the
    slashes as 1s). The digits are the number's digits and no more."""
    reading = recognizer.read_array(_written(text))
    assert reading.numbers == [text]
    assert "".join(str(d.label) for d in reading.digits) == "".join(ch for ch in text if ch.isdigit())


@pytest.mark.parametrize("text", ["-42", "-7", "-3.5"])
def test_a_minus_written_before_a_number_is_read(recognizer, text):
    """Left out, "-42" reads 42: the value changes sign. The dash is no
    digit: the number's digits are its digits and no more."""
    reading = recognizer.read_array(_written(text))
    assert reading.numbers == [text]
    assert "".join(str(d.label) for d in reading.digits) == "".join(ch for ch in text if ch.isdigit())


@pytest.mark.parametrize("text", ["10:10", "19:19", "11:42"])
def test_a_1_beside_a_colon_is_still_a_1(recognizer, text):
    """A bar the model calls "not a digit" is a 1 when digits vouch for it; a
    colon's dots (one narrow mark to the detector) stand beside it and
    vouch for nothing, and must not stop the digit on its other side from
    vouching ("19:19" was read 199)."""
    assert recognizer.read_array(_written(text, seed=2)).numbers == [text]


@pytest.mark.parametrize("degrees, seed", [(30, 3), (-25, 0), (25, 4)])
def test_rows_photographed_askew_are_read_upright(recognizer, degrees, seed):
    """Turned 25-30 degrees, the model misreads some digits (a 7 as 1) and the
    rows are too steep to follow; read again levelled, every number is read.
    (Not levelled, each of these pages loses a number.)"""
    numbers = ["40572", "91836", "27469", "53018"]
    page = tilted_page(numbers, degrees, seed)
    assert recognizer.read_array(page).numbers == numbers
    assert recognizer.read_array(page, level=False).numbers != numbers


def test_a_sheet_taken_for_a_board_is_read_again_as_ink_on_paper(recognizer, monkeypatch):
    """Gamma can deepen a sheet's shadow until it is taken for a board with
    chalk on it; read inside out, almost nothing reads as a digit, and the
    page is read again as dark ink on paper."""
    page = make_page(["4071", "2586"], seed=3)
    judged = []

    def misjudged(gray: np.ndarray) -> bool:
        judged.append(False)
        return False  # light ink: a board
    monkeypatch.setattr(page_module, "is_dark_ink", misjudged)
    reading = recognizer.read_array(page.image)
    assert judged == [False], "the polarity was judged once, and then forced the other way"
    assert reading.numbers == page.numbers
    assert recognizer.last_hint.dark_ink  # a video's next frames: the right way round


def _forced_polarities(monkeypatch) -> list:
    """The polarity each ``detect`` call of the pipeline is told to read in
    (None: judged from the picture), from here on."""
    forced = []
    real_detect = pipeline_module.detect
    signature = inspect.signature(real_detect)

    def spied(*args, **kwargs):
        forced.append(signature.bind(*args, **kwargs).arguments.get("dark_ink"))  # however it was passed
        return real_detect(*args, **kwargs)
    monkeypatch.setattr(pipeline_module, "detect", spied)
    return forced


def test_a_board_taken_for_paper_is_not_read_again(recognizer, monkeypatch):
    """Only a "board" is read again: blank paper (an empty form) reads nothing
    either, and read inside out it cost up to half a second more."""
    board = make_page(["4071", "2586"], seed=3, light_on_dark=True)
    monkeypatch.setattr(page_module, "is_dark_ink", lambda gray: True)
    forced = _forced_polarities(monkeypatch)
    reading = recognizer.read_array(board.image)
    assert pipeline_module._may_be_read_inside_out(reading)
    assert forced == [None]


def test_a_frame_read_with_an_earlier_frames_hint_keeps_its_polarity(recognizer, monkeypatch):
    """The second reading is for pictures read anew: a video's frames keep the
    polarity their page was learnt in, even where a frame reads nothing."""
    scribble = _zigzag(3, 90)  # rejected whole: nothing read, as a picture read inside out
    monkeypatch.setattr(page_module, "is_dark_ink", lambda gray: False)  # taken for a board
    recognizer.read_array(scribble)  # read again as paper, and no better: still a board
    hint = recognizer.last_hint
    assert not hint.dark_ink
    forced = _forced_polarities(monkeypatch)
    reading = recognizer.read_array(scribble, hint=hint)
    assert pipeline_module._may_be_read_inside_out(reading)
    assert forced == [None]


@pytest.mark.parametrize("labels, confidence, kept", [
    ([7, 2, 5, 9, 0, 4], 0.98, True),
    ([1, 1, 1, 1, 7, 1], 0.98, False),  # bars of paper between strokes: 1s
    ([7, 2, 5, 9, 0, 4], 0.80, False),  # read unsurely
    ([7, 2], 0.98, False),  # not two digits more than the first reading
])
def test_the_other_polarity_is_kept_only_when_it_reads_clearly_better(labels, confidence, kept):
    def reading(labels: list[int], confidence: float, rejected: int) -> Reading:
        digits = [Digit(Box(30 * k, 0, 20, 30), label, confidence) for k, label in enumerate(labels)]
        return Reading(source="page", width=640, height=480, lines=[Line(tuple(digits))],
                       rejected=[Box(0, 100 + 10 * k, 5, 5) for k in range(rejected)])

    first = reading([4], 0.9, rejected=12)
    assert pipeline_module._may_be_read_inside_out(first)
    assert pipeline_module._reads_better_inside_out(reading(labels, confidence, rejected=4), first) is kept
