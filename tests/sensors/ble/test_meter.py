"""The effective rate and the loss fraction a live stream reports."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.core.types import ImuBlock
from tracker.sensors.ble.meter import StreamMeter
from tracker.sensors.decode import DecodeResult


def _result(t, lost=0, unpaired=0) -> DecodeResult:
    n = len(t)
    return DecodeResult(
        ImuBlock.from_arrays(t, np.zeros((n, 3)), np.zeros((n, 3))),
        np.full(n, np.nan),
        lost=lost,
        unpaired=unpaired,
    )


def test_rate_over_the_last_window_whatever_the_batches():
    meter = StreamMeter(100.0)
    assert meter.rate_hz is None and meter.loss_fraction == 0.0
    t = np.arange(1000) / 100.0
    for chunk in np.array_split(t, 137):  # uneven batches
        meter.add(_result(chunk))
    assert meter.rate_hz == pytest.approx(100.0, rel=1e-9)


def test_a_gap_lowers_the_rate_and_counts_as_loss():
    meter = StreamMeter(100.0, window_s=2.0)
    meter.add(_result(np.arange(500) / 100.0))
    meter.add(_result(5.0 + np.arange(100) / 100.0 + 1.0, lost=100))  # 1 s missing
    assert meter.rate_hz == pytest.approx(100 / 2.0, rel=0.02)  # 100 samples in the last 2 s
    assert meter.loss_fraction == pytest.approx(100 / 700)


def test_separate_acc_and_gyr_streams_count_a_lost_sample_once():
    meter = StreamMeter(100.0, streams=2)
    meter.add(_result(np.arange(97) / 100.0, lost=3, unpaired=3))  # 3 acc lost, 3 gyr unpaired
    assert meter.loss_fraction == pytest.approx(3 / 100)
