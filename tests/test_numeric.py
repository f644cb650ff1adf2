import cv2
import numpy as np
import pytest

from recognizer.numeric import label_components, percentile


@pytest.mark.parametrize("size", [1, 2, 5, 300])
@pytest.mark.parametrize("percent", [0, 33.3, 50, 75, 90, 100])
def test_percentile_matches_numpy(size: int, percent: float) -> None:
    values = np.random.default_rng(size).integers(0, 256, size).astype(np.uint8)
    assert percentile(values, percent) == pytest.approx(float(np.percentile(values, percent)))


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile(np.array([]), 50)


def test_component_boxes_agree_with_opencvs_own_stats():
    """The boxes taken from outer contours are the ones connectedComponentsWithStats
    gives: rings with marks in their holes, marks on the border, diagonal
    touches, single pixels and speckle."""
    rng = np.random.default_rng(3)
    mask = (rng.random((240, 320)) < 0.04).astype(np.uint8)  # speckle, much of it touching diagonally
    cv2.circle(mask, (100, 100), 40, 1, 3)
    cv2.circle(mask, (100, 100), 20, 1, 2)  # a ring in a ring's hole...
    cv2.circle(mask, (100, 100), 3, 1, -1)  # ...and a dot in that
    cv2.rectangle(mask, (0, 150), (60, 239), 1, 2)  # on the border
    mask[5, 300] = mask[6, 301] = 1  # two pixels joined at a corner
    found = label_components(mask)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    assert found.count == count > 100
    # Each component's box, whatever the labels' order.
    ours = {tuple(found.boxes[k]) + (int(np.count_nonzero(found.labels == k)),) for k in range(1, count)}
    assert ours == {tuple(int(v) for v in row) for row in stats[1:]}
