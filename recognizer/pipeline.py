"""The whole reading pipeline for one image: detect, normalise, classify, read.

All the crops of an image (and the alternative cuts of marks that may be two
touching digits) go to the classifier in one batch: one inference call per
image, whatever the number of digits, and a second, small one only where a
mark read 7 stands on a rule (``Recognizer._restore_twos_bases``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import cv2
import numpy as np

from recognizer.classify import Classifier
from recognizer.detect import Candidate, Detection, detect, is_straight_stroke, row_neighbours, runs_side_by_side
from recognizer.errors import RecognizerError
from recognizer.memory import keep_freed_memory
from recognizer.normalise import normalise
from recognizer.page import WORK_MAX_SIDE, PageHint
from recognizer.punctuation import Separators, date_slashes, lean, small_separators
from recognizer.read import group_lines, lone_confidence, row_tilt, set_apart_doubtful_lone, set_apart_out_of_size
from recognizer.sources import Decoded, decode_image, iter_pages
from recognizer.types import Box, Digit, Line, Reading

NOT_A_DIGIT = 10  # the model's eleventh class, when it has one
MIN_CONFIDENCE = 0.5  # below this a mark is reported as not read
CUT_MIN_CONFIDENCE = 0.8  # every piece of a cut must read at least this well...
CUT_MARGIN = 0.02  # ...and on average no less surely than the whole, give or take this
SURE_NOT_A_DIGIT = 0.95  # a mark called "not a digit" this surely is not cut into digits
DOUBTED_NOT_A_DIGIT = 0.85  # a mark among digits, called "not a digit" with less than this...
CONTEXT_DIGIT_SHARE = 0.8  # ...and read as one digit with this share of the digit classes, is that digit
SEPARATOR_WIDTH, SEPARATOR_HEIGHT = 0.3, 0.75  # a mark this narrow and short for a bar beside it is no neighbour
LONE_ONE_INK = 1.25  # a lone bar is a "1" only when inked within this factor of the page's digits
BASE_TWO = 0.99  # a 7 standing on a rule that reads 2 this surely with the rule put back under it is a 2
WORD_MARKS = 4  # a run of at least this many marks side by side...
MARKS_PER_DIGIT = 3  # ...with at most one in this many read as a digit is a printed word,
PRINTED_MARKS_PER_DIGIT = 2  # or one in this many when all its marks are inked alike,
PRINT_INK_SPREAD = 1.03  # within this factor (print's ink is even; a pen's varies)
LEVEL_TILT = 8.0  # degrees: where rows of digits run this tilted, the page is read again levelled
INSIDE_OUT_DIGITS = 3  # a reading of at most this many digits...
INSIDE_OUT_SHARE = 0.25  # ...that are under this share of the marks looked at: read the other way round too
OTHER_WAY_SHARE = 0.2  # the other way round is kept when at least this share of its marks read as digits,
OTHER_WAY_GAIN = 2.0  # ...this many times the first reading's share, with two digits more,
OTHER_WAY_CONFIDENCE = 0.9  # ...read this surely on average,
OTHER_WAY_ONES = 0.5  # ...and no more than this share of them 1s
CLOCKWISE = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}  # by quarter turns


def _separator_sized(mark: Candidate, bar: Candidate, label: int) -> bool:
    """A mark called "not a digit" beside a bar that is narrow and short for it,
    as a colon or a comma is: no neighbour to vouch for or against the bar
    being a 1 (the "1" of "10:10" stands beside a colon)."""
    return (label == NOT_A_DIGIT and mark.box.w <= SEPARATOR_WIDTH * bar.box.h
            and mark.box.h <= SEPARATOR_HEIGHT * bar.box.h)


def _group(digits: list[Digit], marks: list[Candidate], detection: Detection) -> list[Line]:
    """The digits grouped into numbers, with the separators written between
    them and a minus before them; a mark read as a digit and taken as a
    separator (a comma read 1) is no digit of its own. On a page read
    levelled, rows are followed on the levelled copy."""
    separators = Separators(detection.ink, marks, detection.hint.pen if detection.hint else 0.0)
    index = {id(digit): k for k, digit in enumerate(digits)}

    def between(a: Digit, b: Digit) -> str:
        return separators.between(index[id(a)], index[id(b)])

    def used(digit: Digit) -> bool:
        return index[id(digit)] in separators.used

    lines = [small_separators(line, between, used) if len(line.digits) >= 3 else line
             for line in group_lines(digits, between, None if detection.unlevel is None
                                     else [mark.box.scaled(detection.scale) for mark in marks])]
    lines = [line for line in lines if not all(used(digit) for digit in line.digits)]
    lines = [date_slashes(line, [lean(marks[index[id(digit)]]) if digit.label == 1 else None for digit in line.digits])
             if len(line.digits) >= 5 else line for line in lines]
    return [replace(line, sign=separators.before(index[id(line.digits[0])])) for line in lines]


@dataclass
class _Hypothesis:
    """A mark read whole, or as the pieces of a cut."""

    pieces: list[Candidate]
    rows: list[int]  # the pieces' rows in the batch


class Recognizer:
    """Reads every digit in an image; the classifier is loaded once."""

    def __init__(self, classifier: Classifier, min_confidence: float = MIN_CONFIDENCE) -> None:
        keep_freed_memory()  # page-sized arrays reused, not faulted in afresh for every page
        self.classifier = classifier
        files = getattr(classifier, "files", None)  # to start the same model in worker processes
        self.model = str(files.folder) if files else None
        self.runtime = getattr(classifier, "runtime", "onnx")
        self.min_confidence = min_confidence
        self.rescale = True  # read each image at the scale its handwriting needs (see ``detect``)
        self.last_hint: PageHint | None = None  # what the last image taught about its page

    def read_file(self, path: str) -> tuple[Reading, np.ndarray | None]:
        """Read one image file; a failure becomes ``Reading.error``, never an exception.

        The image returned is the one read: a large JPEG is decoded at a
        reduced size (``decode_image``), while the reading's boxes are in the
        file's own pixels."""
        try:
            decoded = decode_image(path, min_side=WORK_MAX_SIDE)
        except RecognizerError as exc:
            return Reading(source=str(path), error=exc.message), None
        return self.read_decoded(decoded, str(path)), decoded.image

    def read_pages(self, path: str, dpi: int = 150, skip: frozenset[int] | set[int] = frozenset(),
                   turns: int | Callable[[Decoded], int] = 0) -> Iterator[tuple[int, Reading, Decoded | None]]:
        """Read every page of a file: each frame of a multi-page TIFF, each page
        of a PDF rendered at ``dpi``, an image as page 1; pages in ``skip`` are
        not decoded. ``turns``: as for ``read_array``, or a function that tells
        them for each page as decoded (a template's registration finds how a
        page lies before it is read). Yields ``(page from 1, its reading, the
        page as decoded)``; a page that cannot be decoded or read gives a
        ``Reading.error`` (and no image) and the next page is still read."""
        for page, decoded in iter_pages(path, dpi, skip, min_side=WORK_MAX_SIDE):
            if isinstance(decoded, RecognizerError):
                yield page, Reading(source=str(path), error=decoded.message), None
            else:
                turned = turns if isinstance(turns, int) else turns(decoded)
                yield page, self.read_decoded(decoded, str(path), turned), decoded

    def read_decoded(self, decoded: Decoded, source: str, turns: int = 0) -> Reading:
        """``read_array`` on a decoded file (``turns``: as there), its failure
        turned into ``Reading.error``."""
        try:
            return self.read_array(decoded.image, source, size=(decoded.width, decoded.height), turns=turns)
        except (cv2.error, ValueError, IndexError, MemoryError) as exc:
            # A bug or an image this pipeline cannot handle: report it for this
            # file and let a batch go on with the next one.
            return Reading(source=source, error=f"could not be read ({type(exc).__name__}: {exc})")

    def read_array(self, image: np.ndarray, source: str = "<image>", hint: PageHint | None = None,
                   size: tuple[int, int] | None = None, turns: int = 0, level: bool = True) -> Reading:
        """Read one image. ``hint``: what an earlier frame of the same video
        taught. ``size``: (width, height) of the file ``image`` was decoded
        from at a reduced size; the reading is then in the file's pixels.
        ``turns``: read the image turned this many quarter turns clockwise (a
        page fed in sideways or upside down, whose digits then stand upright),
        its boxes still in the pixels of the image as given. ``level``: where
        the rows of digits read run tilted by ``LEVEL_TILT`` degrees or more
        (``row_tilt``: a photo taken askew), read the page again levelled
        (``detect``'s ``tilt``, with what was learnt of the page): the model
        learnt upright digits, and rules, rows and cuts are looked for
        running with the page's axes (``benchmarks/tilted.py``).

        A picture read anew (no ``hint``) as chalk on a board where almost
        nothing read as a digit is read again as dark ink on paper, and that
        reading kept where it is clearly the better (``_may_be_read_inside_out``,
        ``_reads_better_inside_out``). Only that way round: a sheet is what
        gets taken for a board, and a blank page of paper (an empty form), which
        reads nothing either, read inside out cost up to 0.5 s more."""
        width, height = size or image.shape[1::-1]
        if turns % 4:
            turned_size = (height, width) if turns % 2 else (width, height)
            turned = cv2.rotate(image, CLOCKWISE[turns % 4])
            return self.read_array(turned, source, hint, turned_size).turned_back(turns)

        def detected(hint: PageHint | None, tilt: float = 0.0, ink: np.ndarray | None = None,
                     dark_ink: bool | None = None) -> Detection:
            detection = detect(image, source, hint, self.rescale, tilt, ink, dark_ink)
            detection.scale *= width / image.shape[1]  # file pixels per working pixel
            return detection

        def read(hint: PageHint | None, dark_ink: bool | None = None) -> tuple[Reading, Detection]:
            detection = detected(hint, dark_ink=dark_ink)
            digits, rejected, marks = self._classify(detection)
            tilt = row_tilt(digits) if level else None
            if tilt is not None and abs(tilt) >= LEVEL_TILT:
                detection = detected(detection.hint, tilt, detection.ink)
                digits, rejected, marks = self._classify(detection)
            lines, out_of_size = set_apart_out_of_size(_group(digits, marks, detection))
            alone = not rejected and not out_of_size  # nothing else in the picture was looked at
            lines, doubtful = set_apart_doubtful_lone(lines, self.min_confidence, height if alone else None)
            rejected += [digit.box for digit in out_of_size + doubtful]
            return Reading(source=source, width=width, height=height, lines=lines, rejected=rejected), detection

        try:
            reading, detection = read(hint)
        except RecognizerError as exc:
            self.last_hint = None
            return Reading(source=source, width=width, height=height, error=exc.message)
        if hint is None and not detection.dark_ink and _may_be_read_inside_out(reading):
            other, other_detection = read(None, dark_ink=True)
            if _reads_better_inside_out(other, reading):
                reading, detection = other, other_detection
        self.last_hint = detection.hint
        return reading

    def _restore_twos_bases(self, detection: Detection, marks, probabilities: np.ndarray, labels: np.ndarray) -> None:
        """A mark read 7 that stands on a rule, and reads 2 surely
        (``BASE_TWO``) with the rule's ink under it put back, is a 2 whose base
        went with the rule. A 2's base runs along the line it is written on;
        drawn in the rule's own ink and no thicker, nothing tells it from the
        rule, and the rest of the 2 is a 7 to the model. A 7 has no base: put
        back under a 7, the rule reads as a 7 still, or as a 1 or a scrap.

        On the batch benchmark's 40 forms, all 10 2s read 7 this way read 2
        at 0.99 and more with the rule put back, and of the 56 7s standing on
        rules one read 2, at 0.85. On the scene benchmark's forms (seeds 0-71),
        the three such 2s read 2 at 0.999 and more, and four 7s at 0.96-0.98:
        the bar is 0.99.

        Only the marks read 7 are read again, in a second call: most marks on
        rules are not 7s, and this way the classifier sees about 7 % fewer crops
        (1,546 against 1,657 over 8 benchmark scenes of each kind).
        """
        sevens = [index for index, candidate in enumerate(detection.candidates)
                  if candidate.on_rule is not None and labels[marks[index][0].rows[0]] == 7]
        if not sevens:
            return
        restored = self.classifier.predict(np.stack([
            normalise(detection.ink, on_rule.box, on_rule.mask, detection.threshold)
            for on_rule in (detection.candidates[index].on_rule for index in sevens)]))
        for index, reading in zip(sevens, restored):
            if int(reading.argmax()) == 2 and reading[2] >= BASE_TWO:
                whole = marks[index][0].rows[0]
                labels[whole] = 2
                probabilities[whole] = reading

    @staticmethod
    def _keep_straight_ones(detection: Detection, marks, probabilities: np.ndarray, labels: np.ndarray,
                            lone_bar: float) -> None:
        """A straight stroke drawn with the page's pen and as tall as its digits,
        read "1" among the digits, is a "1" even where the model calls it "not a
        digit", when it stands among digits (a number) or alone. Printed l and I
        stand among letters, which are not digits. Alone, it must also be inked
        like the page's digits (within ``LONE_ONE_INK``): a lone printed l or I
        is most often far darker than the handwriting (or, in grey print,
        lighter), and such bars were most of the false "1"s on the clutter
        scenes, while every true lone "1" there was inked within 6 %. A bar
        whose ink runs on into a rule at both ends is a box's side that rule
        removal left (a comb box's rules measured thinner than its sides): on
        the batch benchmark's 40 forms, all 13 false "1"s this rule made, and
        none of its 39 true ones.

        Bars side by side ("11" in 9711) back one another: a bar beside
        digits and other such bars is a 1 once a digit stands beside it (each
        bar taken as a 1 then backs the next). Bars beside bars only are 1s
        only where no digit was read at all (a picture of "11"): on a page with
        handwriting they were a printed "ff" or "ll" (form seed 98).

        A bar the model does read "1", but less surely than a lone digit must
        be read (``lone_bar``), passes the same tests, and one kept alone is
        then read that surely: a thin "1" turned a few degrees reads "1" at
        0.56 and "not a digit" at 0.43, and was lost as a doubtful lone digit
        where, upright and read "not a digit" at 0.94, this rule kept it.
        Over 768 scenes that kept 5 true "1"s and no false one. (Raising a kept
        lone bar the model calls "not a digit" to that bar too took 6 printed
        l's and I's on clutter scenes.)"""
        candidates = detection.candidates
        bars = {index for index, (whole, *_) in enumerate(marks)
                if (labels[whole.rows[0]] == NOT_A_DIGIT
                    or labels[whole.rows[0]] == 1 and probabilities[whole.rows[0], 1] < lone_bar)
                and probabilities[whole.rows[0], :NOT_A_DIGIT].argmax() == 1
                and not candidates[index].between_rules  # a box's side left by rule removal runs from rule to rule
                and is_straight_stroke(candidates[index], detection)}
        read = {index: c.strength for index, (c, (whole, *_)) in enumerate(zip(candidates, marks))
                if labels[whole.rows[0]] != NOT_A_DIGIT}

        def page_ink(index: int) -> float:
            """The median ink of the page's digits other than mark ``index``; 0 if none."""
            others = [strength for k, strength in read.items() if k != index]
            return float(np.median(others)) if others else 0.0

        neighbours_of = {index: [k for k in row_neighbours(index, candidates)
                                 if not _separator_sized(candidates[k], candidates[index], labels[marks[k][0].rows[0]])]
                         for index in bars}
        changed = True
        while changed:
            changed = False
            for index in sorted(bars):
                neighbours = neighbours_of[index]
                digits = [k for k in neighbours if labels[marks[k][0].rows[0]] != NOT_A_DIGIT]
                if any(k not in digits and k not in bars for k in neighbours):
                    continue
                if any(candidates[k].box.h < 0.7 * candidates[index].box.h for k in neighbours):
                    continue
                ink = page_ink(index)
                if neighbours and not digits and ink:
                    continue  # bars among bars: printed "ll" or "ff" beside handwriting
                if not neighbours and ink and not 1 / LONE_ONE_INK <= candidates[index].strength / ink <= LONE_ONE_INK:
                    continue
                row = marks[index][0].rows[0]
                if labels[row] == 1:  # read "1", if unsurely
                    if not neighbours:
                        probabilities[row, 1] = lone_bar
                else:
                    labels[row] = 1
                    probabilities[row, 1] = probabilities[row, :NOT_A_DIGIT].sum()
                bars.discard(index)
                changed = True

    @staticmethod
    def _keep_doubted_among_digits(detection: Detection, marks, probabilities: np.ndarray,
                                   labels: np.ndarray, min_confidence: float) -> None:
        """A mark the model only half rejects (``DOUBTED_NOT_A_DIGIT``) but reads
        as one digit far before the others (``CONTEXT_DIGIT_SHARE``), standing in
        a row of digits of its own size, is that digit. Its neighbours must be
        digits or doubted marks like it, at least one a digit; a doubted mark
        taken as a digit then backs the next (a pencil 1 and 0 beside an 8).
        So is a mark read as a digit, but under ``min_confidence`` because the
        model half believes it is none (a digit's surest class just ahead of
        "not a digit": 0.48 against 0.42); over 768 scenes that read 6 scenes
        better and none worse.

        The model sees each mark alone: a typed 0 is a printed O to it, a digit
        grazed by a rule looks like a scrap. Beside digits its size, written in
        one row, it is seldom anything but a digit. Its confidence is then the
        digit's share of the model's digit classes.
        """
        candidates, height = detection.candidates, detection.digit_height
        heads = [whole.rows[0] for whole, *_ in marks]
        doubted = set()
        for index, row in enumerate(heads):
            digit_mass = probabilities[row, :NOT_A_DIGIT]
            unsure = labels[row] == NOT_A_DIGIT or probabilities[row].max() < min_confidence
            if (unsure and probabilities[row, NOT_A_DIGIT] < DOUBTED_NOT_A_DIGIT
                    and digit_mass.max() >= CONTEXT_DIGIT_SHARE * digit_mass.sum()
                    and 0.7 * height <= candidates[index].box.h <= 1.4 * height):
                doubted.add(index)
        neighbours_of = {index: row_neighbours(index, candidates) for index in doubted}
        changed = True
        while changed:  # a doubted mark taken as a digit backs its doubted neighbour
            changed = False
            for index in sorted(doubted):
                own = candidates[index].box.h
                neighbours = neighbours_of[index]
                read = [k for k in neighbours if labels[heads[k]] != NOT_A_DIGIT]
                if read and all((k in read or k in doubted) and 0.75 * own <= candidates[k].box.h <= 1.33 * own
                                for k in neighbours):
                    row = heads[index]
                    digit_mass = probabilities[row, :NOT_A_DIGIT]
                    labels[row] = int(digit_mass.argmax())
                    probabilities[row] = np.append(digit_mass / digit_mass.sum(), 0.0)
                    doubted.discard(index)
                    changed = True

    def _reject_letters_in_words(self, detection: Detection, chosen: list[_Hypothesis], labels: np.ndarray,
                                 confidences: np.ndarray) -> None:
        """A mark read as a digit inside a printed word is a letter: the O of
        "FORM" read as 0, a P as 7. The model sees each letter alone, and some
        are digit-shaped; the word around it is not. A run of ``WORD_MARKS``
        or more marks side by side in which at most one in ``MARKS_PER_DIGIT``
        reads as a digit is a word, and its "digits" are rejected. So is a run
        with one digit in ``PRINTED_MARKS_PER_DIGIT`` ("room" read as r, 0, 0,
        m; "Total" as T, 0, 2, a, 1) when its marks are inked alike
        (``PRINT_INK_SPREAD``) and at least as many of them are called "not a
        digit" as are read as digits: print.

        A handwritten number is a run too, but most of its marks read as
        digits. Over 360 scenes of the benchmark the first rule rejected 22
        false digits (15 on forms, most of them letters of a form's bold
        title) and no true one; at one in two for every run, it took 9 true
        digits from forms' numbers (evenly inked strokes) whose other digits
        the model was unsure of. Those are not called "not a digit".
        """
        read = [bool((confidences[h.rows] >= self.min_confidence).any()) for h in chosen]
        for run in runs_side_by_side(detection.candidates):
            if len(run) < WORD_MARKS:
                continue
            as_digits = [index for index in run if read[index]]
            letters = [index for index in run if (labels[chosen[index].rows] == NOT_A_DIGIT).all()]
            inks = [detection.candidates[index].strength for index in run]
            printed = max(inks) <= PRINT_INK_SPREAD * min(inks) and len(letters) >= len(as_digits)
            if (MARKS_PER_DIGIT * len(as_digits) <= len(run)
                    or printed and PRINTED_MARKS_PER_DIGIT * len(as_digits) <= len(run)):
                for index in as_digits:
                    confidences[chosen[index].rows] = 0.0

    def _classify(self, detection: Detection) -> tuple[list[Digit], list[Box], list[Candidate]]:
        """Read every mark; return the digits, the boxes of marks rejected, and
        each digit's mark (its ink, at working scale)."""
        crops: list[np.ndarray] = []
        marks: list[list[_Hypothesis]] = []
        for candidate in detection.candidates:
            options = [[candidate], *candidate.cuts]
            hypotheses = []
            for pieces in options:
                rows = list(range(len(crops), len(crops) + len(pieces)))
                crops.extend(normalise(detection.ink, p.box, p.mask, detection.threshold) for p in pieces)
                hypotheses.append(_Hypothesis(pieces, rows))
            marks.append(hypotheses)
        if not crops:
            return [], [], []
        probabilities = self.classifier.predict(np.stack(crops))
        labels = probabilities.argmax(axis=1)
        self._restore_twos_bases(detection, marks, probabilities, labels)
        if probabilities.shape[1] > NOT_A_DIGIT:
            self._keep_straight_ones(detection, marks, probabilities, labels, lone_confidence(self.min_confidence))
            self._keep_doubted_among_digits(detection, marks, probabilities, labels, self.min_confidence)
        # A digit's confidence; a mark the model calls "not a digit" gets 0.
        confidences = np.where(labels == NOT_A_DIGIT, 0.0, probabilities.max(axis=1))

        chosen = []
        for whole, *cuts in marks:
            best, bar = whole, confidences[whole.rows[0]] - CUT_MARGIN
            if labels[whole.rows[0]] == NOT_A_DIGIT and probabilities[whole.rows[0], NOT_A_DIGIT] >= SURE_NOT_A_DIGIT:
                # A scribble such as a zigzag, cut into its strokes, reads as
                # a row of slanted 1s ("WW" as 11 at 0.95 and 0.91); touching
                # digits the model rejects whole are doubted, not sure: in
                # benchmarks/touching.py no pair rightly cut was rejected
                # whole at more than 0.89.
                cuts = []
            for cut in cuts:
                pieces = confidences[cut.rows]
                # A whole digit cut in two can read as two digits nearly as
                # surely (a 6 as "1" and "0" at 0.94, itself at 1.00): the cut
                # must read about as surely as the whole, and the surest cut
                # wins. "About": two touching digits often read whole as one
                # at 0.99 or more too (a "77" as 7), their pieces no surer.
                if pieces.min() >= CUT_MIN_CONFIDENCE and pieces.mean() >= bar:
                    best, bar = cut, float(pieces.mean())
            chosen.append(best)
        self._reject_letters_in_words(detection, chosen, labels, confidences)

        digits, rejected, pieces = [], [], []
        for best in chosen:
            for piece, row in zip(best.pieces, best.rows):
                box = detection.file_box(piece)
                if confidences[row] >= self.min_confidence:
                    digits.append(Digit(box, int(labels[row]), float(confidences[row])))
                    pieces.append(piece)
                else:
                    rejected.append(box)
        return digits, rejected, pieces


