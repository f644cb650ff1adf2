"""Find the rules of a page and erase them without eating the strokes that touch them.

Rules are ruled or squared paper in perspective, skewed form lines, table rules
and the sides of comb boxes: long thin straight runs (a Hough transform),
followed past their found ends where a faint line breaks up, and bars from rule
to rule. A stroke drawn along a rule (a 2's base on its line) is deeper or more
colourful than the rule and is kept; where a stroke crosses a rule it is
bridged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from recognizer.numeric import label_components

LINE_MIN_LENGTH = 40  # pixels: rules are straight runs at least this long...
RULE_LENGTH = 2.5  # ...and this many digit heights
RULE_AXIS_TOLERANCE = 12.0  # degrees: rules run within this of horizontal or vertical...
TILTED_RULE_LENGTH = 3.0  # ...or are this many times the minimum length
HOUGH_FULL_SIZE = 150_000  # pixels: larger masks are searched for rules at half size
RULE_GAP = 8  # pixels: a rule is followed past its found ends over gaps this long...
RULE_SLACK = 2  # ...and this many pixels to either side of its line,
RULE_FOLLOW = 2  # ...for at most this many shortest rule lengths (a desk's grain is not followed far)
STROKE_OVER_RULE = 1.0  # pixels: a stroke along a rule is this much deeper than half the rule...
ALONG_RULE = 7  # pixels: ...and runs along it at least this far
THICK_RULE = 3.0  # pixels: a rule thicker than this is measured at its centre (a segment may run along its edge)...
BROAD_PEN = 1.5  # ...where the page's pen is at least this many times thicker still
SIDE_REACH = 4  # pixels: a box side's ends lie this close to rules...
SIDE_WIDTH = 1.5  # ...and at most this many times as thick as they are,
SIDE_MARGIN = 1.5  # or this many pixels thicker (thin rules are measured a pixel thin)
STEP_TOLERANCE = 0.1  # the sides of a comb's boxes stand one step apart, give or take this share
PEN_COLOUR = 40  # ink on a rule this much more colourful than the rule is a pen's stroke along it
SLIVER_RUN = 15  # pixels: a pixel-thin run of ink this long along a rule's edge is the rule's
LINE_BRIDGE = 13  # pixels: a stroke's two sides across a removed line are joined...
CORNER_MARGIN = 7  # ...on a slant too, but not in a square this wide round a crossing of rules


@dataclass(frozen=True)
class Part:
    """Where a part of a page lies on it: its top-left corner, and the page's shape."""

    x: int
    y: int
    page_shape: tuple[int, int]


