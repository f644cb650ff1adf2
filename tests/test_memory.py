"""Freed page-sized blocks are reused by the next page, not faulted in afresh."""

import subprocess
import sys

import pytest

# Eight 12 MiB blocks taken, written and freed, four rounds: glibc's default
# trim threshold (at most 64 MiB) gives the freed top of the heap back after
# every round, and the next round faults every 4 KiB page in again (about
# 24,000 faults). The fourth round's faults are printed.
ROUNDS = """
import ctypes, resource, sys
from recognizer.memory import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
size = 12 << 20
for _ in range(4):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    blocks = [libc.malloc(size) for _ in range(8)]
    for block in blocks:
        ctypes.memset(block, 1, size)
    for block in blocks:
        libc.free(block)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults_in_last_round(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", ROUNDS, mode], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only (Linux)")
def test_freed_blocks_are_reused_without_page_faults():
    from recognizer.memory import keep_freed_memory

    if not keep_freed_memory():
        pytest.skip("this C library has no mallopt (not glibc)")
    assert _faults_in_last_round("default") > 10_000  # the cost this module removes
    assert _faults_in_last_round("keep") < 500


def test_a_recognizer_keeps_freed_memory(monkeypatch):
    import recognizer.pipeline as pipeline

    called = []
    monkeypatch.setattr(pipeline, "keep_freed_memory", lambda: called.append(True))
    pipeline.Recognizer(classifier=object())
    assert called