def _digit_share(reading: Reading) -> float:
    """The share of the marks looked at that read as digits."""
    digits = len(reading.digits)
    return digits / max(1, digits + len(reading.rejected))


def _may_be_read_inside_out(reading: Reading) -> bool:
    """Whether a reading may come from a picture read in the wrong polarity:
    few digits (``INSIDE_OUT_DIGITS``) among many marks that did not read, or
    nothing at all.

    The polarity is judged from the grey levels before anything is read
    (``page.is_dark_ink``), and a dark photo can fool it: a sheet whose
    shadow gamma deepens until its lit part is a small patch of glare is
    taken for a board with chalk on it (4 of the scene benchmark's 48 photos
    under gamma 2.2, ``benchmarks/camera.py``). Read inside out, its paper
    between strokes and rules is "ink", and almost nothing reads as a digit.
    """
    return len(reading.digits) <= INSIDE_OUT_DIGITS and _digit_share(reading) < INSIDE_OUT_SHARE


def _reads_better_inside_out(other: Reading, first: Reading) -> bool:
    """Whether ``other``, read in the other polarity, is clearly the better
    reading: two digits more, a larger share of its marks read as digits
    (``OTHER_WAY_SHARE``, ``OTHER_WAY_GAIN``), read surely on average
    (``OTHER_WAY_CONFIDENCE``), and not mostly 1s (``OTHER_WAY_ONES``).

    A page read the wrong way round holds bars of paper between its strokes
    and rules, which read as 1s, and a cluttered one can then read several
    dozen of them; its other marks read unsurely (0.76-0.85 on average in
    the tuning runs, 0.93-1.00 for the pages rightly read again).
    """
    digits = other.digits
    if len(digits) < len(first.digits) + 2:
        return False
    share = _digit_share(other)
    return (share >= OTHER_WAY_SHARE and share > OTHER_WAY_GAIN * _digit_share(first)
            and sum(digit.confidence for digit in digits) >= OTHER_WAY_CONFIDENCE * len(digits)
            and sum(digit.label == 1 for digit in digits) <= OTHER_WAY_ONES * len(digits))