def colourfulness(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray | None:
    """How colourful each pixel is (its largest channel less its smallest),
    resized to ``shape``; None for a grey image. A blue or red pen stands out
    on a black printed rule by its colour even where it is no thicker.

    Also None when no pixel is ``PEN_COLOUR`` colourful (a grey scan saved in
    colour): no pen could stand out by its colour there, and a page-sized
    resize and the rules' colours are spared."""
    if image.ndim == 2 or image.shape[2] < 3:
        return None
    blue, green, red = cv2.split(np.ascontiguousarray(image[..., :3]))
    colour = cv2.subtract(cv2.max(cv2.max(blue, green), red), cv2.min(cv2.min(blue, green), red))
    if cv2.minMaxLoc(colour)[1] <= PEN_COLOUR:
        return None
    if colour.shape != shape:
        # Sampled, not averaged (several times cheaper on an A4 page): only a
        # rule's median colour and a pen's pixels well above it count.
        colour = cv2.resize(colour, shape[::-1], interpolation=cv2.INTER_LINEAR)
    return colour


def _rules(mask: np.ndarray, max_thickness: float, min_length: int, colour: np.ndarray | None, part: Part,
           pen: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Long thin straight lines at any angle (ruled paper in perspective, skewed
    forms, underlines), drawn as masks as thick as they are: the mostly
    horizontal ones and the mostly vertical ones apart, and a map of each
    rule's thickness where it runs (a form mixes heavy and light lines), and
    the mask's distance transform (each ink pixel's depth in its stroke; None
    when the search found no straight run, and so no rule). The map holds
    ``_centred`` thicknesses where the page's ``pen`` is known. Given the page's
    ``colour`` (see ``colourfulness``), also a map of each rule's own colour
    where it runs (the median along it: a pen's short stroke along a rule
    does not change it); else None. ``part``: where the mask lies on its page.

    Large pages are searched at half size, max-pooled so that a 1-px rule
    stays unbroken; the segments are scaled back. The search runs in the
    page's own pixels, even for a part of it: the Hough accumulator rounds
    each point's distance from the page's corner, and a part must find what
    the page would."""
    page_height, page_width = part.page_shape
    step = 2 if page_height * page_width > HOUGH_FULL_SIZE else 1
    search = cv2.dilate(mask, np.ones((2, 2), np.uint8))[::2, ::2] if step == 2 else mask
    searched_page = ((page_height + step - 1) // step, (page_width + step - 1) // step)
    if search.shape != searched_page:
        on_page = np.zeros(searched_page, np.uint8)
        top, left = part.y // step, part.x // step
        on_page[top : top + search.shape[0], left : left + search.shape[1]] = search
        search = on_page
    length = min_length // step
    segments = cv2.HoughLinesP(search, 1, np.pi / 360, threshold=length // 2,
                               minLineLength=length, maxLineGap=3)
    if segments is not None:
        segments = segments.reshape(-1, 4) * step - np.array([part.x, part.y, part.x, part.y])
    across = np.zeros_like(mask)  # mostly horizontal
    upright = np.zeros_like(mask)  # mostly vertical
    thickness_map = np.zeros(mask.shape, np.float32)
    if segments is None:
        return across, upright, thickness_map, None, None
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    thicknesses = 2.0 * _median_along(distance, segments)
    mapped = _centred(distance, segments, thicknesses, pen)
    found = []
    for (x1, y1, x2, y2), thickness, on_map in zip(segments.tolist(), thicknesses.tolist(), mapped.tolist()):
        # Rules run with the page's axes (give or take skew and perspective); a
        # tilted straight run is a digit's stroke (a 2's or 7's diagonal) unless it
        # is far longer than any digit could be.
        off_axis = np.degrees(np.arctan2(min(abs(x2 - x1), abs(y2 - y1)), max(abs(x2 - x1), abs(y2 - y1))))
        if off_axis > RULE_AXIS_TOLERANCE and np.hypot(x2 - x1, y2 - y1) < TILTED_RULE_LENGTH * min_length:
            continue
        if thickness <= max_thickness:
            found.append((x1, y1, x2, y2, thickness, on_map))
    if not found:
        return across, upright, thickness_map, distance, None
    segments = np.array([f[:4] for f in found], np.float32)
    colour_map = None if colour is None else np.zeros(mask.shape, np.uint8)
    colours = None if colour is None else _median_along(colour, segments.astype(np.int64))
    ends = np.concatenate([_extend_rules(mask, segments[k : k + 256], RULE_FOLLOW * min_length)
                           for k in range(0, len(segments), 256)])  # 256 at a time: memory stays small
    widths = [max(1, int(round(thickness))) for *_, thickness, _ in found]
    for (x1, y1, x2, y2), (*_, on_map), width in zip(ends.tolist(), found, widths):
        target = across if abs(x2 - x1) >= abs(y2 - y1) else upright
        cv2.line(target, (x1, y1), (x2, y2), 1, width)
        cv2.line(thickness_map, (x1, y1), (x2, y2), float(max(on_map, 1.0)), width)
    if colour_map is not None:
        # Drawn 4 pixels wider on each side, most colourful last: where rules
        # cross or run close, the most colourful one near counts. (Colours are
        # whole numbers: a pixel is more colourful than a median of x.5 when
        # it is more colourful than x.)
        for k in np.argsort(colours, kind="stable").tolist():
            x1, y1, x2, y2 = ends[k].tolist()
            cv2.line(colour_map, (x1, y1), (x2, y2), int(colours[k]), widths[k] + 8)
    return across, upright, thickness_map, distance, colour_map


def _centred(distance: np.ndarray, segments: np.ndarray, thicknesses: np.ndarray, pen: float) -> np.ndarray:
    """The segments' ``thicknesses`` (twice their median depth in ``distance``,
    the mask's distance transform), each measured at its rule's centre where
    that rule is thicker than ``THICK_RULE`` and the ``pen`` at least
    ``BROAD_PEN`` times thicker still.

    A Hough segment, found at half size, may run along a thick rule's edge a
    pixel or two off its centre: a table's row line, 4 to 6 pixels thick,
    was measured 2 thick, its own middle then passed for a stroke drawn along
    it and was kept, and it joined the five digits written on it into one long
    mark that was dropped. The centre lies within a pixel of the segment: the
    deepest point of a 3x3 neighbourhood is taken. A thin pen's stroke along
    a rule is no deeper than the rule's centre, and was kept only because the
    rule was measured too thin: where the pen is not clearly broader than the
    rule, the measure stays on the segment (over 576 cached photo and clutter
    scenes, centring every rule lost 0.6 and 0.7 points of end-to-end F1)."""
    if pen <= BROAD_PEN * THICK_RULE:  # no rule could pass (no pen known, or a fine one): spare a page-wide pass
        return thicknesses
    centred = 2.0 * _median_along(cv2.dilate(distance, np.ones((3, 3), np.uint8)), segments)
    broad_pen = (centred > THICK_RULE) & (pen >= BROAD_PEN * centred)
    return np.where(broad_pen, np.maximum(centred, thicknesses), thicknesses)


def _median_along(values: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Each segment's ([n, 4] as x1, y1, x2, y2) median of ``values`` under
    it, sampled once a pixel along its longer axis: on the mask's distance
    transform, half the rule's thickness. A form has hundreds of segments: all
    are sampled at once, and the medians taken from one sort (the same numbers
    as ``percentile(..., 50)`` segment by segment)."""
    x1, y1, x2, y2 = segments.astype(np.int64).T
    steps = np.maximum(np.abs(x2 - x1), np.abs(y2 - y1)) + 1
    owner = np.repeat(np.arange(len(segments)), steps)
    first = np.cumsum(steps) - steps
    k = (np.arange(int(steps.sum())) - first[owner]).astype(np.float64)
    last = first + steps - 1

    def along(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # as np.linspace(a, b, steps).round()
        points = k * ((b - a) / np.maximum(steps - 1, 1))[owner] + a[owner]
        points[last] = b
        return points.round().astype(np.int64)

    sampled = values[along(y1, y2), along(x1, x2)]
    ordered = sampled[np.lexsort((sampled, owner))].astype(np.float64)  # each segment's samples, sorted
    position = 0.5 * (steps - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, steps - 1)
    below, above = ordered[first + low], ordered[first + high]
    return below + (above - below) * (position - low)


def _extend_rules(mask: np.ndarray, segments: np.ndarray, reach: int) -> np.ndarray:
    """Rules' segments ([n, 4] as x1, y1, x2, y2) lengthened at each end for as
    long as ink goes on along their line, over gaps up to ``RULE_GAP``, by at
    most ``reach`` pixels; returned as int [n, 4].

    The Hough search ends a segment where a faint printed line breaks up or
    where a digit sits on it, so the last stretch of an underline or a table
    rule, the one the digits are written on, is often left out; what is left
    of it joins the digits and spoils their boxes. Every end is walked at once.
    """
    starts = np.concatenate([segments[:, 0:2], segments[:, 2:4]])  # [2n, 2]: first ends, then second ends
    direction = np.concatenate([segments[:, 0:2] - segments[:, 2:4], segments[:, 2:4] - segments[:, 0:2]])
    length = np.maximum(np.hypot(direction[:, 0], direction[:, 1]), 1e-6)[:, None]
    ux, uy = (direction / length).T  # outwards from each end
    steps = np.arange(1, reach + 1, dtype=np.float32)
    side = np.arange(-RULE_SLACK, RULE_SLACK + 1, dtype=np.float32)  # a rule found at half size is a pixel off
    xs = np.rint(starts[:, 0, None, None] + ux[:, None, None] * steps[None, :, None] - uy[:, None, None] * side)
    ys = np.rint(starts[:, 1, None, None] + uy[:, None, None] * steps[None, :, None] + ux[:, None, None] * side)
    height, width = mask.shape
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    ink = mask[ys.clip(0, height - 1).astype(int), xs.clip(0, width - 1).astype(int)] > 0
    hit = (ink & inside).any(axis=2)  # [2n, reach]
    # The last hit at or before each step (0: the end itself), and the first
    # step that lies further than a gap from it: the walk stops there.
    last_hit = np.maximum.accumulate(np.where(hit, steps[None, :], 0.0), axis=1)
    broken = (steps[None, :] - last_hit) > RULE_GAP + 1
    stop = np.where(broken.any(axis=1), broken.argmax(axis=1), reach)
    last = np.where(stop > 0, last_hit[np.arange(len(hit)), np.maximum(stop - 1, 0)], 0.0)
    ends = np.rint(starts + np.stack([ux, uy], axis=1) * last[:, None]).astype(int)
    half = len(segments)
    return np.concatenate([ends[:half], ends[half:]], axis=1)


def _box_sides(mask: np.ndarray, near_rule: np.ndarray, heaviest: float, horizontal: bool) -> np.ndarray:
    """Short straight bars that run from one rule to another and are about as
    thin as those rules: the sides of boxes. (A digit's stroke in a box, drawn
    with a pen, is most often thicker than the box's lines.) ``near_rule``: each
    rule's thickness where it runs and a couple of pixels around it;
    ``heaviest``: its largest value, the thickest rule."""
    shape = (LINE_MIN_LENGTH // 2, 1) if horizontal else (1, LINE_MIN_LENGTH // 2)
    runs = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
    bars = label_components(runs)
    if bars.count < 2:
        return np.zeros_like(mask)
    sides, labels, found = np.zeros_like(mask), bars.labels, []
    extent = bars.boxes[:, 2 if horizontal else 3]
    widths = np.bincount(labels[runs > 0], minlength=bars.count) / np.maximum(extent, 1)

    def thin_enough(width: float, rule: float) -> bool:
        return width <= max(SIDE_WIDTH * rule, rule + SIDE_MARGIN)

    for k in [k for k in range(1, bars.count) if thin_enough(widths[k], heaviest)]:
        x, y, w, h = (int(v) for v in bars.boxes[k])
        # Each end within a few pixels of a rule (found at half size, a rule
        # is drawn a pixel or two off its ink).
        if horizontal:
            first = near_rule[y : y + h, max(x - SIDE_REACH, 0) : x + SIDE_REACH]
            second = near_rule[y : y + h, max(x + w - SIDE_REACH, 0) : x + w + SIDE_REACH]
        else:
            first = near_rule[max(y - SIDE_REACH, 0) : y + SIDE_REACH, x : x + w]
            second = near_rule[max(y + h - SIDE_REACH, 0) : y + h + SIDE_REACH, x : x + w]
        if first.size == 0 or second.size == 0:
            continue
        rule = min(float(first.max()), float(second.max()))  # 0: no rule there
        if rule > 0 and thin_enough(widths[k], rule):
            found.append(k)
    if not horizontal:
        found = _in_step(found, bars.boxes)
    for k in found:
        x, y, w, h = (int(v) for v in bars.boxes[k])
        sides[y : y + h, x : x + w] |= (labels[y : y + h, x : x + w] == k).astype(np.uint8)
    return sides


def _in_step(found: list[int], boxes: np.ndarray) -> list[int]:
    """The upright bars (labels ``found``, boxed in ``boxes``) that keep a comb's
    step: the sides of a row of boxes stand one box apart, and a digit's stem
    in a box (a 1 that fills it, a 9's stem, an 8's edge) stands between two.

    In each row of bars (bars whose heights mostly overlap), the comb's step is
    the distance that the most pairs of bars are apart; a bar with no other at
    that distance, standing inside a box of the comb, is not a side. Rows of
    fewer than three bars, or with no step shared by two pairs, are left as
    they are.
    """
    result = []
    order = sorted(found, key=lambda k: boxes[k][1])
    rows: list[list[int]] = []
    for k in order:
        _, y, _, h = boxes[k]
        for row in rows:
            _, ry, _, rh = boxes[row[0]]
            if min(y + h, ry + rh) - max(y, ry) >= 0.5 * min(h, rh):
                row.append(k)
                break
        else:
            rows.append([k])
    for row in rows:
        centres = np.array([boxes[k][0] + boxes[k][2] / 2 for k in row])
        height = float(np.median([boxes[k][3] for k in row]))
        apart = np.abs(centres[:, None] - centres[None, :])
        steps = apart[np.triu_indices(len(row), 1)]
        steps = steps[(steps >= 0.5 * height) & (steps <= 2.5 * height)]
        if len(row) < 3 or steps.size == 0:
            result.extend(row)
            continue
        support = [(np.abs(steps - step) <= STEP_TOLERANCE * step).sum() for step in steps]
        step = float(steps[int(np.argmax(support))])
        if max(support) < 2:
            result.extend(row)
            continue
        in_step = (np.abs(apart - step) <= STEP_TOLERANCE * step).any(axis=1)
        # Only a bar inside a box of the comb (between two sides a step apart)
        # goes: a table's sides, a step apart here and not there, all stay.
        sides = centres[in_step]
        boxed = (np.abs(sides[None, :] - sides[:, None] - step) <= STEP_TOLERANCE * step)  # [left, right]
        lefts, rights = np.nonzero(boxed)
        inside = ((centres[:, None] > sides[lefts][None, :]) & (centres[:, None] < sides[rights][None, :])).any(axis=1)
        result.extend(k for k, keep in zip(row, in_step | ~inside) if keep)
    return result


def _has_long_run(mask: np.ndarray, length: int) -> bool:
    """Whether the mask holds enough ink for even one rule (a safe, cheap test:
    projections would miss a tilted rule)."""
    return int(cv2.countNonZero(mask)) >= length


@dataclass
class Rules:
    """The rules found on a page: mostly horizontal ones and mostly vertical ones."""

    across: np.ndarray
    upright: np.ndarray
    kept: np.ndarray  # strokes drawn along rules, not erased with them

    @cached_property
    def near_crossings(self) -> np.ndarray:
        """Where rules cross (a box's corner) and ``CORNER_MARGIN`` round it:
        found once, for both masks a page's rules are erased from."""
        return cv2.dilate(self.across & self.upright, np.ones((CORNER_MARGIN, CORNER_MARGIN), np.uint8))

    @cached_property
    def beside_across(self) -> np.ndarray:
        """The rows of pixels just above and just below the mostly horizontal
        rules' mask, where a rule's sliver lies (``_slivers``): found once,
        for both masks a page's rules are erased from."""
        below, above = np.array([[0], [0], [1]], np.uint8), np.array([[1], [0], [0]], np.uint8)
        return (cv2.dilate(self.across, below) | cv2.dilate(self.across, above)) & ~self.across


def find_rules(mask: np.ndarray, digit_height: float = 0.0, faint: np.ndarray | None = None,
               colour: np.ndarray | None = None, part: Part | None = None, pen: float = 0.0) -> Rules | None:
    """Ruled lines, box borders, table rules and box sides in a binary mask.

    A rule is a straight segment (Hough transform, any angle) that is long
    (longer than 2.5 digit heights, so a digit's own long stroke is not one)
    and thin (a few pixels, measured with a distance transform); the sides of
    boxes are short straight bars whose two ends sit on rules. Rules are
    looked for in ``faint`` (a lower threshold's mask) when given: a faint
    printed line is unbroken there, while ``mask`` only holds fragments of it.
    ``colour``: the page's ``colourfulness`` at the mask's scale, if in colour.
    ``part``: where ``mask`` lies on its page, if it is a part of one (how
    thick a rule may be, and how it is searched for, go by the page).
    ``pen``: the page's pen width, if known (see ``_centred``).
    """
    part = part or Part(0, 0, mask.shape)
    height, width = part.page_shape
    max_thickness = max(4.0, max(height, width) / 200)
    min_length = max(LINE_MIN_LENGTH, int(RULE_LENGTH * digit_height))
    search = mask if faint is None else faint | mask
    if not _has_long_run(search, min_length):
        return None
    across, upright, thickness_map, distance, colour_map = _rules(search, max_thickness, min_length, colour, part, pen)
    if not (across.any() or upright.any()):
        return None
    near_rule = cv2.dilate(thickness_map, np.ones((5, 5), np.uint8))  # each rule's thickness, and around it
    heaviest = float(near_rule.max())  # once for both directions: a full-page pass
    upright |= _box_sides(mask, near_rule, heaviest, horizontal=False)
    across |= _box_sides(mask, near_rule, heaviest, horizontal=True)
    # A stroke drawn along a rule (a 2's base on the line it is written on) is
    # deeper than the rule alone, and runs with it: its core and what lies
    # around it are kept. (Where print crosses a rule, the core is short.)
    core = ((distance >= near_rule / 2 + STROKE_OVER_RULE) & (near_rule > 0)).astype(np.uint8)
    if colour_map is not None:
        # A pen drawn along a rule, no thicker than it (a 2's base on a box's
        # bottom line), is told from the rule's print by its colour.
        penned = cv2.compare(colour, cv2.add(colour_map, PEN_COLOUR), cv2.CMP_GT)  # 255 where more colourful
        core |= penned & (across | upright) & search
    along = _along_rules(core, across, upright)
    kept = cv2.dilate(along, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))) & search
    grow = np.ones((3, 3), np.uint8)
    return Rules(cv2.dilate(across, grow), cv2.dilate(upright, grow), kept)


def _along_rules(marked: np.ndarray, across: np.ndarray, upright: np.ndarray) -> np.ndarray:
    """The pixels of ``marked`` on or beside a rule that run with it for at
    least ``ALONG_RULE`` pixels: a stroke drawn along the rule, not one that
    crosses it."""
    around = np.ones((5, 5), np.uint8)
    return (cv2.morphologyEx(marked & cv2.dilate(across, around), cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (ALONG_RULE, 1)))
            | cv2.morphologyEx(marked & cv2.dilate(upright, around), cv2.MORPH_OPEN,
                               cv2.getStructuringElement(cv2.MORPH_RECT, (1, ALONG_RULE))))


