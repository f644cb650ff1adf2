"""Find the marks on a page that may be digits.

grey -> polarity -> learn the page (sheet vs desk, pen width, digit height;
reusable across video frames) -> ink map with a background window fitted to
the pen -> threshold -> rules found (Hough) and erased -> hysteresis at two
levels (strong marks, then fainter ones where nothing was found) -> drop
specks, faint marks, frames, page edges and marks cut off by the border ->
join broken strokes -> propose cuts of touching digits.

Everything works on an "ink map": how much darker (or, on boards, lighter)
each pixel is than the paper around it, as a share of the paper's brightness.
That makes one set of thresholds hold for a scan, a photo in a shadow and
chalk on a blackboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import cv2
import numpy as np

from recognizer.errors import RecognizerError
from recognizer.numeric import percentile, stroke_width
from recognizer.types import Box

WORK_MAX_SIDE = 2000  # detect on at most this many pixels a side (A4 at 150 dpi fits)
LEARN_MAX_SIDE = 800  # the page is learnt on a copy at most this large
WORK_DIGIT_HEIGHT = 32  # pixels: the page is read at a scale that keeps digits this tall...
WORK_PEN = 2.5  # ...or its pen this wide, whichever is larger,
MIN_WORK_FACTOR = 0.4  # but never shrunk more than this,
MAX_WORK_FACTOR = 0.85  # and not at all when it would gain less than this
BACKGROUND_SIDE = 256  # the polarity is judged on a copy this small
PAPER_MIN_BRIGHTNESS = 120  # a sheet on a desk is at least this bright...
SHEET_TAIL = 1.0  # ...with a tail of dark ink at least as long as its light tail
BACKGROUND_KERNEL = 33  # the background window, in pixels of the small copy it is run on
STROKE_WINDOW = 8  # the background window spans this many stroke widths...
MIN_WINDOW = 24  # ...and at least this many pixels;
THICK_PEN_WINDOW = 4  # strokes too thick for the first look's window: this many of their widths,
THICK_PEN_SHARE = 0.2  # when no thicker than this share of the digit height (else a shadow or desk)
NOISE_FLOOR = 10  # ink-map levels that are never ink
FAINT_LEVEL = 0.6  # a second look for fainter marks, at this share of that threshold,
MIN_FAINT_SEEDS = 12  # when at least this many pixels away from the strong marks reach it
GROW_LIMIT = 1.4  # a strong mark grows into its faint rest up to this many digit heights
FAINT_RATIO = 0.2  # marks this much fainter than its firmest handwriting are not read (pencil: ~0.3 of marker)
PAGE_CONTRAST = 0.7  # a desk is darker than this share of the paper's brightness
CANVAS_FLAT = 0.5  # a "desk" with this share of its pixels at one grey level is a drawing's flat canvas...
SHEET_FILL = 0.9  # ...and a bright shape on it that fills less of its bounding rectangle is strokes, not a page
SHEET_EDGE_MARGIN = 7  # pixels: a mark this close to the sheet's edge touches it
SHEET_EDGE_STEP = 0.18  # the sheet's edge: a 3x3 neighbourhood spanning this share of its light
INKED_MARGIN = 32  # pixels of paper read round the page's inked area (more than any pass reaches)...
INKED_SHARE = 0.95  # ...unless that area is nearly the whole page
BORDER_STRIP = 0.25  # a mark along the picture's border for this share of its side is desk or shadow, not writing
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
SIDE_REACH = 4  # pixels: a box side's ends lie this close to rules...
SIDE_WIDTH = 1.5  # ...and at most this many times as thick as they are,
SIDE_MARGIN = 1.5  # or this many pixels thicker (thin rules are measured a pixel thin)
STEP_TOLERANCE = 0.1  # the sides of a comb's boxes stand one step apart, give or take this share
PEN_COLOUR = 40  # ink on a rule this much more colourful than the rule is a pen's stroke along it
MAX_BASE_DEPTH = 12  # pixels: the most of a rule below a mark put back under it (a 2's lost base)
SLIVER_RUN = 15  # pixels: a pixel-thin run of ink this long along a rule's edge is the rule's
LINE_BRIDGE = 13  # pixels: a stroke's two sides across a removed line are joined...
CORNER_MARGIN = 7  # ...on a slant too, but not in a square this wide round a crossing of rules
MIN_DIGIT_SIDE = 8  # pixels, at working scale
LINE_ASPECT = 6.0  # wider than this many heights: a rule, a dash, an underline
HUGE_HEIGHT_RATIO = 2.6  # taller than this many median heights: an edge or frame...
TALL_GROUP = 2  # ...unless at least this many such marks are digit-shaped...
TALL_GROUP_SPREAD = 1.3  # ...and this close in height: large handwriting among print
ONE_STROKE_HEIGHT = 0.7  # a straight stroke at least this share of the digit height may be a "1"
SMALL_PRINT = 0.5  # under this share of the digit height...
FINE_PRINT = 0.5  # ...and this share of the pen's width: print
JOIN_OVERLAP = 0.25  # a piece joins a mark it overlaps in x by this share of the narrower
CUT_OFF_RATIO = 6  # a mark touching the border of an image this many times its size is cut off
CUT_MIN_ASPECT = 0.9  # marks at least this wide for their height may be touching digits
CUT_MIN_PIECE_HEIGHT = 0.75  # each piece of a cut stands this tall against the mark
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
class PageHint:
    """What one frame taught about the page, reused for the next frames of a video:
    the polarity, the background window fitted to the pen, the digit height and
    the sheet. Frames of one camera change little from one to the next."""

    dark_ink: bool
    window: float | None
    digit_height: float
    page: np.ndarray | None  # at working scale
    shape: tuple[int, int]  # of the frame's grey image
    factor: float = 1.0  # working pixels per pixel of that image
    pen: float = 0.0  # the page's widest typical stroke, working pixels
    canvas: int | None = None  # the flat canvas's level, for light strokes drawn on one (``flat_level``)


@dataclass
class Detection:
    ink: np.ndarray  # uint8 ink map at working scale: 0 paper, 255 darkest ink
    scale: float  # original pixels per working pixel
    dark_ink: bool  # True for dark ink on light paper
    threshold: float
    candidates: list[Candidate]
    hint: PageHint | None = None
    digit_height: float = 0.0  # the typical height of the page's digit-like marks


@dataclass(frozen=True)
class Part:
    """Where a part of a page lies on it: its top-left corner, and the page's shape."""

    x: int
    y: int
    page_shape: tuple[int, int]


