"""Learn the page before its marks are looked for: grey, polarity, sheet, ink map, scale.

Everything downstream works on an "ink map": how much darker (or, on boards,
lighter) each pixel is than the paper around it, as a share of the paper's
brightness. That makes one set of thresholds hold for a scan, a photo in a
shadow and chalk on a blackboard. The paper is told from a desk round it, the
pen's width and the digits' height are measured on a quick look, and the page
is then read at a working scale that keeps digits tall enough for the model
and no larger (``PageHint``; reused across the frames of a video).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.numeric import label_components, percentile

WORK_MAX_SIDE = 2000  # detect on at most this many pixels a side (A4 at 150 dpi fits)
LEARN_MAX_SIDE = 800  # the page is learnt on a copy at most this large
WORK_DIGIT_HEIGHT = 32  # pixels: the page is read at a scale that keeps digits this tall...
WORK_PEN = 2.5  # ...or its pen this wide, whichever is larger,
MIN_WORK_FACTOR = 0.4  # but never shrunk more than this,
MAX_WORK_FACTOR = 0.85  # and not at all when it would gain less than this
BACKGROUND_SIDE = 256  # the polarity is judged on a copy this small
SHEET_TAIL = 1.0  # a sheet on a desk has a tail of dark ink longer than its light tail (however dim the photo)
BACKGROUND_KERNEL = 33  # the background window, in pixels of the small copy it is run on
STROKE_WINDOW = 8  # the background window spans this many stroke widths...
MIN_WINDOW = 24  # ...and at least this many pixels;
THICK_PEN_WINDOW = 4  # strokes too thick for the first look's window: this many of their widths,
THICK_PEN_SHARE = 0.2  # when no thicker than this share of the digit height (else a shadow or desk)
NARROW_LOOK = 0.03  # a page whose measures make no sense is looked at again with a window this share of its side
NOISE_FLOOR = 10  # ink-map levels that are never ink
PAGE_CONTRAST = 0.7  # a desk is darker than this share of the paper's brightness
DARK_PAPER = 0.5  # on a flat canvas, "paper" darker than this share of it is a dark stroke wider than the window
CANVAS_FLAT = 0.5  # a "desk" with this share of its pixels at one grey level is a drawing's flat canvas...
SHEET_FILL = 0.9  # ...and a bright shape on it that fills less of its bounding rectangle is strokes, not a page
CLIPPED_FRAME = 0.25  # a flat "canvas" leaving this share of the picture's border to the rest is clipped paper
SHEET_EDGE_MARGIN = 7  # pixels: a mark this close to the sheet's edge touches it
SHEET_EDGE_STEP = 0.18  # the sheet's edge: a 3x3 neighbourhood spanning this share of its light
BORDER_STRIP = 0.25  # a mark along the picture's border for this share of its side is desk or shadow, not writing
MIN_DIGIT_SIDE = 8  # pixels, at working scale
NOISY = 4.0  # grey levels: a picture with pixel noise above this (a webcam, a phone in dim light)...
DENOISE_SIGMA = 0.85  # ...is smoothed by a Gaussian this many pixels wide before it is read
TALL_MARKS = 80  # percentile: the height the taller marks drawn with the page's pen reach...
TALL_APART = 1.3  # ...is the handwriting's when this many times their median (which small print then sets)


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
    canvas: int | None = None  # the level of the flat canvas the strokes were drawn on, if any (``flat_level``)
    tall_height: float = 0.0  # the height the page's taller digit-like marks reach (``Scale.tall``), working pixels
    noisy: bool = False  # the frame was read ``smoothed`` for its noise (``is_noisy``); so are the next frames

    @property
    def rule_height(self) -> float:
        """The height a rule must be ``RULE_LENGTH`` times longer than: the
        taller marks' where they stand apart from the rest (``TALL_APART``),
        else the digit height.

        Where printed words outnumber the handwriting, the print sets the
        digit height, and a handwritten "1" or a row of digits is longer
        than ``RULE_LENGTH`` of its heights: the rule search took the 1 for a
        rule and erased it ("815" read "85"). The digit height stays the
        print's where it serves: the page is read at a scale that keeps the
        smaller marks legible. (Over 192 cached scenes of each kind, the
        80th percentile for both lost half a point of end-to-end F1 on
        photos; for rules alone but without ``TALL_APART``, forms read 15
        scenes worse and 13 better.)"""
        if self.tall_height >= TALL_APART * self.digit_height:
            return self.tall_height
        return self.digit_height


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def working_copy(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Shrink very large images; return the copy and original/working scale."""
    longest = max(gray.shape)
    if longest <= WORK_MAX_SIDE:
        return gray, 1.0
    factor = WORK_MAX_SIDE / longest
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return small, 1.0 / factor


