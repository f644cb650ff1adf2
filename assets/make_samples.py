"""Make the sample images in assets/images/ (all synthetic, made by this project).

    python assets/make_samples.py

Writes a 640x480 photo-like sheet with 20 digits (the cold-start benchmark's
input), a chalk board, and the annotated result shown in the README.
"""

from __future__ import annotations

from pathlib import Path

import cv2

from recognizer.synthetic import make_page

HERE = Path(__file__).resolve().parent / "images"
SAMPLES = {
    # name: (numbers, options)
    "digits_photo.jpg": (["2025", "31415", "9265", "3589", "793"], {"seed": 21}),
    "chalk_board.jpg": (["1024", "768"], {"seed": 22, "light_on_dark": True}),
}


def main() -> None:
    from recognizer.annotate import annotate
    from recognizer.classify import load_classifier
    from recognizer.pipeline import Recognizer

    HERE.mkdir(parents=True, exist_ok=True)
    for name, (numbers, options) in SAMPLES.items():
        page = make_page(numbers, **options)
        cv2.imwrite(str(HERE / name), page.image, [cv2.IMWRITE_JPEG_QUALITY, 88])
        print(f"wrote {HERE / name}: {' '.join(page.numbers)}")

    # The README's picture: what the shipped model reads in the photo sample.
    reading, image = Recognizer(load_classifier()).read_file(str(HERE / "digits_photo.jpg"))
    cv2.imwrite(str(HERE / "digits_photo_read.png"), annotate(image, reading))
    print(f"wrote {HERE / 'digits_photo_read.png'}: read {' '.join(reading.numbers)}")


if __name__ == "__main__":
    main()