@dataclass
class Components:
    """The 8-connected components of a mask: their labels and bounding boxes."""

    count: int  # labels 0 (the background) to count - 1
    labels: np.ndarray  # int32, the mask's shape
    boxes: np.ndarray  # int [count, 4]: x, y, w, h of each label (row 0 unused)


def label_components(mask: np.ndarray) -> Components:
    """Label the mask's components and box each one.

    ``cv2.connectedComponentsWithStats`` spends most of its time on the stats
    (OpenCV 5, an A4 form's ink: 4-7 ms, against about 1 ms to label and 1 ms to
    trace the contours), and a page is labelled several times. The boxes come
    cheaper from each component's outer contour:
    ``findContours`` follows the same 8-connected borders, and each outer
    border starts on a pixel of its own component. (The two agree exactly; a
    test holds them to it.) Areas are counted by the callers that need them.
    """
    count, labels = cv2.connectedComponentsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    boxes = np.zeros((count, 4), np.int64)
    if count > 1:
        contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        outer = [c for c, links in zip(contours, hierarchy[0]) if links[3] < 0]  # no parent: outer borders
        starts = np.array([c[0, 0] for c in outer])  # (x, y)
        boxes[labels[starts[:, 1], starts[:, 0]]] = [cv2.boundingRect(c) for c in outer]
    return Components(count, labels, boxes)


# ----------------------------------------------------------------------------
# Grey, scale and ink map
# ----------------------------------------------------------------------------
def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


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


