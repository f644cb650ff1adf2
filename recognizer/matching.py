"""One-to-one matching of found boxes to true boxes, and the scores built on it.

Used by the scene benchmark and by training, which labels the detector's own
crops by matching them to a scene's truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from recognizer.types import Box

MATCH_IOU = 0.5


def iou(a: Sequence[int], b: Sequence[int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / float(aw * ah + bw * bh - inter)


def match(found: Sequence[Box], truth: Sequence[Box], threshold: float = MATCH_IOU) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs ``(found_index, truth_index)``, best IoU first."""
    pairs = sorted(
        ((iou(f, t), i, j) for i, f in enumerate(found) for j, t in enumerate(truth)),
        reverse=True,
    )
    used_f, used_t, result = set(), set(), []
    for overlap, i, j in pairs:
        if overlap < threshold:
            break
        if i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
            result.append((i, j))
    return result


@dataclass
class Tally:
    """Counts over many images; precision, recall and F1 come from them."""

    found: int = 0
    truth: int = 0
    matched: int = 0  # detection: boxes paired at IoU >= 0.5
    correct: int = 0  # end to end: paired and labelled right
    numbers: int = 0
    numbers_exact: int = 0

    def add(self, boxes, labels, true_boxes, true_labels, numbers, true_numbers) -> None:
        pairs = match(boxes, true_boxes)
        self.found += len(boxes)
        self.truth += len(true_boxes)
        self.matched += len(pairs)
        self.correct += sum(labels[i] == true_labels[j] for i, j in pairs)
        remaining = list(numbers)
        for number in true_numbers:
            self.numbers += 1
            if number in remaining:
                remaining.remove(number)
                self.numbers_exact += 1

    @staticmethod
    def _f1(hits: int, found: int, truth: int) -> tuple[float, float, float]:
        precision = hits / found if found else 1.0
        recall = hits / truth if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def detection(self) -> tuple[float, float, float]:
        return self._f1(self.matched, self.found, self.truth)

    @property
    def end_to_end(self) -> tuple[float, float, float]:
        return self._f1(self.correct, self.found, self.truth)

    @property
    def numbers_rate(self) -> float:
        return self.numbers_exact / self.numbers if self.numbers else 1.0
