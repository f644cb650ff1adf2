from recognizer.matching import Tally, iou, match
from recognizer.types import Box


def test_iou():
    assert iou(Box(0, 0, 10, 10), Box(0, 0, 10, 10)) == 1.0
    assert iou(Box(0, 0, 10, 10), Box(5, 0, 10, 10)) == 50 / 150
    assert iou(Box(0, 0, 10, 10), Box(20, 20, 5, 5)) == 0.0


def test_match_is_one_to_one_best_first():
    truth = [Box(0, 0, 10, 10), Box(12, 0, 10, 10)]
    found = [Box(1, 0, 10, 10), Box(0, 0, 10, 10), Box(12, 1, 10, 10)]
    pairs = match(found, truth)
    assert sorted(pairs) == [(1, 0), (2, 1)]  # the exact box wins truth 0; found 0 is left over


def test_tally_scores():
    tally = Tally()
    truth = [Box(0, 0, 10, 10), Box(20, 0, 10, 10)]
    tally.add([Box(0, 0, 10, 10), Box(20, 0, 10, 10), Box(50, 50, 5, 5)], [1, 3, 7], truth, [1, 2],
              ["13"], ["12"])
    precision, recall, f1 = tally.detection
    assert (precision, recall) == (2 / 3, 1.0)
    assert tally.end_to_end[:2] == (1 / 3, 1 / 2)
    assert tally.numbers_rate == 0.0
