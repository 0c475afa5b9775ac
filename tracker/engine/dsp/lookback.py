"""A bounded look-back over the uniform stream, addressed by absolute sample index."""

from __future__ import annotations

import numpy as np


class Lookback:
    """Ring buffers of named per-sample columns, the last ``capacity`` samples of each.

    Detectors decide from what they see now but measure an event (a rep, a
    bout) over its whole span once it has ended; this keeps that span.
    """

    def __init__(self, capacity: int, widths: dict[str, int]):
        self.capacity = capacity
        self._columns = {
            name: np.zeros((capacity, width)) if width > 1 else np.zeros(capacity)
            for name, width in widths.items()
        }
        self.end = 0  # absolute index one past the newest sample

    @property
    def start(self) -> int:
        """Absolute index of the oldest sample still held."""
        return max(0, self.end - self.capacity)

    def append(self, **columns: np.ndarray) -> None:
        n = len(next(iter(columns.values())))
        if n > self.capacity:  # only the newest fit
            columns = {k: v[-self.capacity :] for k, v in columns.items()}
            self.end += n - self.capacity
            n = self.capacity
        at = self.end % self.capacity
        split = min(n, self.capacity - at)  # the rest wraps to the front
        for name, values in columns.items():
            column = self._columns[name]
            column[at : at + split] = values[:split]
            column[: n - split] = values[split:]
        self.end += n

    def write(self, name: str, first: int, values: np.ndarray) -> None:
        """Overwrite ``name`` from absolute index ``first`` (samples already appended)."""
        slots = (first + np.arange(len(values))) % self.capacity
        self._columns[name][slots] = values

    def window(self, name: str, first: int, stop: int) -> np.ndarray:
        """Samples ``first`` (inclusive) to ``stop`` (exclusive), clipped to what is held."""
        first = max(first, self.start)
        stop = min(stop, self.end)
        column = self._columns[name]
        if stop <= first:
            return column[:0].copy()
        at, n = first % self.capacity, stop - first
        if at + n <= self.capacity:
            return column[at : at + n].copy()
        return np.concatenate([column[at:], column[: at + n - self.capacity]])

    def change(self, name: str, first: int, stop: int, lag: int) -> np.ndarray:
        """``|x[k] - x[k - lag]|`` of a 1-D column for samples ``first`` to ``stop`` (clipped
        to what is held); inf where ``k - lag`` is no longer, or not yet, held."""
        first, stop = max(first, self.start), min(stop, self.end)
        lo = max(first - lag, self.start)
        x = self.window(name, lo, stop)
        out = np.full(max(stop - first, 0), np.inf)
        known = max(0, lo + lag - first)  # the first sample whose lag is held
        if known < len(out):
            out[known:] = np.abs(x[first - lo + known :] - x[: len(x) - (first - lo + known)])
        return out

    def at(self, name: str, index: int):
        return self._columns[name][index % self.capacity]
