"""Find the marks on a page that may be digits.

grey (smoothed where noisy) -> polarity -> learn the page (``recognizer.page``:
sheet vs desk, pen width, digit height; reusable across video frames) -> ink map
with a background window fitted to the pen -> threshold -> rules found and erased
(``recognizer.rules``) -> hysteresis at two levels (strong marks, then fainter
ones where nothing was found) -> drop specks, faint marks, frames, page edges
and marks cut off by the border -> join broken strokes -> propose cuts of
touching digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import cv2
import numpy as np

from recognizer.errors import RecognizerError
from recognizer.numeric import Components, label_components, percentile, stroke_width
from recognizer.page import (MIN_DIGIT_SIDE, NOISE_FLOOR, SHEET_EDGE_MARGIN, STROKE_WINDOW, PageHint, choose_threshold,
                             ink_map, is_noisy, learn_page, smoothed, to_gray, working_copy, working_size)
from recognizer.rules import LINE_MIN_LENGTH, RULE_LENGTH, Part, Rules, colourfulness, erase_rules, find_rules
from recognizer.types import Box

FAINT_LEVEL = 0.6  # a second look for fainter marks, at this share of the page's threshold,
MIN_FAINT_SEEDS = 12  # when at least this many pixels away from the strong marks reach it
GROW_LIMIT = 1.4  # a strong mark grows into its faint rest up to this many digit heights
FAINT_RATIO = 0.2  # marks this much fainter than its firmest handwriting are not read (pencil: ~0.3 of marker)
INKED_MARGIN = 32  # pixels of paper read round the page's inked area (more than any pass reaches)...
INKED_SHARE = 0.95  # ...unless that area is nearly the whole page
MAX_BASE_DEPTH = 12  # pixels: the most of a rule below a mark put back under it (a 2's lost base)
LINE_ASPECT = 6.0  # wider than this many heights: a rule, a dash, an underline
HUGE_HEIGHT_RATIO = 2.6  # taller than this many median heights: an edge or frame...
TALL_GROUP = 2  # ...unless at least this many such marks are digit-shaped...
TALL_GROUP_SPREAD = 1.3  # ...and this close in height: large handwriting among print
ONE_STROKE_HEIGHT = 0.7  # a straight stroke at least this share of the digit height may be a "1"
SMALL_PRINT = 0.5  # under this share of the digit height...
FINE_PRINT = 0.5  # ...and this share of the pen's width: print
JOIN_OVERLAP = 0.25  # a piece joins a mark it overlaps in x by this share of the narrower
FRAME_BAND = 0.1  # a frame's ink lies within this share of its box's side of the box's edge...
FRAME_SHARE = 0.8  # ...this much of it at least
CUT_OFF_RATIO = 6  # a mark touching the border of an image this many times its size is cut off
CUT_MIN_ASPECT = 0.9  # marks at least this wide for their height may be touching digits
CUT_MIN_PIECE_HEIGHT = 0.75  # each piece of a cut stands this tall against the mark
CUT_TRIES = 24  # lines tried for each cut, least ink first, until the pieces stand tall enough,
CUT_INK_SLACK = 1.5  # ...each crossing at most this many times the least ink any line crosses,
CUT_FLOURISH = 0.8  # ...when the piece too short holds less than this share of an even piece's ink
CUT_MAX_LEAN = 0.3  # a cut's line runs at most this share of the mark's height aside from top to bottom
RUN_GAP = 0.6  # marks less than this many heights apart are side by side, in one run (a word, a number)


@dataclass
class Candidate:
    """One possible digit: its box and the ink belonging to it only."""

    box: Box  # working-scale pixels
    mask: np.ndarray  # bool [h, w]: the pixels of this mark inside its box
    strength: float  # typical ink level of the mark (ink-map units)
    cuts: list[list["Candidate"]] = field(default_factory=list)  # ways to cut it into touching digits
    between_rules: bool = False  # its ink runs on into a rule above it and one below (a box's side, if a bar)
    on_rule: "Candidate | None" = None  # its ink runs on into a rule below: the mark with that rule's ink under it


@dataclass
class Detection:
    ink: np.ndarray  # uint8 ink map at working scale: 0 paper, 255 darkest ink
    scale: float  # original pixels per working pixel
    dark_ink: bool  # True for dark ink on light paper
    threshold: float
    candidates: list[Candidate]
    hint: PageHint | None = None
    digit_height: float = 0.0  # the typical height of the page's digit-like marks
    # Where the page was read levelled (``detect``'s ``tilt``): working pixels
    # of the page as given, from those of the levelled copy (a 2x3 affine map).
    unlevel: np.ndarray | None = None

    def file_box(self, mark: Candidate) -> Box:
        """``mark``'s box in the pixels of the image as given: on a levelled
        page, the box of its ink turned back."""
        if self.unlevel is None:
            return mark.box.scaled(self.scale)
        ys, xs = np.nonzero(mark.mask)
        levelled = np.column_stack([xs + mark.box.x + 0.5, ys + mark.box.y + 0.5])
        points = (levelled @ self.unlevel[:, :2].T + self.unlevel[:, 2]) * self.scale
        (left, top), (right, bottom) = np.floor(points.min(axis=0)), np.ceil(points.max(axis=0))
        left, top = max(0, int(left)), max(0, int(top))
        return Box(left, top, max(1, int(right) - left), max(1, int(bottom) - top))


def _marks(ink: np.ndarray, mask: np.ndarray, seeds: np.ndarray, skip: np.ndarray | None = None,
           labelled: Components | None = None) -> list[Candidate]:
    """The components of ``mask`` that hold a seed pixel (and none of ``skip``).

    ``labelled``: the mask's ``label_components`` result, if known.
    """
    marked = labelled or label_components(mask)
    labels = marked.labels
    seeded = np.bincount(labels[seeds > 0], minlength=marked.count) > 0
    if skip is not None:
        seeded &= ~(np.bincount(labels[skip > 0], minlength=marked.count) > 0)
    seeded[0] = False
    candidates = []
    for label in np.flatnonzero(seeded):
        x, y, w, h = (int(v) for v in marked.boxes[label])
        if max(w, h) < MIN_DIGIT_SIDE:
            continue
        own = labels[y : y + h, x : x + w] == label
        if np.count_nonzero(own) < 12:
            continue
        strength = percentile(ink[y : y + h, x : x + w][own], 75)
        candidates.append(Candidate(Box(x, y, w, h), own, strength))
    return candidates


def _longest_side(mask: np.ndarray) -> int:
    """The longest side of any mark's box in ``mask``. The outer borders are
    enough (a quarter of a labelling's cost): a mark inside another's hole,
    a digit in a box, is smaller than that other."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return max((max(cv2.boundingRect(contour)[2:]) for contour in contours), default=0)


class _Levels(NamedTuple):
    """The ink-map levels ``_components`` takes its masks at, for a page's threshold."""

    rules: float  # rules are looked for in the marks down to this level (a faint printed line)
    strong: float  # marks whose core reaches the threshold grow down to this
    faint_seeds: float  # fainter marks are seeded at this...
    faint: float  # ...and grow down to this


def _levels(threshold: float) -> _Levels:
    faint_seeds = max(NOISE_FLOOR, threshold * FAINT_LEVEL)
    return _Levels(max(NOISE_FLOOR, threshold * 0.3), threshold * 0.5, faint_seeds, faint_seeds * 0.5)


def _components(ink: np.ndarray, threshold: float, digit_height: float,
                colour: np.ndarray | None = None, part: Part | None = None, pen: float = 0.0,
                rule_height: float = 0.0) -> list[Candidate]:
    """Hysteresis at two levels.

    First the marks whose core reaches ``threshold``, each grown down to half
    of it. Then, only where nothing was found, fainter marks (a pencil beside
    a pen or print) seeded at ``FAINT_LEVEL`` of the threshold: a single low
    threshold everywhere would merge neighbouring strong marks instead.

    ``part``: where ``ink`` lies on its page, if it is a part of one; ``pen``:
    the page's pen width, if known (rules are measured by it: ``find_rules``);
    ``rule_height``: the height a rule must be ``RULE_LENGTH`` times longer
    than, if above ``digit_height`` (``PageHint.rule_height``).
    """
    levels = _levels(threshold)
    faint = (ink >= levels.rules).astype(np.uint8)
    high = (ink >= levels.strong).astype(np.uint8)
    rules = None
    rule_height = max(rule_height, digit_height)
    searched = _longest_side(high) >= max(LINE_MIN_LENGTH, RULE_LENGTH * rule_height)
    if searched:
        # Some strong mark is long enough to hold a rule: look for rules.
        rules = find_rules(high, rule_height, faint, colour, part, pen)
        if rules is not None:
            high = erase_rules(high, rules)
    candidates = _marks(ink, high, ink >= threshold)
    taken = np.zeros_like(high)  # the strong marks already found, and a margin round them
    for c in candidates:
        taken[c.box.y : c.box.bottom, c.box.x : c.box.right] |= c.mask.astype(np.uint8)
    taken = cv2.dilate(taken, np.ones((5, 5), np.uint8))
    seeds = (ink >= levels.faint_seeds) & (taken == 0)
    if np.count_nonzero(seeds) < MIN_FAINT_SEEDS:  # nothing fainter on this page
        return _flag_marks_on_rules(candidates, rules, ink, levels.strong)
    if not searched:  # faint rules (light ruled paper) matter at the fainter level
        rules = find_rules(high, rule_height, faint, colour, part, pen)
    low = erase_rules((ink >= levels.faint).astype(np.uint8), rules)
    low_marked = label_components(low)
    grown = _grow_into_faint(candidates, low_marked, seeds, digit_height)
    return _flag_marks_on_rules(grown + _marks(ink, low, seeds, skip=taken & low, labelled=low_marked), rules,
                                ink, levels.faint)


def _inked_area(ink: np.ndarray, threshold: float) -> tuple[int, int, int, int]:
    """The box (x, y, w, h) round every pixel that any mask of ``_components``
    holds at ``threshold``, ``INKED_MARGIN`` wider on each side and cornered on
    even pixels (rules are searched at half size on every second pixel).

    A scanned form's margins, and the desk round a sheet, hold no ink: the
    full-page passes that find and erase rules and label marks need not run
    over them. The margin is wider than any of those passes reaches, so they
    find within the box what they would have found on the whole page."""
    levels = _levels(threshold)
    x, y, w, h = cv2.boundingRect((ink >= min(levels.rules, levels.strong, levels.faint)).view(np.uint8))
    height, width = ink.shape
    left, top = max(0, x - INKED_MARGIN) // 2 * 2, max(0, y - INKED_MARGIN) // 2 * 2
    right, bottom = min(width, x + w + INKED_MARGIN), min(height, y + h + INKED_MARGIN)
    return left, top, max(0, right - left), max(0, bottom - top)


def _marks_in_inked_area(ink: np.ndarray, threshold: float, digit_height: float,
                         colour: np.ndarray | None = None, pen: float = 0.0,
                         rule_height: float = 0.0) -> list[Candidate]:
    """``_components`` run on the page's ``_inked_area`` only, in page pixels."""
    x, y, w, h = _inked_area(ink, threshold)
    if w * h >= INKED_SHARE * ink.size:
        return _components(ink, threshold, digit_height, colour, pen=pen, rule_height=rule_height)
    inside = (slice(y, y + h), slice(x, x + w))
    found = _components(ink[inside], threshold, digit_height, None if colour is None else colour[inside],
                        Part(x, y, ink.shape), pen, rule_height)
    for c in found:
        _move(c, x, y)
    return found


def _move(c: Candidate, dx: int, dy: int) -> None:
    """Shift ``c`` (and the mark with the rule under it) by (dx, dy), in place:
    the marks just found are the caller's own. (Cuts are proposed later.)"""
    c.box = Box(c.box.x + dx, c.box.y + dy, c.box.w, c.box.h)
    if c.on_rule is not None:
        _move(c.on_rule, dx, dy)


def _flag_marks_on_rules(candidates: list[Candidate], rules: Rules | None, ink: np.ndarray,
                        level: float) -> list[Candidate]:
    """Flag the marks whose ink runs on, with no gap of paper, into a mostly
    horizontal rule below them (``on_rule``), and those that also run into
    one above them (``between_rules``). ``level``: the ink-map level that
    counts as ink, that of the faintest mask the marks were taken from.

    A box's side that rule removal left in place runs from rule to rule:
    ``_box_sides`` takes a bar for a side only when it is about as thin as the
    thinner of its two rules, and a rule can be measured thin (one comb's
    bottom line 1.9 px, its top line 3.8 px, both printed alike). A 1 written
    in a box almost always leaves paper between it and one of the box's
    lines. The flag keeps the pipeline from reading the bar as a 1 when the
    model calls it "not a digit".

    A mark standing on a rule may have lost a stroke drawn along it with the
    rule (a 2's base on its box's bottom line, in the rule's own ink and no
    thicker): ``on_rule`` is the mark with the rule's ink under it put back,
    for the pipeline to read too.
    """
    if rules is None:
        return candidates
    for c in candidates:
        x, y, w, _ = c.box
        bottom = c.box.bottom
        if y < 2 or bottom + 2 > ink.shape[0]:
            continue
        rule_below = rules.across[bottom + 1, x : x + w] > 0
        if not rule_below.any():
            continue  # most marks: no rule below, nothing more to look at
        # Ink runs on, with no gap, from the mark's bottom into a rule below it
        # (in some column of the mark), and from its top into a rule above it.
        if not ((ink[bottom : bottom + 2, x : x + w] >= level).all(axis=0) & rule_below).any():
            continue
        c.on_rule = _with_rule_below(c, rules.across, ink, level)
        rule_above = rules.across[y - 2, x : x + w] > 0
        c.between_rules = bool(((ink[y - 2 : y, x : x + w] >= level).all(axis=0) & rule_above).any())
    return candidates


def _with_rule_below(c: Candidate, across: np.ndarray, ink: np.ndarray, level: float) -> Candidate:
    """``c`` with the ink of the rule under it, across its width, as part of it."""
    x, _, w, _ = c.box
    bottom, depth = c.box.bottom, 0
    while depth < MAX_BASE_DEPTH and bottom + depth < ink.shape[0] and across[bottom + depth, x : x + w].any():
        depth += 1
    band = (ink[bottom : bottom + depth, x : x + w] >= level) & (across[bottom : bottom + depth, x : x + w] > 0)
    return Candidate(Box(x, c.box.y, w, c.box.h + depth), np.vstack([c.mask, band]), c.strength)


def _grow_into_faint(strong: list[Candidate], low: Components, seeds: np.ndarray,
                     digit_height: float) -> list[Candidate]:
    """Strong marks grown to the fainter mark they are part of.

    A pencil digit is rarely even: its firm part is found first, and the rest
    (a 9's faint tail, the side of a 0 that a grid line cut off) holds no pixel
    of the strong threshold. When the fainter mask joins such a rest to one
    strong mark, and only one (neighbouring digits are not merged), and the
    whole is still no larger than a digit, the whole is the mark.
    """
    if not strong or digit_height <= 0:
        return strong
    seeded = np.bincount(low.labels[seeds], minlength=low.count) >= MIN_FAINT_SEEDS
    seeded[0] = False
    if not seeded.any():
        return strong
    # The faint mark each strong one lies in, read at its first pixel (the
    # fainter mask holds the stronger one, rules aside).
    owners = []
    for c in strong:
        first = int(np.argmax(c.mask))  # row-major: the first pixel of the mark
        owners.append(int(low.labels[c.box.y + first // c.box.w, c.box.x + first % c.box.w]))
    holders = np.bincount(owners, minlength=low.count)  # strong marks in each faint mark
    result = []
    for c, label in zip(strong, owners):
        x, y, w, h = (int(v) for v in low.boxes[label])
        if seeded[label] and holders[label] == 1 and max(w, h) <= GROW_LIMIT * digit_height:
            own = low.labels[y : y + h, x : x + w] == label
            c = Candidate(Box(x, y, w, h), own, c.strength)
        result.append(c)
    return result


def _hugs_its_box(c: Candidate) -> bool:
    """Whether most of the mark's ink lies along the sides of its box, as a
    frame's does (a border round a picture, a table's outline): a digit drawn
    thin to fill the picture, a 0 included, holds much of its ink inside."""
    band = max(1, int(FRAME_BAND * min(c.box.w, c.box.h)))
    inside = c.mask[band:-band, band:-band]
    total = int(np.count_nonzero(c.mask))
    return total > 0 and int(np.count_nonzero(inside)) <= (1.0 - FRAME_SHARE) * total


def _drop_lines_and_edges(cands: list[Candidate], shape: tuple[int, int]) -> list[Candidate]:
    height, width = shape
    kept = []
    for c in cands:
        b = c.box
        fill = c.mask.mean()
        is_rule = b.w > LINE_ASPECT * b.h and b.w > 3 * MIN_DIGIT_SIDE
        spans_page = b.h > 0.8 * height or b.w > 0.8 * width
        is_frame = spans_page and fill < 0.15 and _hugs_its_box(c)
        touches = (b.x == 0) + (b.y == 0) + (b.right == width) + (b.bottom == height)
        is_edge = touches >= 1 and (b.h > 0.6 * height or b.w > 0.6 * width) and min(b.w, b.h) < 0.1 * max(b.w, b.h)
        # Cut off by the picture's edge (or the desk beyond a sheet): not readable.
        # A tight crop of one digit (the image barely larger than the mark) is kept.
        is_cut_off = touches >= 1 and max(height, width) > CUT_OFF_RATIO * max(b.w, b.h)
        if not (is_rule or is_frame or is_edge or is_cut_off):
            kept.append(c)
    return kept


def _drop_on_sheet_edge(cands: list[Candidate], page: np.ndarray) -> list[Candidate]:
    """Drop marks that touch the edge of the sheet on a desk: a sliver of the
    edge itself, or a mark cut off by it, is not a digit to read."""
    edge = cv2.dilate((page == 0).astype(np.uint8), np.ones((SHEET_EDGE_MARGIN, SHEET_EDGE_MARGIN), np.uint8))
    return [c for c in cands if not edge[c.box.y : c.box.bottom, c.box.x : c.box.right][c.mask].any()]


def _drop_faint(cands: list[Candidate]) -> list[Candidate]:
    """Keep the marks written as firmly as the page's handwriting."""
    if not cands:
        return cands
    sized = sorted(cands, key=lambda c: c.box.h, reverse=True)
    reference = np.median([c.strength for c in sized[: max(3, len(sized) // 4)]])
    return [c for c in cands if c.strength >= FAINT_RATIO * reference]


def _merge(a: Candidate, b: Candidate) -> Candidate:
    box = a.box.union(b.box)
    mask = np.zeros((box.h, box.w), dtype=bool)
    for part in (a, b):
        oy, ox = part.box.y - box.y, part.box.x - box.x
        mask[oy : oy + part.box.h, ox : ox + part.box.w] |= part.mask
    return Candidate(box, mask, max(a.strength, b.strength))


def _join_broken(cands: list[Candidate], typical_h: float) -> list[Candidate]:
    """Join pieces of one digit (a 5's flag, a 4's open top, a broken stroke).

    A small piece joins the mark it overlaps most in x when they overlap by a
    quarter of the narrower one (a 5's flag, drawn apart, often reaches well
    right of its body), sit within a quarter of a digit height vertically,
    and the union still has a digit's proportions. The union may be up to
    1.35 digit heights tall, or 1.8 where the pieces' rows overlap: a digit
    drawn alone in two strokes (a 5's stem and flag apart from its bowl) has
    no other digits to set the height, and the larger piece sets it too low;
    digits one above the other in a column do not overlap so. (Over the
    scene benchmark's seeds 0-143 it left every digit read as it was, and
    took 3 false marks off forms.) All pairs are tested at once with NumPy;
    pieces join in rounds until nothing changes.
    """
    for _ in range(4):
        if len(cands) < 2:
            return cands
        boxes = np.array([c.box for c in cands], dtype=np.int64)
        x, y, w, h = boxes.T
        right, bottom = x + w, y + h
        overlap_x = np.minimum(right[:, None], right[None, :]) - np.maximum(x[:, None], x[None, :])
        gap_y = np.maximum(y[:, None], y[None, :]) - np.minimum(bottom[:, None], bottom[None, :])
        union_w = np.maximum(right[:, None], right[None, :]) - np.minimum(x[:, None], x[None, :])
        union_h = np.maximum(bottom[:, None], bottom[None, :]) - np.minimum(y[:, None], y[None, :])
        ok = (
            (overlap_x >= JOIN_OVERLAP * np.minimum(w[:, None], w[None, :]))
            & (gap_y <= 0.25 * typical_h)
            & ((union_h <= 1.35 * typical_h) | ((gap_y < 0) & (union_h <= 1.8 * typical_h)))
            & (union_w <= 1.1 * union_h)
            & (h[:, None] < 0.75 * typical_h)  # row: the small piece
            & ((w * h)[:, None] <= (w * h)[None, :])  # column: the mark it joins
        )
        np.fill_diagonal(ok, False)
        pieces = np.flatnonzero(ok.any(axis=1))
        if pieces.size == 0:
            return cands
        taken: set[int] = set()
        merged: list[Candidate] = []
        for i in pieces:
            partners = np.flatnonzero(ok[i])
            j = int(partners[np.argmax(overlap_x[i, partners])])
            if i in taken or j in taken:
                continue
            taken.update((int(i), j))
            merged.append(_merge(cands[i], cands[j]))
        cands = [c for k, c in enumerate(cands) if k not in taken] + merged
    return cands


def _propose_cuts(cands: list[Candidate], typical_h: float) -> None:
    """Give marks that may be two or more touching digits proposed cuts.

    A cut is only a proposal: the pipeline reads the mark whole and each of
    its cuts, and keeps the surest cut whose every piece reads as a digit.
    Every mark at least ``CUT_MIN_ASPECT`` as wide as tall is offered a cut
    in two, and a wider one also the cut into as many pieces as its width
    holds digits (two broad digits can be as wide as three narrow ones).
    """
    for c in cands:
        b = c.box
        if b.w >= CUT_MIN_ASPECT * b.h and b.h >= 0.6 * typical_h:
            counts = sorted({2, max(2, int(round(b.w / (0.7 * b.h))))})
            c.cuts = [pieces for pieces in (_cut(c, count) for count in counts) if pieces]


def _cut_lines(mask: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every straight line from the mark's top row to its bottom row that
    starts and ends in columns ``lo`` to ``hi - 1`` and leans at most
    ``CUT_MAX_LEAN`` of the mark's height: its column in each row [lines, h],
    the ink pixels it crosses and the strokes it crosses (separate runs of ink
    along it)."""
    height = mask.shape[0]
    columns = np.arange(lo, hi)
    lean = int(CUT_MAX_LEAN * height)
    top, bottom = np.meshgrid(columns, columns, indexing="ij")
    keep = np.abs(bottom - top) <= lean
    top, bottom = top[keep], bottom[keep]
    rows = np.arange(height)
    along = np.rint(top[:, None] + (bottom - top)[:, None] * rows[None, :] / max(height - 1, 1)).astype(np.int64)
    ink = mask[rows[None, :], along]
    starts = np.count_nonzero(np.diff(ink.astype(np.int8), axis=1) == 1, axis=1) + ink[:, 0]
    return along, np.count_nonzero(ink, axis=1), starts


def _part(c: Candidate, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The ink of ``c`` between two cut lines (a column in each row)."""
    columns = np.arange(c.box.w)[None, :]
    return c.mask & (columns >= left[:, None]) & (columns < right[:, None])


def _piece(c: Candidate, part: np.ndarray) -> Candidate | None:
    """``part`` of ``c`` as a mark of its own, boxed tight; None unless it
    stands nearly as tall as ``c`` (``CUT_MIN_PIECE_HEIGHT``) and is no sliver."""
    b = c.box
    rows, cols = np.nonzero(part)
    if rows.size < 12:
        return None
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    if (y1 - y0) < CUT_MIN_PIECE_HEIGHT * b.h or (x1 - x0) < 0.12 * b.h:
        return None
    return Candidate(Box(b.x + int(x0), b.y + int(y0), int(x1 - x0), int(y1 - y0)), part[y0:y1, x0:x1], c.strength)


def _cut(c: Candidate, pieces: int) -> list[Candidate]:
    """Cut ``c`` into ``pieces`` along straight lines (upright or leaning)
    where a single thin stroke joins digits, each near its even share of the
    width; [] where no such cut exists.

    Touching digits are joined by one stroke (a tail, a bar), and one digit
    may lean over the other (a 7's stem beside a 3): the cut is the line
    near its place that crosses the least ink, crossing at most one stroke.
    A digit split down its middle is crossed by two or three strokes. Each
    piece must also stand nearly as tall as the mark (``CUT_MIN_PIECE_HEIGHT``).
    Where the least-ink line sheds only a flourish that short (a 3's tail
    reaching under its neighbour), the next lines, crossing about as little
    ink, are tried; where it parts the mark into short halves (the two loops
    of an 8 written on a slant) the mark is not two digits side by side.
    """
    b = c.box
    even_share = np.count_nonzero(c.mask) / pieces
    result: list[Candidate] = []
    left, right_edge = np.zeros(b.h, np.int64), np.full(b.h, b.w, np.int64)
    for k in range(1, pieces):
        centre = k * b.w / pieces
        lo = max(int(left.max()) + 2, int(round(centre - 0.5 * b.w / pieces)))  # wholly right of the last cut
        hi = min(b.w - 2, int(round(centre + 0.5 * b.w / pieces)) + 1)
        if hi <= lo:
            return []
        along, crossed, strokes = _cut_lines(c.mask, lo, hi)
        fine = np.flatnonzero(strokes <= 1)
        if fine.size == 0:
            return []
        middle = along[fine].mean(axis=1)
        order = fine[np.lexsort((np.abs(middle - centre), crossed[fine]))][:CUT_TRIES]
        order = order[crossed[order] <= CUT_INK_SLACK * crossed[order[0]]]
        for rank, line in enumerate(order):
            parts = [_part(c, left, along[line])]
            if k == pieces - 1:  # the last cut also makes the last piece
                parts.append(_part(c, along[line], right_edge))
            found = [_piece(c, part) for part in parts]
            if None not in found:
                break
            short = [part for part, piece in zip(parts, found) if piece is None]
            if rank == 0 and max(np.count_nonzero(part) for part in short) >= CUT_FLOURISH * even_share:
                return []
        else:
            return []
        result.extend(found)
        left = along[line]
    return result


def is_straight_stroke(candidate: Candidate, detection: "Detection") -> bool:
    """One straight stroke, upright or slanted up to 35 degrees, drawn with the
    page's pen and as tall as its digits.

    That is how a "1" is often written, and what a model that learnt box sides
    and rule remnants as "not a digit" may take for one. Rule fragments are
    thinner than the pen; box sides are taller than the digits in them.
    """
    b, height = candidate.box, detection.digit_height
    if not ONE_STROKE_HEIGHT * height <= b.h <= 1.4 * height:
        return False
    ys, xs = np.nonzero(candidate.mask)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
    length, width = max(side_a, side_b), max(1.0, min(side_a, side_b))
    pen = detection.hint.window / STROKE_WINDOW if detection.hint and detection.hint.window else 0.0
    slant = np.degrees(np.arccos(min(1.0, b.h / max(length, 1.0))))
    return bool(
        width <= 0.35 * length
        and width >= 0.5 * pen
        and slant <= 35
        and len(ys) >= 0.5 * length * width  # a solid bar, not a bent line
    )


def row_neighbours(index: int, candidates: list[Candidate]) -> list[int]:
    """The marks beside candidate ``index`` on its row, within 0.6 of its height."""
    b = candidates[index].box
    reach = 0.6 * b.h
    return [
        k for k, other in enumerate(candidates)
        if k != index
        and min(other.box.bottom, b.bottom) - max(other.box.y, b.y) > 0.3 * b.h
        and other.box.x < b.right + reach and other.box.right > b.x - reach
    ]


def runs_side_by_side(candidates: list[Candidate]) -> list[list[int]]:
    """The marks chained side by side along a row, as lists of indices: two
    marks are linked when they are level (their heights overlap by half the
    shorter), at most twice as tall as one another and less than
    ``RUN_GAP`` of the taller one's height apart. A printed word is such a
    run, its letters one after the other; so is a handwritten number.

    Box sides that rule removal left (``between_rules``) take no part: in a
    comb they stand between the digits, and a run of digits and sides is not
    a word.
    """
    if not candidates:
        return []
    x, y, w, h = np.array([c.box for c in candidates], np.float64).T
    right, bottom = x + w, y + h
    shorter, taller = np.minimum(h[:, None], h[None, :]), np.maximum(h[:, None], h[None, :])
    level = np.minimum(bottom[:, None], bottom[None, :]) - np.maximum(y[:, None], y[None, :]) > 0.5 * shorter
    gap = np.maximum(x[:, None], x[None, :]) - np.minimum(right[:, None], right[None, :])
    linked = level & (gap < RUN_GAP * taller) & (taller <= 2.0 * shorter)
    sides = np.array([c.between_rules for c in candidates])
    linked[sides, :] = False
    linked[:, sides] = False
    run_of = np.full(len(candidates), -1)
    runs: list[list[int]] = []
    for start in np.flatnonzero(~sides):  # a breadth-first walk from each mark not yet in a run
        if run_of[start] >= 0:
            continue
        run, frontier = [int(start)], [int(start)]
        run_of[start] = len(runs)
        while frontier:
            reached = np.flatnonzero(linked[frontier].any(axis=0) & (run_of < 0))
            run_of[reached] = len(runs)
            frontier = reached.tolist()
            run.extend(frontier)
        runs.append(sorted(run))
    return runs


def _is_small_print(candidate: Candidate, hint: PageHint) -> bool:
    """Far shorter than the page's handwriting and drawn with a far finer
    stroke than its pen: the small print of a form or a page, which can
    outnumber its digits several times over."""
    if hint.pen <= 0 or candidate.box.h >= SMALL_PRINT * hint.digit_height:
        return False
    return stroke_width(candidate.mask) < FINE_PRINT * hint.pen


def _typical_height(cands: list[Candidate], shape: tuple[int, int] | None = None) -> float:
    """The height of the page's digit-shaped marks (at least 0.7 as tall as
    wide): the grain of a desk, scraps of rules and dashes, all flat, can
    outnumber the digits and would set it too low. Marks that the picture's
    border (of ``shape``) cuts are left out when there are others: a sliver of
    desk beside a sheet's edge, as tall as several digits, would set it far
    too high, and the page's lone digit would be dropped as a speck."""
    if shape is not None:
        height, width = shape
        inside = [c for c in cands if c.box.x > 0 and c.box.y > 0 and c.box.right < width and c.box.bottom < height]
        cands = inside or cands
    shaped = [c for c in cands if c.box.h >= 0.7 * c.box.w] or cands
    heights = sorted(c.box.h for c in shaped)
    # The upper half of the marks: specks and dots should not set the scale.
    return float(np.median(heights[len(heights) // 2 :])) if heights else 0.0


def _tall_group_height(cands: list[Candidate], typical_h: float) -> float:
    """The height of marks far taller than the page's typical mark
    (``HUGE_HEIGHT_RATIO``) when at least ``TALL_GROUP`` of them are shaped like
    digits, about as tall as one another (within ``TALL_GROUP_SPREAD``) and
    inked at least half as strongly as the page's marks are; else 0.

    Print can outnumber handwriting twenty to one on a form, and then sets the
    typical height; numbers written large in its boxes would be "huge". An
    edge or a frame is one mark, and seldom shaped like a digit; the arcs of a
    coffee ring are far fainter than ink; a row of digits is several marks
    alike.
    """
    if not cands:
        return 0.0
    ink = float(np.median([c.strength for c in cands]))
    tall = [c.box.h for c in cands if c.box.h > HUGE_HEIGHT_RATIO * typical_h and c.box.h >= 0.7 * c.box.w
            and c.strength >= 0.5 * ink]
    if len(tall) < TALL_GROUP:
        return 0.0
    middle = float(np.median(tall))
    alike = [h for h in tall if middle / TALL_GROUP_SPREAD <= h <= middle * TALL_GROUP_SPREAD]
    return float(np.median(alike)) if len(alike) >= TALL_GROUP else 0.0


def _levelling(shape: tuple[int, int], tilt: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The turn (a 2x3 affine map) that lays rows running at ``tilt`` degrees
    level on a page of ``shape``, and the (width, height) that holds all of it."""
    height, width = shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), tilt, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos))
    turn[:, 2] += (np.array(size) - (width, height)) / 2
    return turn, size


def detect(image: np.ndarray, source: str = "<image>", hint: PageHint | None = None,
           rescale: bool = True, tilt: float = 0.0, ink: np.ndarray | None = None,
           dark_ink: bool | None = None) -> Detection:
    """Find the digit-like marks in a BGR or grey image.

    ``hint`` (from an earlier frame's ``Detection.hint``) skips learning the
    page again; it is ignored if the frame's size differs. ``rescale=False``
    reads the image at its own scale (up to ``WORK_MAX_SIDE``) even where its
    handwriting is large: the frames of a camera keep whole-pixel shifts, so
    a digit that stays in view gives the same crop frame after frame.

    ``tilt``: the angle in degrees at which the page's rows run (``row_tilt``,
    positive when they fall to the right): the marks are looked for on a copy
    of the page's ink map turned by it, so that its rows, its rules and its
    digits stand as on a level page (``Detection.file_box`` takes a mark's
    box back). The ink map, not the picture, is turned: what the turn
    uncovers is paper in an ink map (0), while a picture's corners would
    have to be filled with what it does not hold. ``ink``: the page's ink
    map at working scale, if already made with ``hint`` (a first reading's).
    ``dark_ink``: the polarity to read a page learnt anew in (no ``hint``);
    None: judged from the picture.
    """
    gray, scale = working_copy(to_gray(image))
    if float(gray.max()) - float(gray.min()) < 8:
        raise RecognizerError(source, "image is blank (one flat colour): nothing to read")
    if hint is None or hint.shape != gray.shape:
        # Whether the picture is smoothed for its noise is learnt with the
        # page: a video's frames near the bar are all read one way.
        noisy = is_noisy(gray)
        if noisy:
            gray = smoothed(gray)
        hint, ink = learn_page(gray, rescale, noisy, dark_ink)
    elif hint.noisy and ink is None:  # an ink map given was made from the smoothed page
        gray = smoothed(gray)
    if hint.factor != 1.0:
        size = working_size(gray.shape, hint.factor)
        scale *= gray.shape[1] / size[0]
        if ink is None:  # an ink map given is at this size already
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    # The look that counts uses a window fitted to the pen: a few stroke widths
    # wide, so shadows and stains wider than that stay part of the paper.
    if ink is None:
        ink, _ = ink_map(gray, hint.dark_ink, window=hint.window, page=hint.page, canvas=hint.canvas)
    threshold = choose_threshold(ink)
    dark_ink = hint.dark_ink
    colour = colourfulness(image, ink.shape)
    shape, page, unlevel = ink.shape, hint.page, None
    if tilt:
        turn, size = _levelling(ink.shape, tilt)
        ink = cv2.warpAffine(ink, turn, size, flags=cv2.INTER_LINEAR, borderValue=0)
        if colour is not None:
            colour = cv2.warpAffine(colour, turn, size, flags=cv2.INTER_LINEAR, borderValue=0)
        if page is not None:  # beyond the picture is no desk's edge
            page = cv2.warpAffine(page, turn, size, flags=cv2.INTER_NEAREST, borderValue=1)
        shape, unlevel = size[::-1], cv2.invertAffineTransform(turn)
    marks = _marks_in_inked_area(ink, threshold, hint.digit_height, colour, hint.pen, hint.rule_height)
    cands = _drop_lines_and_edges(marks, shape)
    if page is not None:
        cands = _drop_on_sheet_edge(cands, page)
    cands = _drop_faint(cands)
    typical_h = _typical_height(cands, shape)
    cands = _join_broken(cands, typical_h)
    # Small print can outnumber the digits and set the typical height; a mark is
    # only "huge" against the height of the marks drawn with the page's pen too.
    tallest = HUGE_HEIGHT_RATIO * max(typical_h, hint.digit_height, _tall_group_height(cands, typical_h))
    cands = [c for c in cands if 0.35 * typical_h <= c.box.h <= tallest and not _is_small_print(c, hint)]
    _propose_cuts(cands, typical_h)
    return Detection(ink, scale, dark_ink, threshold, cands, hint, typical_h, unlevel)
