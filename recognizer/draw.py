"""Draw digits with the mouse and read them all: ``recognizer draw``.

``Sketch`` holds the strokes and renders them as ink on paper; the reading is
the same pipeline as for photos, so every digit drawn is read, not only one.
``DrawApp`` is a thin Tk window around it (Tk ships with Python on Linux,
macOS and Windows). Tests drive ``Sketch`` with synthetic strokes, no window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from recognizer.pipeline import Recognizer
from recognizer.types import Reading

PEN = 12  # pixels: a felt-tip on a 700x400 canvas
READ_DELAY_MS = 350  # read this long after the pen lifts


@dataclass
class Sketch:
    width: int = 700
    height: int = 400
    pen: int = PEN
    strokes: list[list[tuple[int, int]]] = field(default_factory=list)

    def begin(self, x: int, y: int) -> None:
        self.strokes.append([(int(x), int(y))])

    def extend(self, x: int, y: int) -> None:
        if not self.strokes:
            self.begin(x, y)
        self.strokes[-1].append((int(x), int(y)))

    def clear(self) -> None:
        self.strokes.clear()

    def render(self) -> np.ndarray:
        """The drawing as a grey image: black ink on white paper."""
        paper = np.full((self.height, self.width), 255, np.uint8)
        for stroke in self.strokes:
            points = np.array(stroke, np.int32).reshape(-1, 1, 2)
            if len(stroke) == 1:
                cv2.circle(paper, stroke[0], self.pen // 2, 0, -1, cv2.LINE_AA)
            else:
                cv2.polylines(paper, [points], False, 0, self.pen, cv2.LINE_AA)
        return paper

    def read(self, recognizer: Recognizer) -> Reading:
        if not self.strokes:
            return Reading("canvas", self.width, self.height)
        return recognizer.read_array(self.render(), "canvas")

    def save(self, folder: Path, reading: Reading) -> Path:
        from recognizer.annotate import annotate

        folder.mkdir(parents=True, exist_ok=True)
        index = len(list(folder.glob("drawing_*.png"))) + 1
        path = folder / f"drawing_{index:03d}.png"
        cv2.imwrite(str(path), self.render())
        cv2.imwrite(str(path.with_name(path.stem + "_read.png")), annotate(self.render(), reading))
        path.with_suffix(".json").write_text(json.dumps(reading.to_dict()) + "\n")
        return path


class DrawApp:
    """The window: a canvas, the digits read on it, and Read / Clear / Save / Quit."""

    def __init__(self, recognizer: Recognizer, output: Path, sketch: Sketch | None = None) -> None:
        import tkinter as tk

        self.recognizer, self.output = recognizer, output
        self.sketch = sketch or Sketch()
        self.root = tk.Tk()
        self.root.title("recognizer: draw digits, they are read as you go")
        self.canvas = tk.Canvas(self.root, width=self.sketch.width, height=self.sketch.height,
                                bg="white", cursor="pencil")
        self.canvas.pack()
        bar = tk.Frame(self.root)
        bar.pack(fill="x")
        self.status = tk.Label(bar, text="Draw digits with the mouse.", anchor="w", font=("TkDefaultFont", 14))
        self.status.pack(side="left", fill="x", expand=True)
        for text, action in (("Read", self.read), ("Clear (c)", self.clear), ("Save (s)", self.save),
                             ("Quit (q)", self.root.destroy)):
            tk.Button(bar, text=text, command=action).pack(side="left")
        self.canvas.bind("<ButtonPress-1>", self._press)
        self.canvas.bind("<B1-Motion>", self._move)
        self.canvas.bind("<ButtonRelease-1>", self._release)
        self.root.bind("c", lambda _: self.clear())
        self.root.bind("s", lambda _: self.save())
        self.root.bind("q", lambda _: self.root.destroy())
        self._pending = None
        self.reading = Reading("canvas")

    def _press(self, event) -> None:
        self.sketch.begin(event.x, event.y)

    def _move(self, event) -> None:
        x0, y0 = self.sketch.strokes[-1][-1]
        self.sketch.extend(event.x, event.y)
        self.canvas.create_line(x0, y0, event.x, event.y, width=self.sketch.pen, capstyle="round", smooth=True)

    def _release(self, _event) -> None:
        if self._pending:
            self.root.after_cancel(self._pending)
        self._pending = self.root.after(READ_DELAY_MS, self.read)

    def read(self) -> None:
        self.reading = self.sketch.read(self.recognizer)
        self.canvas.delete("result")
        for digit in self.reading.digits:
            x, y, w, h = digit.box
            self.canvas.create_rectangle(x, y, x + w, y + h, outline="#2a2", tags="result")
            self.canvas.create_text(x + w / 2, y - 12, text=f"{digit.label}  {digit.confidence:.2f}",
                                    fill="#2a2", font=("TkDefaultFont", 12, "bold"), tags="result")
        numbers = " ".join(self.reading.numbers) or "no digits yet"
        self.status.configure(text=f"Read: {numbers}")

    def clear(self) -> None:
        self.sketch.clear()
        self.canvas.delete("all")
        self.status.configure(text="Cleared. Draw digits with the mouse.")

    def save(self) -> None:
        self.read()
        path = self.sketch.save(self.output, self.reading)
        self.status.configure(text=f"Saved {path} ({' '.join(self.reading.numbers) or 'no digits'})")

    def run(self) -> None:
        self.root.mainloop()
