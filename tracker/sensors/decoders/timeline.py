"""Sample times from device clocks, sample counters or the nominal rate; strictly increasing.

Times are on the host's clock: the first packet's last sample is placed at its
receive time, and from then on the device decides. With a device clock (or a
sample counter times the nominal period) a sample's time is the anchor plus the
device's elapsed time, whatever the callback timing was; a forward jump larger
than the packet's span is a gap whose lost samples are counted; a clock that
goes back, or jumps by more than ``resync_s`` where the host saw a different
interval, was reset: the stream is re-anchored at that packet's arrival.
Without device time, samples sit on the nominal-rate grid anchored at the first
arrival; when a packet arrives more than ``gap_s`` after its grid time, the
missing samples are counted and the grid moves on by that many periods.
Wraparound of narrow clocks and counters is undone; times never go backwards
(a sample that would is nudged 1 µs after its predecessor, and a note says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tracker.sensors.profiles import Timing

_NUDGE_S = 1e-6


@dataclass
class Placed:
    """Times of a stream's samples: host-clock ``t_s``, device ``device_t_s`` (NaN if none)."""

    t_s: np.ndarray
    device_t_s: np.ndarray
    lost: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Stream:
    u: int | None = None  # unwrapped ticks of the last stamp
    raw: int = 0  # last raw stamp
    count: int = 0  # samples in the last packet
    rx: float = 0.0  # receive time of the last packet
    stamp_t: float = 0.0  # host time of the last stamped sample
    anchor_u: int = 0  # device ticks <-> host seconds for this stream
    anchor_t: float = 0.0
    next_k: int | None = None  # nominal grid index of the next sample
    last_t: float = -math.inf


