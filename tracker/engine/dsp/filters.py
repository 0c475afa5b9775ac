"""Streaming building blocks whose output never depends on how the input was chunked.

Each stage computes every sample with the same floating-point operations whether
it arrives alone or in a block of thousands: interpolation is elementwise and IIR
filters run through ``scipy.signal.lfilter`` with their state carried between
blocks. That makes chunking invariance exact, not approximate. ``ZeroPhase`` is
the one exception: it filters a finished window (a rep, a bout) forward and back.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter, sosfilt, sosfilt_zi

from tracker.core.frames import row_dot


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

    def run_forgetting(self, x: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Filter a short run, shrinking the remembered state by ``keep[k]`` before sample k.

        The same arithmetic as the filter itself, one sample at a time (runs are short:
        a weighted average then favours what comes after lost packets).
        """
        if len(x) == 0:
            return x.astype(np.float64, copy=True)
        if self._zi is None:
            first = np.zeros_like(x[0], dtype=np.float64) if self._from_zero else x[0]
            self._zi = (-self._a[1] * np.asarray(first, dtype=np.float64))[np.newaxis, ...]
        gain, decay = self._b[0], -self._a[1]
        state = self._zi[0]
        out = np.empty(x.shape)
        for k in range(len(x)):
            state = state * keep[k]
            out[k] = gain * x[k] + state
            state = decay * out[k]
        self._zi = state[np.newaxis, ...]
        return out


class Causal:
    """A unity-gain IIR filter (second-order sections) run along axis 0 with its state carried.

    The state starts at rest on the first sample, and ``restart`` starts it afresh
    there at any later sample (after a silence the old state means nothing).
    """

    def __init__(self, sos: np.ndarray):
        self.sos = sos
        self._rest = sosfilt_zi(sos)  # state at rest for a unit input
        self._zi: np.ndarray | None = None

    def __call__(self, x: np.ndarray, restart: np.ndarray | None = None) -> np.ndarray:
        if len(x) == 0:
            return x.astype(np.float64, copy=True)
        starts = [] if restart is None else np.flatnonzero(restart).tolist()
        if self._zi is None and (not starts or starts[0] != 0):
            starts.insert(0, 0)
        pieces, at = [], 0
        for start in [*starts, len(x)]:
            if start > at:
                y, self._zi = sosfilt(self.sos, x[at:start], axis=0, zi=self._zi)
                pieces.append(y)
            if start < len(x):
                shape = (len(self.sos), 2) + (1,) * (x.ndim - 1)
                self._zi = self._rest.reshape(shape) * x[start : start + 1]
            at = start
        return np.concatenate(pieces)


class ZeroPhase:
    """``scipy.signal.sosfiltfilt`` along the first axis, the filter's start state kept.

    sosfiltfilt solves for that state (``sosfilt_zi``) on every call, which takes
    longer than filtering one rep's few hundred samples. The steps are sosfiltfilt's
    own (odd extension, forward, backward), so the output is identical.
    """

    def __init__(self, sos: np.ndarray):
        self.sos = sos
        self._zi = sosfilt_zi(sos)
        taps = 2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
        self.padlen = 3 * int(taps)  # input must be longer than this

    def __call__(self, x: np.ndarray, padlen: int | None = None) -> np.ndarray:
        """``padlen``: samples of odd extension at each end, as sosfiltfilt's (default: its)."""
        n = self.padlen if padlen is None else padlen
        if len(x) <= n:
            raise ValueError(f"zero-phase filtering needs more than {n} samples")
        ext = np.concatenate([2 * x[:1] - x[n:0:-1], x, 2 * x[-1:] - x[-2 : -(n + 2) : -1]])
        zi = self._zi.reshape((len(self.sos), 2) + (1,) * (x.ndim - 1))
        y, _ = sosfilt(self.sos, ext, axis=0, zi=zi * ext[:1])
        y, _ = sosfilt(self.sos, y[::-1], axis=0, zi=zi * y[-1:])
        return y[::-1][n:-n]


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
        sums = self._sums(np.column_stack([xy, row_dot(xy, xy)]))
        history = np.vstack([self._behind, sums])
        self._behind = history[-self.window :]
        diff = sums - history[: len(sums)]
        mean = diff[:, :2] / self.window
        variance = diff[:, 2] / self.window - row_dot(mean, mean)
        return np.sqrt(np.maximum(variance, 0.0))
