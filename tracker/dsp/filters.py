"""Streaming building blocks whose output never depends on how the input was chunked.

Each stage computes every sample with the same floating-point operations whether
it arrives alone or in a block of thousands: interpolation is elementwise and IIR
filters run through ``scipy.signal.lfilter`` with their state carried between
blocks. That makes chunking invariance exact, not approximate.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


class Lowpass:
    """First-order IIR lowpass (exponential moving average) over the columns of a signal.

    ``y[k] = y[k-1] + alpha * (x[k] - y[k-1])`` with ``alpha = 1 - exp(-dt / tau)``.
    By default the first sample initialises the state (no start-up transient);
    ``from_zero=True`` starts from nothing instead, as a weighted running average
    (a ratio of two such filters) needs: there the first sample has no extra weight.
    """

    def __init__(self, tau_s: float, dt_s: float, *, from_zero: bool = False):
        alpha = 1.0 - np.exp(-dt_s / tau_s)
        self._b = np.array([alpha])
        self._a = np.array([1.0, alpha - 1.0])
        self._from_zero = from_zero
        self._zi: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return x.astype(np.float64, copy=True)
        if self._zi is None:
            # Zero, or the steady state for a constant input equal to the first sample.
            first = np.zeros_like(x[0], dtype=np.float64) if self._from_zero else x[0]
            self._zi = (-self._a[1] * np.asarray(first, dtype=np.float64))[np.newaxis, ...]
        y, self._zi = lfilter(self._b, self._a, x, axis=0, zi=self._zi)
        return y

    def reset(self) -> None:
        """Forget the state: the next sample initialises it again."""
        self._zi = None


class RunningSum:
    """Cumulative sum carried across blocks, computed sample by sample (exact across chunking)."""

    def __init__(self, shape: tuple[int, ...] = ()):
        self._zi = np.zeros((1, *shape))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return x.astype(np.float64, copy=True)
        y, self._zi = lfilter([1.0], [1.0, -1.0], x, axis=0, zi=self._zi)
        return y

    @property
    def total(self) -> np.ndarray:
        return self._zi[0].copy()


class RunLength:
    """How many consecutive samples, up to and including each one, have been true."""

    def __init__(self):
        self._carried = 0

    def __call__(self, mask: np.ndarray) -> np.ndarray:
        index = np.arange(len(mask))
        last_false = np.maximum.accumulate(np.where(mask, -1, index))
        runs = np.where(last_false >= 0, index - last_false, self._carried + index + 1)
        if len(mask):
            self._carried = int(runs[-1])
        return runs


class WindowDispersion:
    """RMS distance of 2-D points from their mean over the last ``window`` samples.

    Computed from running sums (exact across chunking) differenced ``window``
    samples apart, so it costs the same for any window length.
    """

    def __init__(self, window: int):
        self.window = window
        self._sums = RunningSum((3,))
        self._behind = np.zeros((window, 3))  # running sums of the last `window` samples

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        sums = self._sums(np.column_stack([xy, np.sum(xy**2, axis=1)]))
        history = np.vstack([self._behind, sums])
        self._behind = history[-self.window :]
        diff = sums - history[: len(sums)]
        mean = diff[:, :2] / self.window
        variance = diff[:, 2] / self.window - np.sum(mean**2, axis=1)
        return np.sqrt(np.maximum(variance, 0.0))


class UniformResampler:
    """Linear interpolation of irregular samples onto a uniform grid ``t0 + n / rate_hz``.

    Jitter and short losses are bridged; a silence longer than ``max_gap_s`` is not
    interpolated across: the grid points inside it are skipped and the first one
    after it is flagged, so later stages can restart their estimates there.
    """

    def __init__(self, rate_hz: float, max_gap_s: float):
        self.rate_hz = rate_hz
        self.max_gap_s = max_gap_s
        self._t0: float | None = None
        self._next_n = 0
        self._last: tuple[float, np.ndarray] | None = None
        self._skipped = 0  # grid points skipped inside long silences so far
        self._skipped_at_last_kept = 0

    def push(self, t_s: np.ndarray, values: np.ndarray):
        """Resample one block.

        Returns ``(t_grid, values_grid, restart)`` where ``restart`` flags grid
        samples that follow a silence longer than ``max_gap_s``.
        """
        width = values.shape[1]
        if len(t_s) == 0:
            return np.empty(0), np.empty((0, width)), np.empty(0, dtype=bool)
        if self._last is None:
            self._t0 = float(t_s[0])
            xp, fp = t_s, values
        else:
            xp = np.concatenate([[self._last[0]], t_s])
            fp = np.vstack([self._last[1], values])
        self._last = (float(t_s[-1]), values[-1].copy())

        n_stop = int(np.floor((xp[-1] - self._t0) * self.rate_hz)) + 1
        n = np.arange(self._next_n, max(n_stop, self._next_n))
        t_grid = self._t0 + n / self.rate_hz
        # Guard the float edge: never emit a grid time beyond the newest sample.
        keep = t_grid <= xp[-1]
        n, t_grid = n[keep], t_grid[keep]
        if len(n):
            self._next_n = int(n[-1]) + 1

        interval = np.searchsorted(xp, t_grid, side="right")  # xp[interval-1] <= t < xp[interval]
        lo = np.clip(interval - 1, 0, len(xp) - 1)
        hi = np.clip(interval, 0, len(xp) - 1)
        inside_gap = ((xp[hi] - xp[lo]) > self.max_gap_s) & (t_grid > xp[lo])
        # The first kept point after skipped ones restarts the estimators (the skipped
        # points may have come in an earlier block, hence the carried count).
        skipped_before = np.cumsum(inside_gap) + self._skipped
        kept = ~inside_gap
        t_grid, skipped_before = t_grid[kept], skipped_before[kept]
        previous = np.concatenate([[self._skipped_at_last_kept], skipped_before[:-1]])
        restart = skipped_before > previous
        self._skipped += int(inside_gap.sum())
        if len(skipped_before):
            self._skipped_at_last_kept = int(skipped_before[-1])
        out = np.empty((len(t_grid), width))
        for col in range(width):
            out[:, col] = np.interp(t_grid, xp, fp[:, col])
        return t_grid, out, restart

    @property
    def started(self) -> bool:
        return self._last is not None