class Timeline:
    """Places each stream's samples in time (see the module docstring)."""

    def __init__(self, timing: Timing, rate_hz: float, resync_s: float = 2.0):
        self.timing, self.period_s, self.resync_s = timing, 1.0 / rate_hz, resync_s
        self.unit_s = timing.unit_s if timing.source == "clock" else self.period_s
        self.stamp = timing.stamp if timing.source == "clock" else "first"
        self.reset()

    def reset(self) -> None:
        self._streams: dict[str, _Stream] = {}
        self._anchor: tuple[int, int, float] | None = None  # raw, unwrapped, host time
        self._grid_t0: float | None = None

    def place(self, stream: str, t_rx: np.ndarray, counts: np.ndarray, stamps) -> Placed:
        """Times of the samples of consecutive packets of one stream."""
        st = self._streams.setdefault(stream, _Stream())
        if self.timing.source == "none" or stamps is None:
            placed = self._nominal(st, t_rx, counts)
        else:
            placed = self._device(st, t_rx, counts, np.asarray(stamps, dtype=np.int64))
        placed.t_s = self._strict(st, placed)
        return placed

    # ----------------------------------------------------------- no device time
    def _nominal(self, st: _Stream, t_rx, counts) -> Placed:
        period = self.period_s
        if self._grid_t0 is None:
            self._grid_t0 = float(t_rx[0]) - (counts[0] - 1) * period
        if st.next_k is None:  # a stream joining the grid another stream started
            st.next_k = round((t_rx[0] - self._grid_t0) / period) - int(counts[0] - 1)
        first = st.next_k + np.concatenate(([0], np.cumsum(counts[:-1])))
        last = first + counts - 1
        lost, start = 0, 0
        while start < len(counts):
            late = t_rx[start:] - (self._grid_t0 + last[start:] * period)
            hits = np.flatnonzero(late > self.timing.gap_s)
            if not len(hits):
                break
            j = start + int(hits[0])
            m = round(float(late[hits[0]]) / period)
            first[j:] += m
            last[j:] += m
            lost += m
            start = j + 1
        st.next_k = int(last[-1]) + 1
        k = np.repeat(first, counts) + _within(counts)
        t = self._grid_t0 + k * period
        notes = [f"{lost} samples missing by arrival times (no device clock)"] if lost else []
        return Placed(t, np.full(len(t), np.nan), lost, notes)

    # ---------------------------------------------------- device clock / counter
    def _device(self, st: _Stream, t_rx, counts, raw) -> Placed:
        out: list[Placed] = []
        j = 0
        while j < len(raw):
            if st.u is None:
                self._start(st, float(t_rx[j]), int(counts[j]), int(raw[j]))
                out.append(
                    self._packets(
                        st,
                        t_rx[j : j + 1],
                        counts[j : j + 1],
                        raw[j : j + 1],
                        np.zeros(1, dtype=np.int64),
                        fresh=True,
                    )
                )
                j += 1
                continue
            seg_raw, seg_rx, seg_n = raw[j:], t_rx[j:], counts[j:]
            d = self._increments(st.raw, seg_raw)
            dt_dev = d * self.unit_s
            dt_rx = seg_rx - np.concatenate(([st.rx], seg_rx[:-1]))
            jump = (dt_dev > self.resync_s) & (np.abs(dt_dev - dt_rx) > self.resync_s)
            bad = np.flatnonzero((d <= 0) | jump)
            k = int(bad[0]) if len(bad) else len(d)
            if k:
                out.append(self._packets(st, seg_rx[:k], seg_n[:k], seg_raw[:k], d[:k], False))
            if k < len(d):
                out.append(
                    self._reanchor(st, float(seg_rx[k]), int(seg_n[k]), int(seg_raw[k]), int(d[k]))
                )
            j += k + 1
        return Placed(
            np.concatenate([p.t_s for p in out]),
            np.concatenate([p.device_t_s for p in out]),
            sum(p.lost for p in out),
            [n for p in out for n in p.notes],
        )

    def _increments(self, prev_raw: int, raw: np.ndarray) -> np.ndarray:
        """Signed tick increments between consecutive stamps, wraparound undone."""
        d = np.diff(np.concatenate(([prev_raw], raw)))
        bits = self.timing.bits
        if bits < 64:
            mod = 1 << bits
            d %= mod
            d[d >= mod // 2] -= mod
        return d

    def _host_of_stamp(self, t_rx: float, n: int) -> float:
        """Host time of the stamped sample when the packet's last sample is at ``t_rx``."""
        return t_rx - (n - 1) * self.period_s if self.stamp == "first" else t_rx

    def _start(self, st: _Stream, t_rx: float, n: int, raw: int) -> None:
        if self._anchor is None:
            self._anchor = (raw, raw, self._host_of_stamp(t_rx, n))
        a_raw, a_u, a_t = self._anchor
        st.anchor_u, st.anchor_t = a_u, a_t
        st.u = a_u + int(self._increments(a_raw, np.array([raw]))[0])
        st.raw, st.rx, st.count = raw, t_rx, 0

    def _reanchor(self, st: _Stream, t_rx: float, n: int, raw: int, d: int) -> Placed:
        host = self._host_of_stamp(t_rx, n)
        first = host - (n - 1) * self.period_s if self.stamp == "last" else host
        host += max(0.0, st.last_t + self.period_s - first)
        st.anchor_u, st.anchor_t = st.u + d, host
        placed = self._packets(
            st, np.array([t_rx]), np.array([n]), np.array([raw]), np.array([d]), fresh=True
        )
        placed.notes.append(f"device time jumped by {d * self.unit_s:+.3f} s: re-anchored")
        return placed

    def _packets(self, st: _Stream, t_rx, counts, raw, d, fresh: bool) -> Placed:
        """Normal packets (no reset): device time decides; gaps are counted."""
        period = self.period_s
        u = st.u + np.cumsum(d)
        s = st.anchor_t + (u - st.anchor_u) * self.unit_s
        prev_n = np.concatenate(([st.count], counts[:-1]))
        expected = counts if self.stamp == "last" else prev_n if self.stamp == "first" else 1
        excess = d * self.unit_s - expected * period
        if fresh:
            excess[0] = 0.0
        lost = int(np.sum(np.where(excess > 0.5 * period, np.rint(excess / period), 0)))
        spacing = np.full(len(counts), period)
        if self.stamp == "last":
            prev_s = np.concatenate(([st.stamp_t], s[:-1]))
            steady = np.abs(excess) <= 0.5 * period
            if fresh:
                steady[0] = False
            spacing = np.where(steady, (s - prev_s) / counts, period)
        i = _within(counts)
        off = (i - np.repeat(counts - 1, counts) if self.stamp == "last" else i) * np.repeat(
            spacing, counts
        )
        t = np.repeat(s, counts) + off
        dev = np.repeat(u * self.unit_s, counts) + off
        st.u, st.raw, st.rx = int(u[-1]), int(raw[-1]), float(t_rx[-1])
        st.count, st.stamp_t = int(counts[-1]), float(s[-1])
        notes = [f"{lost} samples lost (device time)"] if lost else []
        return Placed(t, dev, lost, notes)

    def _strict(self, st: _Stream, placed: Placed) -> np.ndarray:
        t = placed.t_s
        if not len(t):
            return t
        if not (t[0] > st.last_t and np.all(np.diff(t) > 0)):
            idx = np.arange(len(t) + 1) * _NUDGE_S
            w = np.maximum.accumulate(np.concatenate(([st.last_t], t)) - idx)
            fixed = (w + idx)[1:]
            placed.notes.append(f"{int(np.sum(fixed != t))} sample times nudged to keep order")
            t = fixed
        st.last_t = float(t[-1])
        return t


def _within(counts: np.ndarray) -> np.ndarray:
    """Index of each sample within its packet."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


class Pairer:
    """Joins separate acc and gyr streams: samples whose times agree within half a period.

    A sample whose partner can no longer arrive (the other stream is already past
    it) is dropped and counted; so is a backlog older than ``hold_s`` while the
    other stream is silent.
    """

    def __init__(self, period_s: float, hold_s: float = 2.0):
        self.tol_s, self.hold_s = 0.4999 * period_s, hold_s
        self.reset()

    def reset(self) -> None:
        self.buf = {k: (np.empty(0), np.empty((0, 3)), np.empty(0)) for k in ("acc", "gyr")}

    def push(self, stream: str, t_s, xyz, device_t_s) -> None:
        t, v, d = self.buf[stream]
        self.buf[stream] = (
            np.concatenate([t, t_s]),
            np.concatenate([v, xyz]),
            np.concatenate([d, device_t_s]),
        )

    def pop(self):
        """(t_s, acc, gyr, device_t_s, dropped) of the pairs complete so far."""
        (ta, va, da), (tg, vg, dg) = self.buf["acc"], self.buf["gyr"]
        if not len(ta) or not len(tg):
            dropped = self._expire()
            return np.empty(0), np.empty((0, 3)), np.empty((0, 3)), np.empty(0), dropped
        j = np.searchsorted(tg, ta)
        left, right = np.clip(j - 1, 0, len(tg) - 1), np.clip(j, 0, len(tg) - 1)
        best = np.where(np.abs(tg[right] - ta) < np.abs(tg[left] - ta), right, left)
        ai = np.flatnonzero(np.abs(tg[best] - ta) < self.tol_s)
        gi = best[ai]
        keep = np.diff(gi, prepend=-1) > 0  # one acc sample per gyr sample
        ai, gi = ai[keep], gi[keep]
        # what stays: after the last pair, and still able to meet a partner
        last_a = ai[-1] if len(ai) else -1
        last_g = gi[-1] if len(gi) else -1
        rest_a = (np.arange(len(ta)) > last_a) & (ta > tg[-1] - self.tol_s)
        rest_g = (np.arange(len(tg)) > last_g) & (tg > ta[-1] - self.tol_s)
        dropped = (len(ta) - len(ai) - int(rest_a.sum())) + (len(tg) - len(gi) - int(rest_g.sum()))
        self.buf["acc"] = (ta[rest_a], va[rest_a], da[rest_a])
        self.buf["gyr"] = (tg[rest_g], vg[rest_g], dg[rest_g])
        return ta[ai], va[ai], vg[gi], da[ai], dropped

    def _expire(self) -> int:
        dropped = 0
        for k, (t, v, d) in self.buf.items():
            keep = t >= (t[-1] - self.hold_s) if len(t) else np.zeros(0, bool)
            dropped += int(len(t) - keep.sum())
            self.buf[k] = (t[keep], v[keep], d[keep])
        return dropped
