"""Irregular samples onto a uniform grid, with lost packets bridged as well as they can be.

Between ordinary samples the grid is interpolated linearly. A *hole* is an
interval over ``hole_ratio`` times the median of the recent ones (lost packets):

- across a hole of at most ``cubic_max_s``, a vector that is predictable across
  it (quadratics fitted on each side describe their side and agree in its middle)
  is bridged by a cubic Hermite with the fitted slopes: a straight line through a
  quarter-second hole in a fast rep would lose degrees of rotation;
- a channel that shakes or sways is bridged by its edge values relaxing, within
  ``relax_s``, toward its mean over ``edge_s`` on either side: over a hole longer
  than the shake's period, a line between two random edge values integrates to a
  large false rotation, while the true one is small. These values come with a
  ``doubt``: how much the channel varies around the hole (0 for measured values).

Grid points in a hole wait until the samples its bridge looks at after it (1.5 times its
length, within 0.15 s and ``edge_s``) have arrived. A
silence longer than ``max_gap_s`` is not bridged at all: its grid points are
never made (a jump of a year in the times costs no more than one of a second) and
the first one after it is flagged, so later stages restart there.

Each grid value depends only on the samples around it, computed the same way in
any push, so the output is identical however the input was chunked.
"""

from __future__ import annotations

import numpy as np

from tracker.core.frames import row_min