def _slivers(ink: np.ndarray, rules: Rules) -> np.ndarray:
    """Ink one pixel thin along the edge of a mostly horizontal rule's mask,
    with paper beyond it, for at least ``SLIVER_RUN`` pixels: the rule's own
    edge where a skewed scan steps and its straight mask runs a pixel off it.
    Left in place, a sliver above a box's top line is bridged across the line
    to the digit below it (a 1 read as 7). A pen's stroke along a rule is
    thicker than a pixel outside the mask, and stays.

    Runs of ink beside the mask are found on the whole page (a few fast
    passes); whether they are a pixel thin is looked at only in their rows."""
    across = rules.across
    beside = ink & rules.beside_across
    edge = cv2.getStructuringElement(cv2.MORPH_RECT, (SLIVER_RUN, 1))
    runs = cv2.morphologyEx(beside, cv2.MORPH_OPEN, edge)
    rows = np.flatnonzero(runs.max(axis=1))
    rows = rows[(rows > 0) & (rows < ink.shape[0] - 1)]
    slivers = np.zeros_like(ink)
    if rows.size:
        # A row's pixels (each with the rows above and below): rule on one
        # side, paper on the other. Rows are independent for a one-row opening.
        thin = runs[rows] & ((across[rows + 1] & ~ink[rows - 1]) | (across[rows - 1] & ~ink[rows + 1]))
        slivers[rows] = cv2.morphologyEx(thin, cv2.MORPH_OPEN, edge)
    return slivers


