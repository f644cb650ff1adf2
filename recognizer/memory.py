"""Keep freed memory in the process for the next page, instead of giving it
back to the operating system and faulting it in again.

Reading a page makes and drops dozens of page-sized arrays (masks, label
maps, distance maps) within milliseconds. glibc's malloc hands blocks over
its mmap threshold fresh pages from the kernel, and gives the free top of
its heap back; each page-sized array then pays a fault for every 4 KiB it
first touches. Reading 12 generated 150 dpi A4 forms in turn, that was about
7,300 faults a form, 13-16 ms of kernel time on top of some 130 ms of
reading. With both thresholds raised, freed blocks are reused already
mapped: 12 faults a form.

The cost is that the process keeps up to ``TRIM_THRESHOLD`` of freed memory
(over a 1,500-page batch the memory still stayed flat: benchmarks/RESULTS.md, Memory
reuse). glibc only (Linux); elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import sys

MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks up to 32 MiB come from the heap...
TRIM_THRESHOLD = 512 << 20  # ...and up to 512 MiB of freed heap is kept for reuse
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (glibc's malloc.h)
_kept = False


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds, once per process; whether they
    are raised. (Setting the trim threshold alone would make things worse: it
    stops glibc from raising the mmap threshold as it learns, so every block
    over 128 KiB would be mapped afresh.)"""
    global _kept
    if _kept or not sys.platform.startswith("linux"):
        return _kept
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the running process's C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    # mallopt returns 1 on success; musl's stub, 0.
    _kept = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _kept
