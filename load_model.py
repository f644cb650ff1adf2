"""Read the digits in images: ``python load_model.py image.jpg`` (= ``recognizer read``)."""
import sys

from recognizer.cli import main

if __name__ == "__main__":
    sys.exit(main(["read", *sys.argv[1:]]))
