"""Irregular samples onto a uniform grid, with lost packets bridged as well as they can be.

Between ordinary samples the grid is interpolated linearly. A *hole* is an
interval over ``hole_ratio`` times the median of the recent ones (lost packets):

- a channel moving smoothly on both sides (two consecutive slopes agree) is
  bridged by a cubic Hermite with those slopes: a straight line through a
  quarter-second hole in a fast rep would lose degrees of rotation;
- a channel that shakes or sways is bridged by its edge values relaxing, within
  ``relax_s``, toward its mean over ``edge_s`` on either side: over a hole longer
  than the shake's period, a line between two random edge values integrates to a
  large false rotation, while the true one is small. These values are flagged
  ``rough``.

Grid points in a hole wait until ``edge_s`` of samples after it have arrived. A
silence longer than ``max_gap_s`` is not bridged at all: its grid points are
skipped and the first one after it is flagged, so later stages restart there.

Each grid value depends only on the samples around it, computed the same way in
any push, so the output is identical however the input was chunked.
"""

from __future__ import annotations

import numpy as np


class UniformResampler:
    RECENT = 8  # intervals whose median is "the usual interval"

    def __init__(
        self,
        rate_hz: float,
        max_gap_s: float,
        hole_ratio: float = 2.5,
        edge_s: float = 0.2,
        relax_s: float = 0.1,
    ):
        self.rate_hz = rate_hz
        self.max_gap_s = max_gap_s
        self.hole_ratio = hole_ratio
        self.edge_s = edge_s
        self.relax_s = relax_s
        self._t0: float | None = None
        self._next_n = 0  # index of the next grid point to emit
        self._tail_t = np.empty(0)  # input samples still needed by future grid points
        self._tail_v: np.ndarray | None = None
        self._recent = np.empty(0)  # intervals before the tail's
        self._skipped = 0  # grid points skipped inside long silences so far
        self._skipped_at_last_kept = 0

    def push(self, t_s: np.ndarray, values: np.ndarray):
        """Resample one block.

        Returns ``(t_grid, values_grid, restart, rough)``: ``restart`` flags grid
        samples that follow a silence longer than ``max_gap_s``; ``rough`` (n, width)
        flags values bridged across a hole in shaking or swaying motion.
        """
        width = values.shape[1]
        if self._t0 is None and len(t_s):
            self._t0 = float(t_s[0])
            self._tail_v = np.empty((0, width))
        if len(t_s) == 0 or self._t0 is None:
            return _empty(width)
        xp = np.concatenate([self._tail_t, t_s])
        fp = np.vstack([self._tail_v, values])
        dx = np.diff(xp)
        hole = self._holes(dx)

        # Grid points wait at the first hole whose far edge has not fully arrived.
        pending = np.flatnonzero(hole & (xp[1:] + self.edge_s > xp[-1]))
        limit = xp[pending[0]] if len(pending) else xp[-1]
        self._keep_tail(xp, fp, dx, limit)

        n = np.arange(self._next_n, max(int(np.floor((limit - self._t0) * self.rate_hz)) + 1, 0))
        t_grid = self._t0 + n / self.rate_hz
        n, t_grid = n[t_grid <= limit], t_grid[t_grid <= limit]  # guard the float edge
        if len(n) == 0:
            return _empty(width)
        self._next_n = int(n[-1]) + 1
        if len(xp) == 1:
            return t_grid, np.repeat(fp, len(t_grid), axis=0), *_flags(len(t_grid), width)

        i = np.clip(np.searchsorted(xp, t_grid, side="right") - 1, 0, len(xp) - 2)
        inside_gap = (dx[i] > self.max_gap_s) & (t_grid > xp[i])
        restart = self._restarts(inside_gap)
        t_grid, i = t_grid[~inside_gap], i[~inside_gap]
        s = ((t_grid - xp[i]) / dx[i])[:, None]
        # Exact at both ends: a grid time on the newest sample may fall in its interval
        # (s = 1) in one push and start the next interval (s = 0) in another.
        out = (1.0 - s) * fp[i] + s * fp[i + 1]
        rough = np.zeros(out.shape, bool)
        for k in np.unique(i[hole[i]]):
            at = np.flatnonzero(i == k)
            out[at], rough[at] = self._bridge(t_grid[at], k, xp, fp)
        return t_grid, out, restart, rough

    def _bridge(self, t, k, xp, fp):
        """Values in hole ``k`` (between samples k and k+1), and which are rough guesses."""
        x0, x1 = xp[k], xp[k + 1]
        s = ((t - x0) / (x1 - x0))[:, None]
        v0, v1 = fp[k], fp[k + 1]
        if 2 <= k <= len(xp) - 4:

            def slope(a):
                return (fp[a + 1] - fp[a]) / (xp[a + 1] - xp[a])

            before, after = slope(k - 1), slope(k + 1)
            smooth = (np.abs(before - slope(k - 2)) <= 0.5 * np.abs(before)) & (
                np.abs(after - slope(k + 2)) <= 0.5 * np.abs(after)
            )
        else:
            before = after = np.zeros_like(v0)
            smooth = np.zeros(len(v0), bool)
        h = x1 - x0
        cubic = (
            (2 * s**3 - 3 * s**2 + 1) * v0
            + (s**3 - 2 * s**2 + s) * h * before
            + (-2 * s**3 + 3 * s**2) * v1
            + (s**3 - s**2) * h * after
        )
        near = ((xp >= x0 - self.edge_s) & (xp <= x0)) | ((xp >= x1) & (xp <= x1 + self.edge_s))
        mean = fp[near].mean(axis=0)
        relaxed = (
            mean
            + (v0 - mean) * np.exp(-(t - x0) / self.relax_s)[:, None]
            + (v1 - mean) * np.exp(-(x1 - t) / self.relax_s)[:, None]
        )
        values = np.where(smooth, cubic, relaxed)
        return values, np.broadcast_to(~smooth, values.shape) & (t > x0)[:, None]

    def _keep_tail(self, xp, fp, dx, limit) -> None:
        """Keep what future grid points can need: ``edge_s`` before ``limit`` and on."""
        first = int(np.searchsorted(xp, limit - self.edge_s, side="right")) - 3
        first = min(max(first, 0), max(len(xp) - 5, 0))
        self._recent = np.concatenate([self._recent, dx[:first]])[-self.RECENT :]
        self._tail_t, self._tail_v = xp[first:], fp[first:]

    def _holes(self, dx: np.ndarray) -> np.ndarray:
        """Intervals much longer than the usual one before them (but not silences)."""
        before = np.concatenate([np.full(self.RECENT, np.nan), self._recent, dx])
        windows = np.lib.stride_tricks.sliding_window_view(before, self.RECENT)
        windows = windows[len(self._recent) : len(self._recent) + len(dx)]
        known = ~np.isnan(windows).all(axis=1)
        hole = np.zeros(len(dx), dtype=bool)
        usual = np.nanmedian(windows[known], axis=1)
        hole[known] = (dx[known] > self.hole_ratio * usual) & (dx[known] <= self.max_gap_s)
        return hole

    def _restarts(self, inside_gap: np.ndarray) -> np.ndarray:
        """Flag the first kept point after skipped ones (possibly skipped in an earlier push)."""
        skipped_before = (np.cumsum(inside_gap) + self._skipped)[~inside_gap]
        previous = np.concatenate([[self._skipped_at_last_kept], skipped_before[:-1]])
        self._skipped += int(inside_gap.sum())
        if len(skipped_before):
            self._skipped_at_last_kept = int(skipped_before[-1])
        return skipped_before > previous


def _flags(n: int, width: int):
    return np.zeros(n, bool), np.zeros((n, width), bool)


def _empty(width: int):
    return np.empty(0), np.empty((0, width)), *_flags(0, width)