class UniformResampler:
    RECENT = 8  # intervals whose median is "the usual interval"
    FIT = 6  # fewest samples on each side of a hole to judge whether it is predictable
    MIN_EDGE_S = 0.15  # shortest view either side of a hole

    def __init__(
        self,
        rate_hz: float,
        max_gap_s: float,
        hole_ratio: float = 2.5,
        edge_s: float = 0.5,
        relax_s: float = 0.1,
        cubic_max_s: float = 0.6,
        groups: tuple[tuple[int, ...], ...] | None = None,
    ):
        self.rate_hz = rate_hz
        self.max_gap_s = max_gap_s
        self.hole_ratio = hole_ratio
        self.edge_s = edge_s
        self.relax_s = relax_s
        self.cubic_max_s = cubic_max_s
        self.groups = groups  # channels forming one vector; None: each channel alone
        self._t0: float | None = None
        self._next_n = 0  # index of the next grid point to emit
        self._tail_t = np.empty(0)  # input samples still needed by future grid points
        self._tail_v: np.ndarray | None = None
        self._group_of = np.empty(0, int)  # each channel's group, set at the first push
        self._group_root = np.empty(0)  # the square root of the size of each channel's group
        self._recent = np.empty(0)  # intervals before the tail's
        self._restart_pending = False  # points were skipped since the last one made

    def push(self, t_s: np.ndarray, values: np.ndarray):
        """Resample one block.

        Returns ``(t_grid, values_grid, restart, doubt)``: ``restart`` flags grid
        samples that follow a silence longer than ``max_gap_s``; ``doubt`` (n, width)
        is, for values guessed across a hole in shaking or swaying motion, how much
        that channel varies around the hole (0 elsewhere).
        """
        width = values.shape[1]
        if self._t0 is None and len(t_s):
            self._t0 = float(t_s[0])
            self._tail_v = np.empty((0, width))
            self._group_of = _group_index(self.groups, width)
            self._group_root = np.sqrt(self._group_sum(np.ones(width)))
        if len(t_s) == 0 or self._t0 is None:
            return _empty(width)
        assert self._tail_v is not None  # set with _t0
        xp = np.concatenate([self._tail_t, t_s])
        fp = np.vstack([self._tail_v, values])
        dx = np.diff(xp)
        hole = self._holes(dx)
        edge = self._edge(dx)

        # Grid points wait at the first hole whose far side has not fully arrived (as
        # far as that hole looks: short holes, the common kind, hold the output least).
        pending = np.flatnonzero(hole & (xp[1:] + edge > xp[-1]))
        limit = xp[pending[0]] if len(pending) else xp[-1]
        self._keep_tail(xp, fp, dx, limit)

        start, stop = self._next_n, max(int(np.floor((limit - self._t0) * self.rate_hz)) + 1, 0)
        while stop > start and self._time(stop - 1) > limit:  # guard the float edge
            stop -= 1
        if stop <= start:
            return _empty(width)
        self._next_n = stop
        if len(xp) == 1:
            t_grid = self._time(np.arange(start, stop))
            return t_grid, np.repeat(fp, len(t_grid), axis=0), *_flags(len(t_grid), width)

        n, restart = self._outside_silences(start, stop, xp, dx)
        t_grid = self._time(n)
        i = np.clip(np.searchsorted(xp, t_grid, side="right") - 1, 0, len(xp) - 2)
        s = ((t_grid - xp[i]) / dx[i])[:, None]
        # Exact at both ends: a grid time on the newest sample may fall in its interval
        # (s = 1) in one push and start the next interval (s = 0) in another. (``take``:
        # the rows fp[i], several times faster than indexing with an array.)
        out = (1.0 - s) * fp.take(i, axis=0) + s * fp.take(i + 1, axis=0)
        doubt = np.zeros(out.shape)
        # A grid point on a hole's first sample is that sample, as it is when the push
        # ends there and the hole is not known yet; the points after it are bridged.
        for k in np.unique(i[hole[i] & (t_grid > xp[i])]):
            at = slice(np.searchsorted(t_grid, xp[k], "right"), np.searchsorted(i, k + 1))
            out[at], doubt[at] = self._bridge(t_grid[at], k, xp, fp, float(edge[k]))
        return t_grid, out, restart, doubt

    def held(self):
        """Grid points still held back at a hole, interpolated linearly: ``(t, values)``.

        For a live display only: the far side of the hole has started to arrive but
        the bridge still waits for more; the real values come in a later push.
        """
        width = 0 if self._tail_v is None else self._tail_v.shape[1]
        xp = self._tail_t
        if self._t0 is None or len(xp) < 2 or np.diff(xp).max() > self.max_gap_s:
            return np.empty(0), np.empty((0, width))
        assert self._tail_v is not None  # set with _t0
        last = int(np.floor((xp[-1] - self._t0) * self.rate_hz))
        t = self._t0 + np.arange(self._next_n, last + 1) / self.rate_hz
        t = t[(t >= xp[0]) & (t <= xp[-1])]
        return t, np.column_stack([np.interp(t, xp, v) for v in self._tail_v.T])

    def _bridge(self, t, k, xp, fp, edge):
        """Values at times ``t`` inside hole ``k`` (after sample k, before k+1), and the
        doubt about each channel there.

        ``edge``: how far to look either side of the hole (``_edge`` of its length).
        """
        x0, x1 = xp[k], xp[k + 1]
        s = ((t - x0) / (x1 - x0))[:, None]
        v0, v1 = fp[k], fp[k + 1]
        # The samples within ``edge`` before the hole and after it (xp is sorted).
        lo0, lo1 = np.searchsorted(xp, [x0 - edge, x1], "left")
        hi0, hi1 = np.searchsorted(xp, [x0, x1 + edge], "right")
        before, after = slice(lo0, hi0), slice(lo1, hi1)
        n_near = (hi0 - lo0) + (hi1 - lo1)
        # The slow course through the hole: a quadratic fitted to both sides together
        # (a swing's hump, over which a shake averages out); the edge values relax onto
        # it. How far the samples stray from it is the doubt about the guess. Whether the
        # hole is predictable needs a quadratic on each side too (see below).
        both = (np.concatenate([xp[before], xp[after]]) - x0, np.vstack([fp[before], fp[after]]))
        sided = min(hi0 - lo0, hi1 - lo1) >= self.FIT and x1 - x0 <= self.cubic_max_s
        sides = [(xp[before] - x0, fp[before]), (xp[after] - x1, fp[after])] if sided else []
        (course, (residual, total)), *fits = _quadratics([both, *sides])

        def trend(at):
            return course[0] + at[:, None] * course[1] + (at**2)[:, None] * course[2]

        relaxed = (
            trend(t - x0)
            + (v0 - trend(np.zeros(1))[0]) * np.exp(-(t - x0) / self.relax_s)[:, None]
            + (v1 - trend(np.array([x1 - x0]))[0]) * np.exp(-(x1 - t) / self.relax_s)[:, None]
        )
        smooth = np.zeros(len(v0), bool)
        values = relaxed
        # Judged per vector (each group of channels: x, y, z), with norms, so that
        # turning the sensor frame changes no decision.
        spread = self._group_sum(total / n_near) ** 0.5  # the variance's norm
        stray = self._group_sum(residual / n_near) ** 0.5
        if sided:
            # Predictable across the hole? Quadratics fitted on each side must agree
            # in the middle of it, relative to how much the signal varies there.
            middle = 0.5 * (x0 + x1)
            (left, left_fit), (right, right_fit) = fits
            from_left = left[0] + left[1] * (middle - x0) + left[2] * (middle - x0) ** 2
            from_right = right[0] + right[1] * (middle - x1) + right[2] * (middle - x1) ** 2
            mismatch = self._group_sum((from_left - from_right) ** 2) ** 0.5
            # ...and each quadratic must describe its side: a shake fits none.
            explained = [
                1.0 - self._group_sum(res) / (self._group_sum(tot) + 1e-30)
                for res, tot in (left_fit, right_fit)
            ]
            smooth = (mismatch <= 0.5 * spread) & (np.minimum(*explained) >= 0.8)
            h = x1 - x0
            s2, s3 = s**2, s**3
            cubic = (
                (2 * s3 - 3 * s2 + 1) * v0
                + (s3 - 2 * s2 + s) * h * left[1]
                + (-2 * s3 + 3 * s2) * v1
                + (s3 - s2) * h * right[1]
            )
            values = np.where(smooth, cubic, relaxed)
        # Each channel carries its vector's doubt shared out, so the vector's norm is it.
        return values, np.where(smooth, 0.0, stray / self._group_root)

    def _group_sum(self, values: np.ndarray) -> np.ndarray:
        """The sum over each group of channels, spread back to the group's channels."""
        return np.bincount(self._group_of, weights=values)[self._group_of]

    def _edge(self, hole_s):
        """How far to look either side of a hole: as far as it is long, within limits.

        A short hole in a fast movement needs a short view; a long one in slow sway, a
        long one.
        """
        return np.clip(1.5 * np.asarray(hole_s), self.MIN_EDGE_S, self.edge_s)

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
        # The median is at least the smallest interval: only an interval over the ratio
        # times that can be a hole, so the medians are taken for those alone. Only the
        # stream's first few intervals lack a full window before them.
        full = ~np.isnan(windows[:, 0])
        maybe = (dx <= self.max_gap_s) & ~(dx <= self.hole_ratio * row_min(windows))
        at = np.flatnonzero(maybe & full)
        usual = np.full(len(dx), np.inf)
        usual[at] = np.median(windows[at], axis=1)
        partial = np.flatnonzero(maybe & ~full & ~np.isnan(windows[:, -1]))
        usual[partial] = [np.nanmedian(w) for w in windows[partial]]
        return dx > self.hole_ratio * usual

    def _time(self, n):
        """Time of grid point(s) ``n``."""
        return self._t0 + n / self.rate_hz

    def _first_after(self, x: float, start: int, strictly: bool) -> int:
        """The first grid index from ``start`` whose time is after ``x`` (or at it, unless
        ``strictly``), by the same float arithmetic as the grid's times."""
        assert self._t0 is not None  # the grid starts at the first sample
        n = max(start, int(np.floor((x - self._t0) * self.rate_hz)))
        while n > start and (self._time(n - 1) > x if strictly else self._time(n - 1) >= x):
            n -= 1
        while not (self._time(n) > x if strictly else self._time(n) >= x):
            n += 1
        return n

    def _outside_silences(self, start: int, stop: int, xp, dx):
        """Grid indices from ``start`` to ``stop`` but those strictly inside a silence longer
        than ``max_gap_s``, which are never made (a jump of a day in the times costs nothing),
        and the flags of the first ones after skipped points (perhaps in an earlier push)."""
        pieces, after = [], []
        at = start
        for k in np.flatnonzero(dx > self.max_gap_s):
            skip_from = min(self._first_after(xp[k], at, strictly=True), stop)
            skip_to = min(self._first_after(xp[k + 1], skip_from, strictly=False), stop)
            pieces.append(np.arange(at, skip_from))
            if skip_to > skip_from:
                after.append(skip_to)
            at = skip_to
        pieces.append(np.arange(at, stop))
        n = np.concatenate(pieces)
        restart = np.zeros(len(n), bool)
        first = np.searchsorted(n, after)  # the first kept point after each skipped run
        restart[first[first < len(n)]] = True
        if self._restart_pending and len(n):
            restart[0] = True
        if after:
            self._restart_pending = first[-1] >= len(n)
        elif len(n):
            self._restart_pending = False
        return n, restart


