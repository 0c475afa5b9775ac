"""Effective sample rate and loss of a live stream, from what the decoder made of it."""

from __future__ import annotations

from collections import deque

import numpy as np

from tracker.sensors.decode import DecodeResult


class StreamMeter:
    """Samples per second of sample time over a sliding window, and the fraction lost so far.

    Parameters
    ----------
    nominal_hz : float
        The rate the sensor was started at (one period closes the window's span).
    streams : int
        2 when acc and gyr arrive separately (the decoder then counts a lost or
        unpaired sample in each stream), else 1.
    window_s : float
        Length of sample time the rate is measured over.
    """

    def __init__(self, nominal_hz: float, streams: int = 1, window_s: float = 2.0):
        self.period_s = 1.0 / nominal_hz
        self.streams = streams
        self.window_s = window_s
        self.samples = 0
        self.missing = 0.0
        self._recent: deque[np.ndarray] = deque()  # sample times of recent batches
        self._t_first_s: float | None = None

    def add(self, result: DecodeResult) -> None:
        n = len(result)
        self.samples += n
        self.missing += (result.lost + result.unpaired) / self.streams
        if n:
            t = result.block.t_s
            self._t_first_s = t[0] if self._t_first_s is None else self._t_first_s
            self._recent.append(t)
            while self._recent[0][-1] < t[-1] - self.window_s:
                self._recent.popleft()

    @property
    def rate_hz(self) -> float | None:
        """Samples delivered per second over the last ``window_s`` of sample time."""
        if not self._recent:
            return None
        t = np.concatenate(self._recent)
        n = int(np.count_nonzero(t > t[-1] - self.window_s))
        return n / min(self.window_s, t[-1] - self._t_first_s + self.period_s)

    @property
    def loss_fraction(self) -> float:
        """Samples found missing (gaps, unpaired halves) over all that should have come."""
        total = self.samples + self.missing
        return self.missing / total if total else 0.0