def noise_level(gray: np.ndarray) -> float:
    """The standard deviation of the picture's pixel noise, in grey levels:
    the median absolute response to a 3x3 second-difference kernel (it
    cancels any ramp or plane, and ink is too sparse to move the median),
    scaled to a standard deviation (Immerkaer's estimator, made robust).
    Taken on every second pixel each way: a quarter of the work, and noise
    left by JPEG, which blurs it over neighbours, stands out all the same."""
    sample = np.ascontiguousarray(gray[::2, ::2])
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = cv2.convertScaleAbs(cv2.filter2D(sample, cv2.CV_16S, kernel))
    (median,) = _histogram_percentiles(response, (50,))
    return 1.4826 * median / 6.0  # 6: the kernel's norm, the noise's gain through it


def is_noisy(gray: np.ndarray) -> bool:
    """Whether the picture's pixel noise (``noise_level``) is over ``NOISY``,
    so that it is read ``smoothed``.

    Noise breaks a faint rule into dashes that no longer read as a rule (the
    squared grid's lines then read as rows of 1s), and specks of it set the
    pen and digit height: the scene benchmark's photos with noise of 10 and
    20 grey levels (``benchmarks/camera.py``) read 0.928 and 0.798 end to end,
    against 0.974 without. The scene benchmark's own pictures, a camera's
    and a scanner's in good light, measure at most 3.5 and are read as they
    are, while noise of 10 saved as JPEG measures 4.5 and more. A drawing on
    a flat canvas (``flat_level``) has no noise: where its strokes' edges
    make up half a small picture (an MNIST digit at 28x28), they pass for
    noise."""
    return noise_level(gray) > NOISY and flat_level(gray) is None


def smoothed(gray: np.ndarray) -> np.ndarray:
    """A noisy picture smoothed by a Gaussian ``DENOISE_SIGMA`` wide."""
    return cv2.GaussianBlur(gray, (0, 0), DENOISE_SIGMA)


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

    The region is judged against the rest of the picture, not against white:
    a photo taken in dim light leaves the paper at 90-130 grey, and a bar at
    120 took it for a board (the scene benchmark's first 48 photos at half
    their light, ``benchmarks/camera.py``, read 0.901 end to end; now 0.973).
    In the dark the tails are a few grey levels long: where they are as long,
    a board's glare among chalk, not a sheet, is the likelier (a board at 0.3
    of its light, its glare at 38 grey, had tails of 18 and 18).
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
    if rest >= PAGE_CONTRAST * paper:
        # A shadow over much of the sheet puts shaded paper with the desk and
        # lifts the "desk" to the paper's level: set the shaded paper apart.
        shaded = sheet | _shaded_sheet(small, sheet)
        if shaded.all() or float(np.median(background[~shaded])) >= PAGE_CONTRAST * paper:
            return False
    # On a real sheet the ink's tail points to black inside the sheet too;
    # glare on a board, or a patch dense with chalk, has its tail to white.
    low, mid, high = _histogram_percentiles(small[sheet], (0.5, 50, 99.5))
    return (mid - low) > SHEET_TAIL * (high - mid)


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