def _quadratics(pairs: list[tuple[np.ndarray, np.ndarray]]):
    """Least-squares c0 + c1 x + c2 x² per column of ``y``, for each pair ``(x, y)``.

    Returns per pair the coefficients (rows c0, c1, c2) and, per column, the residual
    and the total sums of squares (about the mean) from which the fit's R² follows. The
    3 x 3 normal equations of all pairs are solved in one call (a bridge fits up to three):
    LAPACK solves each as it would alone.
    """
    designs = [_powers(x) for x, _ in pairs]
    normal = np.stack([d.T @ d for d in designs])
    moments = np.stack([d.T @ y for d, (_, y) in zip(designs, pairs, strict=True)])
    out = []
    for d, (_, y), coef in zip(designs, pairs, np.linalg.solve(normal, moments), strict=True):
        # np.sum and np.mean's own reductions, without their wrappers.
        residual = np.add.reduce((y - d @ coef) ** 2, axis=0)
        total = np.add.reduce((y - np.add.reduce(y, axis=0) / len(y)) ** 2, axis=0)
        out.append((coef, (residual, total)))
    return out


def _powers(x: np.ndarray) -> np.ndarray:
    """The columns 1, x, x²."""
    design = np.empty((len(x), 3))
    design[:, 0] = 1.0
    design[:, 1] = x
    design[:, 2] = x**2
    return design


def _group_index(groups, width: int) -> np.ndarray:
    """Each channel's group number; a channel in no group is a group of its own."""
    index = np.arange(width)
    for number, group in enumerate(groups or ()):
        index[list(group)] = width + number
    return np.unique(index, return_inverse=True)[1]


def _flags(n: int, width: int):
    return np.zeros(n, bool), np.zeros((n, width))


def _empty(width: int):
    return np.empty(0), np.empty((0, width)), *_flags(0, width)