def erase_rules(mask: np.ndarray, rules: Rules | None) -> np.ndarray:
    """Take the rules out of a mask, bridging strokes that cross them.

    Where a stroke crosses or touches a line, the line pixels between the
    stroke's two sides are put back (a closing across the line), so digits
    written on lines or in boxes keep their shape. A pixel-thin sliver along
    a horizontal rule's edge goes with the rule (``_slivers``).
    """
    if rules is None:
        return mask
    erasable = mask & (1 - rules.kept)  # strokes drawn along a rule stay
    across = rules.across | _slivers(erasable, rules)
    across, upright = across & erasable, rules.upright & erasable
    kept = mask & ~(across | upright)
    # Bridge only across a line: vertically over horizontal rules, sideways
    # over vertical ones, never along a rule from one digit to the next.
    down = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, LINE_BRIDGE)))
    sideways = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (LINE_BRIDGE, 1)))
    # A stroke that crosses a rule on a slant (a tick, a 7's stem on squared
    # paper) has no ink straight above and below the rule in one column: it is
    # bridged along both diagonals too, but not near where rules cross (a
    # box's corner), where that would join a digit to the box's sides.
    diagonal = np.eye(LINE_BRIDGE, dtype=np.uint8)
    slanted = (cv2.morphologyEx(kept, cv2.MORPH_CLOSE, diagonal)
               | cv2.morphologyEx(kept, cv2.MORPH_CLOSE, np.ascontiguousarray(diagonal[:, ::-1])))
    slanted &= 1 - rules.near_crossings
    return kept | (across & (down | slanted)) | (upright & (sideways | slanted))


def remove_lines(mask: np.ndarray, digit_height: float = 0.0, faint: np.ndarray | None = None) -> np.ndarray:
    """``erase_rules(mask, find_rules(...))``: a mask with its rules taken out."""
    return erase_rules(mask, find_rules(mask, digit_height, faint))
