import numpy as np
import pytest

from recognizer.numeric import percentile


@pytest.mark.parametrize("size", [1, 2, 5, 300])
@pytest.mark.parametrize("percent", [0, 33.3, 50, 75, 90, 100])
def test_percentile_matches_numpy(size: int, percent: float) -> None:
    values = np.random.default_rng(size).integers(0, 256, size).astype(np.uint8)
    assert percentile(values, percent) == pytest.approx(float(np.percentile(values, percent)))


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile(np.array([]), 50)
