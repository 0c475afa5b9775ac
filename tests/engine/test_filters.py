"""Streaming filters: exact across chunking, and right."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import butter, sosfiltfilt

from tracker.engine.dsp.filters import Lowpass, RunLength, WindowDispersion, ZeroPhase
from tracker.engine.dsp.resample import UniformResampler


def _chunked(fn, x, cuts):
    pieces = np.split(x, sorted(set(cuts)))
    return np.concatenate([fn(p) for p in pieces])


cuts = st.lists(st.integers(1, 499), max_size=30)


@settings(max_examples=40, deadline=None)
@given(cuts=cuts)
def test_lowpass_running_sums_and_runs_are_exact_across_chunking(cuts):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 2))
    mask = rng.random(500) > 0.3
    for make, signal in [
        (lambda: Lowpass(0.5, 0.01), x),
        (lambda: Lowpass(0.5, 0.01, from_zero=True), x),
        (lambda: WindowDispersion(37), x),
        (lambda: RunLength(), mask),
    ]:
        whole = make()(signal)
        np.testing.assert_array_equal(_chunked(make(), signal, cuts), whole)


def test_lowpass_time_constant():
    lp = Lowpass(tau_s=1.0, dt_s=0.01, from_zero=True)
    y = lp(np.ones(101))
    assert y[99] == pytest.approx(1 - np.exp(-1.0), rel=1e-12)  # 100 samples = one tau
    assert Lowpass(1.0, 0.01)(np.full(10, 3.0)) == pytest.approx(3.0)  # no start-up transient


def test_window_dispersion_matches_direct_computation():
    rng = np.random.default_rng(1)
    xy = rng.normal(size=(300, 2)) * 2 + 50  # an offset tests the cancellation
    level = WindowDispersion(40)(xy)
    for k in (39, 120, 299):
        w = xy[k - 39 : k + 1]
        direct = np.sqrt(np.mean(np.sum((w - w.mean(axis=0)) ** 2, axis=1)))
        assert level[k] == pytest.approx(direct, rel=1e-9)


@pytest.mark.parametrize("order", [1, 2, 4])
@pytest.mark.parametrize("shape", [(None,), (None, 3)])
def test_zero_phase_is_sosfiltfilt_exactly(order, shape):
    sos = butter(order, 3.0, fs=100.0, output="sos")
    zero_phase = ZeroPhase(sos)
    rng = np.random.default_rng(order)
    for n in (zero_phase.padlen + 1, 250):
        x = rng.normal(size=tuple(n if d is None else d for d in shape))
        np.testing.assert_array_equal(zero_phase(x), sosfiltfilt(sos, x, axis=0))
    with pytest.raises(ValueError):
        zero_phase(np.zeros(zero_phase.padlen))


def test_run_length_counts_consecutive_true():
    runs = RunLength()
    assert list(runs(np.array([1, 1, 0, 1], bool))) == [1, 2, 0, 1]
    assert list(runs(np.array([1, 1], bool))) == [2, 3]  # carried across pushes


def test_resampler_interpolates_jittered_input_exactly_across_chunking():
    rng = np.random.default_rng(2)
    t = np.cumsum(rng.uniform(0.006, 0.014, 400))
    values = np.column_stack([np.sin(t), np.cos(3 * t)])
    whole = UniformResampler(100.0, 1.0).push(t, values)
    r = UniformResampler(100.0, 1.0)
    parts = [r.push(t[a:b], values[a:b]) for a, b in [(0, 1), (1, 8), (8, 250), (250, 400)]]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), whole[0])
    np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), whole[1])
    grid = whole[0]
    assert np.allclose(np.diff(grid), 0.01)
    assert grid[0] == t[0] and grid[-1] <= t[-1]
    assert np.allclose(whole[1][:, 0], np.sin(grid), atol=1e-4)  # linear interpolation error


def test_resampler_skips_long_silences_and_flags_the_restart():
    t = np.concatenate([np.arange(0, 1, 0.01), np.arange(3, 4, 0.01)])
    values = np.zeros((len(t), 1))
    r = UniformResampler(100.0, max_gap_s=0.5)
    # The silence spans a push boundary: the flag must still land on the first point after it.
    _, _, restart1, _ = r.push(t[:100], values[:100])
    g2, _, restart2, _ = r.push(t[100:], values[100:])
    assert not restart1.any()
    assert not ((g2 > 1.0) & (g2 < 3.0)).any()  # nothing invented inside the silence
    assert restart2.sum() == 1 and g2[restart2][0] == pytest.approx(3.0)


def test_a_hole_whose_first_sample_ends_a_push_is_bridged_as_in_one_push():
    """Timestamps on the grid itself (a sensor's sample counter): a grid point falls on the
    hole's first sample, which may be the newest sample when a push ends, before anyone
    can know a hole follows. It must come out the same either way."""
    t = np.arange(600) / 100.0
    values = np.column_stack([np.sin(3 * t), np.cos(2 * t), 0.05 * np.sin(40 * t)])
    kept = np.ones(600, bool)
    kept[301:313] = kept[450:452] = False  # lost packets after samples 300 and 449
    t, values = t[kept], values[kept]
    whole = UniformResampler(100.0, 1.0).push(t, values)
    at_hole = int(np.searchsorted(t, 3.0)) + 1  # a push ends on the hole's first sample
    for cuts in ([at_hole], list(range(1, len(t)))):
        r = UniformResampler(100.0, 1.0)
        parts = [r.push(t[a:b], values[a:b]) for a, b in pairwise([0, *cuts, len(t)])]
        for got, expected in zip(zip(*parts, strict=True), whole, strict=True):
            np.testing.assert_array_equal(np.concatenate(got), expected)
    on_sample = np.isin(whole[0], t)
    np.testing.assert_array_equal(whole[1][on_sample], values[np.isin(t, whole[0])])
    assert whole[3].any()  # the shaking channel was guessed in a hole