def _drawing_canvas(gray: np.ndarray) -> int | None:
    """The level of the flat canvas a picture was drawn on (``flat_level``), or
    None. Paper clipped to white in an overexposed photo is as flat, but the
    desk round it runs along the picture's border: a canvas that leaves
    ``CLIPPED_FRAME`` of the border to something else is such paper. (Taken
    for a drawing, its desk was read as strokes: the scene benchmark's photo
    22 at 1.3 times its light gave a digit height of 960 pixels and no digit.
    A drawn digit's strokes touch the border, if at all, along a few pixels.)"""
    canvas = flat_level(gray)
    if canvas is None:
        return None
    frame = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return None if np.count_nonzero(frame != canvas) >= CLIPPED_FRAME * frame.size else canvas


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
    # Areas counted by hand: OpenCV's stats cost several times the labelling.
    count, labels = cv2.connectedComponents(bright, connectivity=4)
    if count < 2:
        return None
    return labels == 1 + int(np.argmax(np.bincount(labels.ravel(), minlength=count)[1:]))


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

    ``canvas``: the level of the flat canvas the strokes were drawn on
    (``flat_level``). Light strokes are measured from it everywhere: where
    they are wider than the window (a digit drawn to fill the picture), an
    opening keeps their crossings as "board" and leaves holes in the ink; a
    drawing has no shade for a window to follow. Under dark strokes, a closing
    keeps a marker's stroke wider than the window as dark "paper", and the
    ink inside it vanishes, leaving its outline: there, "paper" darker than
    ``DARK_PAPER`` of the canvas is the canvas. (A grey panel on a rendered
    page is lighter, and stays paper.)
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
    if canvas is not None:  # dark strokes on a flat canvas
        background[background < DARK_PAPER * canvas] = canvas
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
    tall: float = 0.0  # the height the taller of them reach, pixels (``TALL_MARKS``; at least ``height``)

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

    ``tall``, the height the taller of those marks reach, is the handwriting's
    where printed words or letters drawn as boldly outnumber it (a cluttered
    page): the median is then the print's. The page is read at a scale set by
    the median, which keeps the smaller marks legible; where ``tall`` stands
    apart from it, rules are measured by ``tall`` (``PageHint.rule_height``).
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
        return Scale(0.0, height, height)
    boundary = core - cv2.erode(core, np.ones((3, 3), np.uint8))
    # Areas and perimeters: pixels counted per label, over the ink only.
    area = np.bincount(marked.labels[core > 0], minlength=marked.count)
    perimeter = np.bincount(marked.labels[boundary > 0], minlength=marked.count)
    widths = 2.0 * area[1:] / np.maximum(perimeter[1:], 1)
    pen = percentile(widths[marks - 1], 90)
    penned = shaped & (widths >= 0.6 * pen)
    if not penned.any():
        return Scale(pen, height, height)
    height = max(height, float(np.median(h[penned])))
    return Scale(pen, height, max(height, float(np.percentile(h[penned], TALL_MARKS))))


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


def _measure(ink: np.ndarray, page: np.ndarray | None,
             drawn: bool = False) -> tuple[Scale, np.ndarray, np.ndarray | None]:
    """The pen and digit height of the marks that reach ``ink``'s threshold,
    with the ink map and sheet mask they were measured on.

    Desk or shadow left in along the picture's border by the sheet's mask
    (``page``; None: no desk found) can be the darkest "ink" there is, setting
    a threshold that no handwriting reaches: when the measures are absurd,
    such strips (``_border_strips``) are taken off the sheet and the marks
    measured again; kept if that makes sense of them. Not in a ``drawn``
    picture (one flat canvas, ``flat_level``): it has no desk or shadow, and
    its measures are "absurd" because one digit fills it, its stroke running
    on to the border (a 7's stem), which must not be taken off as a strip.
    """
    core = (ink >= choose_threshold(ink)).astype(np.uint8)
    found = measure_scale(core)
    if drawn or found.plausible(ink.shape):
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


