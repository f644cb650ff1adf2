"""recognizer: find and read every handwritten digit in photos, frames and scans."""

__version__ = "0.1.0"
