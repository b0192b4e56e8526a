"""Long runs: memory stays flat over 5,000 weekly steps (apart from the recorded series)."""

from __future__ import annotations

import gc
import os
import tracemalloc

import pytest

from sim.model import CohesionModel

from .conftest import small


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _long_model() -> CohesionModel:
    # metrics every 50 weeks: the recorded series is preallocated and small
    return CohesionModel(small("population.size=300", "steps=5000", "metrics_every=50"))


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_rss_flat_over_5000_weeks():
    m = _long_model()
    for _ in range(500):
        m.step()
    gc.collect()
    samples = []
    for _ in range(9):
        for _ in range(500):
            m.step()
        gc.collect()
        samples.append(_rss())
    assert m.steps == 5000
    growth = max(samples) - samples[0]
    assert growth < 8 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MiB"


@pytest.mark.slow
def test_traced_memory_flat_over_5000_weeks():
    """The exact count: only the election log grows (a few rows every 208 weeks)."""
    m = _long_model()
    for _ in range(500):
        m.step()
    tracemalloc.start()
    try:
        gc.collect()
        early = tracemalloc.get_traced_memory()[0]
        samples = []
        for _ in range(9):
            for _ in range(500):
                m.step()
            gc.collect()
            samples.append(tracemalloc.get_traced_memory()[0] - early)
    finally:
        tracemalloc.stop()
    assert max(samples) < 256 * 1024, f"grew by {max(samples) / 1024:.0f} KiB"
    slope = (samples[-1] - samples[0]) / 4000
    assert slope < 32, f"{slope:.1f} bytes per week"