def learn_page(gray: np.ndarray, rescale: bool = True, noisy: bool = False,
               dark_ink: bool | None = None) -> tuple[PageHint, np.ndarray | None]:
    """Polarity, sheet, pen, digit height and working scale, from a quick look.

    The look is taken on a copy of at most ``LEARN_MAX_SIDE`` pixels a side:
    first with a wide background window (polarity, the sheet on a desk, the
    pen), then with a window fitted to that pen (the digit height; the wide
    look blurs shadows and desk into marks of its own), and where those
    measures still make no sense, with a narrow one (``_narrow_look``). The
    returned hint is in the pixels of the working copy the page is then read
    at (``gray``'s own when not ``rescale``). When that copy is the look
    itself, the look's last ink map is the one the page is read from, and is
    returned with the hint. ``noisy``: ``gray`` was smoothed for its noise
    (``is_noisy``), as the next frames of its video are to be. ``dark_ink``:
    the polarity, where it is known (a page read again the other way round);
    None: judged from the picture (``is_dark_ink``).
    """
    step = min(1.0, LEARN_MAX_SIDE / max(gray.shape))
    look = gray if step == 1.0 else cv2.resize(gray, None, fx=step, fy=step, interpolation=cv2.INTER_AREA)
    if dark_ink is None:
        dark_ink = is_dark_ink(look)
    canvas = _drawing_canvas(look)
    drawn = canvas is not None
    ink, page = ink_map(look, dark_ink, canvas=canvas)
    first, ink, page = _measure(ink, page, drawn)
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
    fitted, ink, page = _measure(ink, page, drawn)
    if not drawn and not fitted.plausible(look.shape):
        again = _narrow_look(look, dark_ink, page, canvas, step)
        if again is not None:
            window, fitted, ink, page = again
    # Working pixels per pixel of ``gray``, from the measures in ``gray``'s pixels.
    factor = working_factor(Scale(fitted.stroke / step, fitted.height / step), gray.shape) if rescale else 1.0
    if page is not None:
        page = cv2.resize(page, working_size(gray.shape, factor), interpolation=cv2.INTER_NEAREST)
    to_working = factor / step
    hint = PageHint(dark_ink, window * to_working if window else None, fitted.height * to_working,
                    page, gray.shape, factor, fitted.stroke * to_working if fitted.plausible(look.shape) else 0.0, canvas,
                    fitted.tall * to_working, noisy)
    return hint, ink if step == factor == 1.0 else None


def _narrow_look(look: np.ndarray, dark_ink: bool, page: np.ndarray | None, canvas: int | None,
                 step: float) -> tuple[float, Scale, np.ndarray, np.ndarray | None] | None:
    """(window, measures, ink map, sheet mask) of a second try at a page whose
    measures made no sense; None if it makes no more sense of them.

    A band of shadow across the sheet, narrower than the first look's window
    (1/8 of the picture), is left in that look's ink map as one long, broad
    "stroke". Taken for the pen, it sets a window for broad markers, which
    leaves the band in again: the page's pen and digit height come out absurd,
    the writing next to the band is lost, and the band is read as a "1"
    hundreds of pixels tall. A window ``NARROW_LOOK`` of the picture's side
    takes such a band for paper; once the pen is found, the window is fitted
    to it, as on a page whose first look made sense.
    """
    narrow = NARROW_LOOK * max(look.shape)
    found = _measure(ink_map(look, dark_ink, window=narrow, page=page, canvas=canvas)[0], page)
    if not found[0].plausible(look.shape):
        return None
    fitted_window = max(STROKE_WINDOW * found[0].stroke, MIN_WINDOW * step)
    fitted = _measure(ink_map(look, dark_ink, window=fitted_window, page=page, canvas=canvas)[0], page)
    if fitted[0].plausible(look.shape):
        return fitted_window, *fitted
    return narrow, *found


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


def working_size(shape: tuple[int, int], factor: float) -> tuple[int, int]:
    """(width, height) of an image of ``shape`` read at ``factor``."""
    return max(1, round(shape[1] * factor)), max(1, round(shape[0] * factor))
