"""The resampler across silences: a jump in time of any length costs nothing, is marked,
and gives the same grid however the samples are pushed."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest

from tracker.core.types import ImuBlock
from tracker.engine.dsp.resample import UniformResampler
from tracker.engine.pipeline import Pipeline

RATE_HZ = 100.0


def _stream(jump_s: float, n: int = 600, at: int = 300, start_s: float = 0.0):
    rng = np.random.default_rng(3)
    t = start_s + np.arange(n) / RATE_HZ + rng.uniform(-2e-3, 2e-3, n)
    t[at:] += jump_s
    values = np.cumsum(rng.normal(0, 0.1, (n, 6)), axis=0)
    return t, values


def _push(t, values, sizes=None):
    resampler = UniformResampler(RATE_HZ, max_gap_s=1.0, groups=((0, 1, 2), (3, 4, 5)))
    cuts = [0, len(t)] if sizes is None else [*range(0, len(t), sizes), len(t)]
    parts = [resampler.push(t[a:b], values[a:b]) for a, b in itertools.pairwise(cuts)]
    return [np.concatenate([p[k] for p in parts]) for k in range(4)]


@pytest.mark.parametrize("jump_s", [1e9, 1.7e9, 1e12])
def test_a_jump_in_time_is_a_gap_that_costs_no_memory(jump_s):
    """Before the fix, every grid point across the jump was made: a 1e7 s jump was a
    MemoryError ("Unable to allocate 1.24 TiB"), a 1e6 s one took 4 GB and 40 s."""
    t, values = _stream(jump_s)
    tracemalloc.start()
    try:
        t_grid, out, restart, _ = _push(t, values)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    before, after = t_grid < t[299] + 1.0, t_grid >= t[300]
    assert (before | after).all(), "nothing is made inside the silence"
    assert 295 <= before.sum() <= 300 and 295 <= after.sum() <= 300
    assert np.flatnonzero(restart).tolist() == [int(before.sum())], "the restart is marked"
    assert np.isfinite(out).all()


@pytest.mark.parametrize("sizes", [1, 7, 300])
def test_the_grid_across_silences_does_not_depend_on_the_pushes(sizes):
    t, values = _stream(5.0, n=900)
    t[600:] += 1e9  # two silences, one ending where a push ends
    whole = _push(t, values)
    pieces = _push(t, values, sizes)
    for a, b in zip(whole, pieces, strict=True):
        np.testing.assert_array_equal(a, b)
    # the sample after each silence is on the grid's first point after it, flagged
    assert np.flatnonzero(whole[2]).size == 2


def test_a_first_sample_at_zero_then_unix_times_is_analysed():
    t, values = _stream(1.7e9, n=3000, at=1)
    values[:, :3] = [0.1, 9.8, 0.2]
    values[:, 3:] = 0.0
    pipeline = Pipeline()
    pipeline.push(ImuBlock.from_arrays(t, values[:, :3], values[:, 3:]))
    pipeline.finish()
    summary = pipeline.summary()
    assert summary["gaps"] == 1 and summary["samples"] == 3000
    assert summary["calibrated"]