def working_copy(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Shrink very large images; return the copy and original/working scale."""
    longest = max(gray.shape)
    if longest <= WORK_MAX_SIDE:
        return gray, 1.0
    factor = WORK_MAX_SIDE / longest
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return small, 1.0 / factor


def _background_copy(gray: np.ndarray) -> np.ndarray:
    factor = BACKGROUND_SIDE / max(gray.shape)
    if factor >= 1.0:
        return gray
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def _histogram_percentiles(values: np.ndarray, percents: tuple[float, ...]) -> list[int]:
    """Percentiles of uint8 data from its histogram: no sort of the pixels.
    (OpenCV's histogram counts a page's pixels twice as fast as ``np.bincount``.)"""
    if values.size == 0:
        return [0 for _ in percents]
    image = values if values.ndim == 2 else values.reshape(-1, 1)
    counts = cv2.calcHist([image], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    cumulative = np.cumsum(counts)
    return [int(np.searchsorted(cumulative, cumulative[-1] * p / 100.0)) for p in percents]


def is_dark_ink(gray: np.ndarray) -> bool:
    """Decide the polarity: is the ink darker or lighter than what it is on?

    The paper (or board) is the bulk of the picture and the ink the tail of
    its grey levels: a tail towards black means dark ink on paper. One case
    breaks that rule: a sheet photographed on a darker desk that fills most
    of the frame. A large, bright region standing well above the rest is
    taken as paper, whatever the histogram says. Paper in a shadow, reached
    from it without crossing an edge (``_shaded_sheet``), is not "the rest".
    """
    small = _background_copy(gray)
    low, mid, high = _histogram_percentiles(small, (1, 50, 99))
    if max(mid - low, high - mid) <= NOISE_FLOOR:
        return _sparse_ink_is_dark(gray)
    if (mid - low) >= (high - mid):
        return True
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (BACKGROUND_KERNEL, BACKGROUND_KERNEL))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    sheet = _lit_sheet(background)
    if sheet is None or sheet.mean() < 0.15 or sheet.all() or _strokes_on_a_canvas(small, sheet):
        return False
    paper, rest = float(np.median(background[sheet])), float(np.median(background[~sheet]))
    if paper < PAPER_MIN_BRIGHTNESS:
        return False
    if rest >= PAGE_CONTRAST * paper:
        # A shadow over much of the sheet puts shaded paper with the desk and
        # lifts the "desk" to the paper's level: set the shaded paper apart.
        shaded = sheet | _shaded_sheet(small, sheet)
        if shaded.all() or float(np.median(background[~shaded])) >= PAGE_CONTRAST * paper:
            return False
    # On a real sheet the ink's tail points to black inside the sheet too;
    # glare on a board, or a patch dense with chalk, has its tail to white.
    low, mid, high = _histogram_percentiles(small[sheet], (0.5, 50, 99.5))
    return (mid - low) >= SHEET_TAIL * (high - mid)


def _level_and_noise(values: np.ndarray) -> tuple[int, float]:
    """The median level of uint8 ``values`` (the paper's, where paper is most
    of them) and how far from it a value must lie to stand out of the noise:
    six robust standard deviations (1.4826 median absolute deviations), and
    never under ``NOISE_FLOOR``."""
    (median,) = _histogram_percentiles(values, (50,))
    (spread,) = _histogram_percentiles(cv2.absdiff(values, median), (50,))
    return median, max(NOISE_FLOOR, 6.0 * 1.4826 * float(spread))


def _sparse_ink_is_dark(gray: np.ndarray) -> bool:
    """The polarity of a page whose marks are too few to reach even the 1 %
    tails of its shrunken copy (a few small digits on a webcam's view of a
    whole sheet: both tails are then the paper's noise, and their lengths a
    coin toss). On the picture itself, the pixels far darker than the paper
    (beyond six times its noise) outnumber those far lighter when the ink is
    dark. No scene of the benchmark comes here: its tails are 18 levels and
    more."""
    median, far = _level_and_noise(gray)
    darker = int(np.count_nonzero(gray < median - far))
    lighter = int(np.count_nonzero(gray > median + far))
    return darker >= lighter


def flat_level(gray: np.ndarray) -> int | None:
    """The grey level that at least ``CANVAS_FLAT`` of the pixels are at: the
    flat canvas of a drawing made on a computer (MNIST's own black, a drawing
    app's), or None. No photographed paper, board or desk is one flat grey:
    noise and grain see to that (under 8 % of the scene benchmark's desks are
    at any one level, against 86 % and more of MNIST's black)."""
    if gray.size == 0:
        return None
    counts = cv2.calcHist([gray if gray.ndim == 2 else gray.reshape(-1, 1)], [0], None, [256], [0, 256]).ravel()
    level = int(np.argmax(counts))
    return level if counts[level] >= CANVAS_FLAT * gray.size else None


def _strokes_on_a_canvas(small: np.ndarray, bright: np.ndarray) -> bool:
    """Whether the bright region ``bright`` of ``small`` is light strokes drawn
    on a flat dark canvas (``flat_level``), not a sheet of paper on a desk.

    Closed over, a large white digit is a bright blob covering a fifth of the
    picture, much as a sheet on a desk would. But a desk is never one flat
    grey, and on a flat canvas (a screenshot of a page in a viewer) a page is
    a rectangle, while a closed digit fills at most 83 % of its own.
    """
    if flat_level(small[~bright]) is None:
        return False
    _, (width, height), _ = cv2.minAreaRect(cv2.findNonZero(bright.astype(np.uint8)))
    return int(np.count_nonzero(bright)) < SHEET_FILL * width * height


def _lit_sheet(background: np.ndarray) -> np.ndarray | None:
    """The largest region brighter than Otsu's split of ``background`` (the
    picture with its ink closed away): the lit part of a sheet, if any."""
    _, bright = cv2.threshold(background, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if count < 2:
        return None
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def _page_mask(background: np.ndarray, small: np.ndarray) -> np.ndarray | None:
    """The sheet of paper, when a photo shows it on a much darker desk.

    Returns a mask of the small background copy (True on the sheet), or None
    when the paper fills the picture or nothing is much darker than it. A
    two-tone page (a grey panel on white) is not a desk: the desk must be
    under 70 % of the lit paper's brightness. Paper in a shadow is sheet.
    ``background`` is ``small`` (the picture) with its ink closed away.
    """
    sheet = _lit_sheet(background)
    if sheet is None or not 0.15 <= sheet.mean() <= 0.995:
        return None
    paper = float(np.median(background[sheet]))  # in the light
    sheet |= _shaded_sheet(small, sheet)
    # Anything dark inside the sheet (digits, stains) is sheet: only what
    # reaches the picture's edge can be desk.
    count, labels = cv2.connectedComponents((~sheet).astype(np.uint8), connectivity=4)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    sheet |= ~np.isin(labels, edge[edge > 0]) & ~sheet
    if sheet.all():
        return None
    if float(np.median(background[~sheet])) > PAGE_CONTRAST * paper:
        return None
    # Shrink a little: the sheet's own edge is not ink.
    return cv2.erode(sheet.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _shaded_sheet(small: np.ndarray, lit: np.ndarray) -> np.ndarray:
    """The parts of the sheet in a shadow: dark, but reached from the lit sheet
    without crossing a sharp edge.

    A shadow darkens the paper as much as a desk may be darker than it, but it
    fades in over many pixels; the sheet's own edge is a step from one pixel
    to the next. Of the regions that steps (3x3 neighbourhoods whose darkest
    pixel is under ``1 - SHEET_EDGE_STEP`` of their brightest) cut apart, the
    one holding most of the lit sheet is sheet. The steps are found on the
    picture with only its finest ink closed away, not on the page's
    background: the wide closing that makes the background also fills in
    narrow strips of desk.
    """
    square, pad = np.ones((3, 3), np.uint8), 4
    # Padded so that a sliver of desk at the picture's edge stays wide enough
    # to survive the closing: the sheet's edge runs on to the border.
    padded = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    inkless = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8), borderType=cv2.BORDER_REPLICATE)
    brightest = cv2.dilate(inkless, square).astype(np.float32)
    darkest = cv2.erode(inkless, square).astype(np.float32)
    steps = (brightest - darkest) > SHEET_EDGE_STEP * np.maximum(brightest, 1.0)
    steps = cv2.dilate(steps.astype(np.uint8), square)[pad:-pad, pad:-pad].astype(bool)  # no gaps to leak through
    count, labels = cv2.connectedComponents((~steps).astype(np.uint8), connectivity=4)
    overlap = np.bincount(labels[lit & ~steps], minlength=count)
    overlap[0] = 0
    # The sheet is one piece: the region that holds most of the lit sheet. (The
    # lit sheet can hold a sliver of desk that the wide closing filled in; the
    # desk beyond it must not join through it.)
    return labels == int(np.argmax(overlap)) if overlap.any() else np.zeros_like(lit)


def ink_map(gray: np.ndarray, dark_ink: bool, window: float | None = None,
            page: np.ndarray | None = None, canvas: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """How far each pixel stands out from the paper (or board) around it.

    A morphological closing (opening on boards) wipes out every dark feature
    narrower than its window (the strokes) but keeps what is wider: shading,
    shadows, two-tone backgrounds. ``window`` (pixels) defaults to 1/8 of the
    image, wide enough for most pens (this first look also finds the sheet);
    ``detect`` narrows it to a few stroke widths once it has seen the
    strokes, so a shadow band is not mistaken for ink, or widens it, up to
    half the image, for strokes broader than that. On paper the ink is
    measured as a share of the local paper brightness, so a digit in a
    shadow is as strong as one in the light; a desk around the sheet is
    masked out. Returns the ink map and the sheet
    mask found (or the ``page`` given, found with a wider window).

    ``canvas``: the level of the flat canvas that light strokes were drawn
    on (``flat_level``), which is then their background everywhere. Where
    strokes are wider than the window (a digit drawn to fill the picture),
    an opening keeps their crossings as "board" and leaves holes in the ink;
    a drawing has no shade for a window to follow. (Dark ink holds up there
    without it: its share of a dark "paper" is still whole.)
    """
    if canvas is not None and not dark_ink:
        return cv2.subtract(gray, canvas), page
    longest = max(gray.shape)
    first_look = window is None
    window = longest / 8 if first_look else min(window, longest / 2)
    # Work on a copy small enough that the window is BACKGROUND_KERNEL pixels.
    # Sampled, not averaged: the closing keeps the brightest paper in each
    # window, and an averaged copy smears strokes into the paper between
    # them, darkening it where writing is dense. Sampling is also 5-8 times
    # cheaper than averaging at a fractional factor (4.6 ms against 0.6 for
    # an A4 form's working copy). Over 192 scenes of each kind it read as
    # well or better: form e2e 0.9739 -> 0.9755, photo 0.9628 -> 0.9648.
    factor = min(1.0, BACKGROUND_KERNEL / max(window, 1.0))
    small = gray if factor >= 1.0 else cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
    size = max(3, int(round(window * factor)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    op = cv2.MORPH_CLOSE if dark_ink else cv2.MORPH_OPEN
    background = cv2.morphologyEx(small, op, kernel, borderType=cv2.BORDER_REPLICATE)
    if page is None and dark_ink and first_look:
        sheet = _page_mask(background, small)
        if sheet is not None:
            page = cv2.resize(sheet.astype(np.uint8), gray.shape[::-1], interpolation=cv2.INTER_NEAREST)
    # Only a light blur: a closing already follows a shadow's edge exactly, and
    # a wide blur would turn the edge into a band of false ink.
    background = cv2.GaussianBlur(background, (0, 0), 1.0)
    if background.shape != gray.shape:
        background = cv2.resize(background, gray.shape[::-1], interpolation=cv2.INTER_LINEAR)
    if dark_ink:
        # (paper - pixel) / paper, in 0..255: the ink's share of the light.
        ink = cv2.divide(cv2.subtract(background, gray), np.maximum(background, 1), scale=255)
    else:
        ink = cv2.subtract(gray, background)
    if page is not None:
        ink[page == 0] = 0
    return ink, page


@dataclass
class Scale:
    """How big the page's digits are and how wide its pen, from the strong ink."""

    stroke: float  # the widest typical stroke, pixels (90th percentile)
    height: float  # the typical height of digit-shaped marks, pixels

    def plausible(self, shape: tuple[int, int]) -> bool:
        """Whether the measures look like a page of writing: a shadow or the desk
        taken for the pen gives an absurd pen or height."""
        return 0 < self.stroke <= 0.25 * self.height and self.height <= min(shape) / 6


def measure_scale(core: np.ndarray) -> Scale:
    """One labelling of the strong-ink mask gives both scales.

    Only marks with a digit's proportions count (rules and frames are far
    flatter or thinner); stroke width is twice area over perimeter per mark,
    the 90th percentile so a marker among pens still fits. The height is that
    of the marks drawn with that pen (at least 60 % of its width), so the
    small print of a form, far more numerous than its digits, does not set
    it; nor do specks (it is never less than the median of the taller half).
    """
    marked = label_components(core)
    x, y, w, h = marked.boxes[1:].T
    shaped = (h >= MIN_DIGIT_SIDE) & (h >= 0.7 * w) & (h <= 6 * w)
    # What the picture's border cuts (a corner of desk, a page's edge) tells
    # nothing of the page's pen or digits, unless nothing else is there (a
    # tight crop of one digit).
    inside = (x > 0) & (y > 0) & (x + w < core.shape[1]) & (y + h < core.shape[0])
    if (shaped & inside).any():
        shaped &= inside
    heights = np.sort(h[shaped])
    height = float(np.median(heights[len(heights) // 2 :])) if heights.size else 0.0
    marks = np.flatnonzero(shaped & (h >= 2 * MIN_DIGIT_SIDE)) + 1
    if marks.size == 0:
        return Scale(0.0, height)
    boundary = core - cv2.erode(core, np.ones((3, 3), np.uint8))
    # Areas and perimeters: pixels counted per label, over the ink only.
    area = np.bincount(marked.labels[core > 0], minlength=marked.count)
    perimeter = np.bincount(marked.labels[boundary > 0], minlength=marked.count)
    widths = 2.0 * area[1:] / np.maximum(perimeter[1:], 1)
    pen = float(np.percentile(widths[marks - 1], 90))
    penned = shaped & (widths >= 0.6 * pen)
    if penned.any():
        height = max(height, float(np.median(h[penned])))
    return Scale(pen, height)


def choose_threshold(ink: np.ndarray) -> float:
    """Otsu's threshold among the pixels that stand out of the paper's noise.

    Splitting only the non-paper pixels separates handwriting from faint
    marks (bleed-through, ruling, pencil smudges) instead of paper from
    everything.
    """
    sample = ink[::2, ::2] if ink.size > 100_000 else ink
    _, floor = _level_and_noise(sample)
    marked = sample[sample > floor]
    if marked.size < 20:
        return float(max(floor, 255))
    otsu, _ = cv2.threshold(marked.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(max(otsu, floor))


# ----------------------------------------------------------------------------
# Components and filters
# ----------------------------------------------------------------------------
def _rules(mask: np.ndarray, max_thickness: float, min_length: int, colour: np.ndarray | None,
           part: Part) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Long thin straight lines at any angle (ruled paper in perspective, skewed
    forms, underlines), drawn as masks as thick as they are: the mostly
    horizontal ones and the mostly vertical ones apart, and a map of each
    rule's thickness where it runs (a form mixes heavy and light lines), and
    the mask's distance transform (each ink pixel's depth in its stroke; None
    when the search found no straight run, and so no rule). Given the page's
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
    found = []
    for (x1, y1, x2, y2), thickness in zip(segments.tolist(), thicknesses.tolist()):
        # Rules run with the page's axes (give or take skew and perspective); a
        # tilted straight run is a digit's stroke (a 2's or 7's diagonal) unless it
        # is far longer than any digit could be.
        off_axis = np.degrees(np.arctan2(min(abs(x2 - x1), abs(y2 - y1)), max(abs(x2 - x1), abs(y2 - y1))))
        if off_axis > RULE_AXIS_TOLERANCE and np.hypot(x2 - x1, y2 - y1) < TILTED_RULE_LENGTH * min_length:
            continue
        if thickness <= max_thickness:
            found.append((x1, y1, x2, y2, thickness))
    if not found:
        return across, upright, thickness_map, distance, None
    segments = np.array([f[:4] for f in found], np.float32)
    colour_map = None if colour is None else np.zeros(mask.shape, np.uint8)
    colours = None if colour is None else _median_along(colour, segments.astype(np.int64))
    ends = np.concatenate([_extend_rules(mask, segments[k : k + 256], RULE_FOLLOW * min_length)
                           for k in range(0, len(segments), 256)])  # 256 at a time: memory stays small
    widths = [max(1, int(round(thickness))) for *_, thickness in found]
    for (x1, y1, x2, y2), (*_, thickness), width in zip(ends.tolist(), found, widths):
        target = across if abs(x2 - x1) >= abs(y2 - y1) else upright
        cv2.line(target, (x1, y1), (x2, y2), 1, width)
        cv2.line(thickness_map, (x1, y1), (x2, y2), float(max(thickness, 1.0)), width)
    if colour_map is not None:
        # Drawn 4 pixels wider on each side, most colourful last: where rules
        # cross or run close, the most colourful one near counts. (Colours are
        # whole numbers: a pixel is more colourful than a median of x.5 when
        # it is more colourful than x.)
        for k in np.argsort(colours, kind="stable").tolist():
            x1, y1, x2, y2 = ends[k].tolist()
            cv2.line(colour_map, (x1, y1), (x2, y2), int(colours[k]), widths[k] + 8)
    return across, upright, thickness_map, distance, colour_map


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
               colour: np.ndarray | None = None, part: Part | None = None) -> Rules | None:
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
    """
    part = part or Part(0, 0, mask.shape)
    height, width = part.page_shape
    max_thickness = max(4.0, max(height, width) / 200)
    min_length = max(LINE_MIN_LENGTH, int(RULE_LENGTH * digit_height))
    search = mask if faint is None else faint | mask
    if not _has_long_run(search, min_length):
        return None
    across, upright, thickness_map, distance, colour_map = _rules(search, max_thickness, min_length, colour, part)
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
                colour: np.ndarray | None = None, part: Part | None = None) -> list[Candidate]:
    """Hysteresis at two levels.

    First the marks whose core reaches ``threshold``, each grown down to half
    of it. Then, only where nothing was found, fainter marks (a pencil beside
    a pen or print) seeded at ``FAINT_LEVEL`` of the threshold: a single low
    threshold everywhere would merge neighbouring strong marks instead.

    ``part``: where ``ink`` lies on its page, if it is a part of one.
    """
    levels = _levels(threshold)
    faint = (ink >= levels.rules).astype(np.uint8)
    high = (ink >= levels.strong).astype(np.uint8)
    rules = None
    searched = _longest_side(high) >= max(LINE_MIN_LENGTH, RULE_LENGTH * digit_height)
    if searched:
        # Some strong mark is long enough to hold a rule: look for rules.
        rules = find_rules(high, digit_height, faint, colour, part)
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
        rules = find_rules(high, digit_height, faint, colour, part)
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
                         colour: np.ndarray | None = None) -> list[Candidate]:
    """``_components`` run on the page's ``_inked_area`` only, in page pixels."""
    x, y, w, h = _inked_area(ink, threshold)
    if w * h >= INKED_SHARE * ink.size:
        return _components(ink, threshold, digit_height, colour)
    inside = (slice(y, y + h), slice(x, x + w))
    found = _components(ink[inside], threshold, digit_height, None if colour is None else colour[inside],
                        Part(x, y, ink.shape))
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


def _drop_lines_and_edges(cands: list[Candidate], shape: tuple[int, int]) -> list[Candidate]:
    height, width = shape
    kept = []
    for c in cands:
        b = c.box
        fill = c.mask.mean()
        is_rule = b.w > LINE_ASPECT * b.h and b.w > 3 * MIN_DIGIT_SIDE
        spans_page = b.h > 0.8 * height or b.w > 0.8 * width
        is_frame = spans_page and fill < 0.15
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


def _cut(c: Candidate, pieces: int) -> list[Candidate]:
    """Cut ``c`` into ``pieces`` along straight lines (upright or leaning)
    where a single thin stroke joins digits, each near its even share of the
    width; [] where no such cut exists.

    Touching digits are joined by one stroke (a tail, a bar), and one digit
    may lean over the other (a 7's stem beside a 3): the cut is the line
    near its place that crosses the least ink, crossing at most one stroke.
    A digit split down its middle is crossed by two or three strokes. Each
    piece must also stand nearly as tall as the mark (``CUT_MIN_PIECE_HEIGHT``),
    or the "cut" only sheds a flourish (the tail of a flat 2) or parts the
    two loops of a leaning 8 along its slant.
    """
    b = c.box
    mask = c.mask
    cuts, start = [], 0
    for k in range(1, pieces):
        centre = k * b.w / pieces
        lo = max(start + 2, int(round(centre - 0.5 * b.w / pieces)))
        hi = min(b.w - 2, int(round(centre + 0.5 * b.w / pieces)) + 1)
        if hi <= lo:
            return []
        along, crossed, strokes = _cut_lines(mask, lo, hi)
        fine = np.flatnonzero(strokes <= 1)
        if fine.size == 0:
            return []
        middle = along[fine].mean(axis=1)
        best = fine[np.lexsort((np.abs(middle - centre), crossed[fine]))[0]]
        cuts.append(along[best])
        start = int(along[best].max())  # the next cut lies wholly right of this one
    result = []
    columns = np.arange(b.w)[None, :]
    edges = [np.zeros(b.h, np.int64), *cuts, np.full(b.h, b.w, np.int64)]
    for left, right in zip(edges[:-1], edges[1:]):
        part = mask & (columns >= left[:, None]) & (columns < right[:, None])
        rows, cols = np.nonzero(part)
        if rows.size < 12:
            return []
        y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        if (y1 - y0) < CUT_MIN_PIECE_HEIGHT * b.h or (x1 - x0) < 0.12 * b.h:
            return []
        sub = Box(b.x + int(x0), b.y + int(y0), int(x1 - x0), int(y1 - y0))
        result.append(Candidate(sub, part[y0:y1, x0:x1], c.strength))
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


# ----------------------------------------------------------------------------
# The stage
# ----------------------------------------------------------------------------
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


def _border_strips(core: np.ndarray) -> np.ndarray | None:
    """The marks of ``core`` that run along the picture's border for at least
    ``BORDER_STRIP`` of its side, and a margin round them: strips of desk or
    shadow at the picture's edge that the sheet's mask left in; None if none."""
    marked = label_components(core)
    height, width = core.shape
    x, y, w, h = marked.boxes.T
    along = (((x == 0) | (x + w == width)) & (h >= BORDER_STRIP * height)) | (
        ((y == 0) | (y + h == height)) & (w >= BORDER_STRIP * width))
    along[0] = False
    if not along.any():
        return None
    strips = along[marked.labels].astype(np.uint8)
    return cv2.dilate(strips, np.ones((SHEET_EDGE_MARGIN, SHEET_EDGE_MARGIN), np.uint8)).astype(bool)


def _measure(ink: np.ndarray, page: np.ndarray | None) -> tuple[Scale, np.ndarray, np.ndarray | None]:
    """The pen and digit height of the marks that reach ``ink``'s threshold,
    with the ink map and sheet mask they were measured on.

    Desk or shadow left in along the picture's border by the sheet's mask
    (``page``; None: no desk found) can be the darkest "ink" there is, setting
    a threshold that no handwriting reaches: when the measures are absurd,
    such strips (``_border_strips``) are taken off the sheet and the marks
    measured again; kept if that makes sense of them.
    """
    core = (ink >= choose_threshold(ink)).astype(np.uint8)
    found = measure_scale(core)
    if found.plausible(ink.shape):
        return found, ink, page
    strips = _border_strips(core)
    if strips is None:
        return found, ink, page
    on_sheet = ~strips if page is None else (page > 0) & ~strips
    cleared = np.where(on_sheet, ink, 0).astype(ink.dtype)
    again = measure_scale((cleared >= choose_threshold(cleared)).astype(np.uint8))
    if not again.plausible(ink.shape):
        return found, ink, page
    return again, cleared, on_sheet.astype(np.uint8)


def _learn_page(gray: np.ndarray, rescale: bool = True) -> tuple[PageHint, np.ndarray | None]:
    """Polarity, sheet, pen, digit height and working scale, from a quick look.

    The look is taken on a copy of at most ``LEARN_MAX_SIDE`` pixels a side:
    first with a wide background window (polarity, the sheet on a desk, the
    pen), then with a window fitted to that pen (the digit height; the wide
    look blurs shadows and desk into marks of its own). The returned hint is in
    the pixels of the working copy the page is then read at (``gray``'s own
    when not ``rescale``). When that copy is the look itself, the look's last
    ink map is the one the page is read from, and is returned with the hint.
    """
    step = min(1.0, LEARN_MAX_SIDE / max(gray.shape))
    look = gray if step == 1.0 else cv2.resize(gray, None, fx=step, fy=step, interpolation=cv2.INTER_AREA)
    dark_ink = is_dark_ink(look)
    canvas = None if dark_ink else flat_level(look)
    ink, page = ink_map(look, dark_ink, canvas=canvas)
    first, ink, page = _measure(ink, page)
    pen = first.stroke
    window = None
    if pen > 0 and STROKE_WINDOW * pen < max(look.shape) / 8:
        window = max(STROKE_WINDOW * pen, MIN_WINDOW * step)
    elif 0 < pen <= THICK_PEN_SHARE * first.height:
        # Strokes so broad that the first look's window (1/8 of the picture)
        # does not span them: a close-up of a digit in a broad marker, whose
        # middle that window takes for paper, leaving holes (the pen, measured
        # round the holes, is then too thin: a few of its widths cover it).
        # A "pen" broader still for its marks' height is a shadow or the desk.
        window = min(THICK_PEN_WINDOW * pen, max(look.shape) / 2)
    if window:
        ink, _ = ink_map(look, dark_ink, window=window, page=page, canvas=canvas)
    fitted, ink, page = _measure(ink, page)
    # Working pixels per pixel of ``gray``, from the measures in ``gray``'s pixels.
    factor = working_factor(Scale(fitted.stroke / step, fitted.height / step), gray.shape) if rescale else 1.0
    if page is not None:
        page = cv2.resize(page, _working_size(gray.shape, factor), interpolation=cv2.INTER_NEAREST)
    to_working = factor / step
    hint = PageHint(dark_ink, window * to_working if window else None, fitted.height * to_working,
                    page, gray.shape, factor, fitted.stroke * to_working if fitted.plausible(look.shape) else 0.0, canvas)
    return hint, ink if step == factor == 1.0 else None


def working_factor(scale_: Scale, shape: tuple[int, int]) -> float:
    """How much smaller than ``shape`` the page can be read without loss.

    Digits drawn ``WORK_DIGIT_HEIGHT`` pixels tall keep every detail the model
    sees (MNIST's digits are 20 pixels tall), and a pen ``WORK_PEN`` pixels
    wide stays solid; most photos of a page, and forms at 150 dpi, hold far
    more pixels than that. Implausible measures leave the page as it is.
    """
    pen, height = scale_.stroke, scale_.height
    if not scale_.plausible(shape):
        return 1.0
    factor = max(WORK_PEN / pen, WORK_DIGIT_HEIGHT / height, MIN_WORK_FACTOR)
    return 1.0 if factor > MAX_WORK_FACTOR else factor


def _working_size(shape: tuple[int, int], factor: float) -> tuple[int, int]:
    """(width, height) of an image of ``shape`` read at ``factor``."""
    return max(1, round(shape[1] * factor)), max(1, round(shape[0] * factor))


def detect(image: np.ndarray, source: str = "<image>", hint: PageHint | None = None,
           rescale: bool = True) -> Detection:
    """Find the digit-like marks in a BGR or grey image.

    ``hint`` (from an earlier frame's ``Detection.hint``) skips learning the
    page again; it is ignored if the frame's size differs. ``rescale=False``
    reads the image at its own scale (up to ``WORK_MAX_SIDE``) even where its
    handwriting is large: the frames of a camera keep whole-pixel shifts, so
    a digit that stays in view gives the same crop frame after frame.
    """
    gray, scale = working_copy(to_gray(image))
    if float(gray.max()) - float(gray.min()) < 8:
        raise RecognizerError(source, "image is blank (one flat colour): nothing to read")
    ink = None
    if hint is None or hint.shape != gray.shape:
        hint, ink = _learn_page(gray, rescale)
    if hint.factor != 1.0:
        size = _working_size(gray.shape, hint.factor)
        scale *= gray.shape[1] / size[0]
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    # The look that counts uses a window fitted to the pen: a few stroke widths
    # wide, so shadows and stains wider than that stay part of the paper.
    if ink is None:
        ink, _ = ink_map(gray, hint.dark_ink, window=hint.window, page=hint.page, canvas=hint.canvas)
    threshold = choose_threshold(ink)
    dark_ink = hint.dark_ink
    colour = colourfulness(image, gray.shape)
    cands = _drop_lines_and_edges(_marks_in_inked_area(ink, threshold, hint.digit_height, colour), gray.shape)
    if hint.page is not None:
        cands = _drop_on_sheet_edge(cands, hint.page)
    cands = _drop_faint(cands)
    typical_h = _typical_height(cands, gray.shape)
    cands = _join_broken(cands, typical_h)
    # Small print can outnumber the digits and set the typical height; a mark is
    # only "huge" against the height of the marks drawn with the page's pen too.
    tallest = HUGE_HEIGHT_RATIO * max(typical_h, hint.digit_height, _tall_group_height(cands, typical_h))
    cands = [c for c in cands if 0.35 * typical_h <= c.box.h <= tallest and not _is_small_print(c, hint)]
    _propose_cuts(cands, typical_h)
    return Detection(ink, scale, dark_ink, threshold, cands, hint, typical_h)
