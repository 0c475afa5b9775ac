"""Single-leg balance bouts: found from the thigh's sway, measured over the settled stance.

Standing on one leg makes the thigh sway several times more than standing on two.
A bout opens when the sway (the RMS distance of the tilt from its mean over the
last ``level_window_s``) stays above ``on_deg`` with the thigh near upright, and closes when it drops or the
thigh leaves upright. Its edges are then moved in to the settled stance: the weight
shift onto the leg and off it carry the thigh's mean position a few degrees, so the
stance is where the slow position stays close to its median.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from tracker.dsp.filters import RunLength, WindowDispersion
from tracker.dsp.history import History
from tracker.dsp.sway import sway_measures
from tracker.frames import perpendicular_basis, unit
from tracker.types import BalanceBout, BalanceLive


@dataclass(frozen=True)
class BalanceConfig:
    on_deg: float = 0.3  # sway level that opens a bout (two-legged standing stays below)
    off_deg: float = 0.2  # and that closes it, after `close_s`
    level_window_s: float = 2.0  # sway level: dispersion over this window (clears after moves)
    open_s: float = 1.0  # sway this long before a bout is shown as started
    close_s: float = 0.75  # quiet this long ends it
    upright_deg: float = 10.0  # thigh inclination beyond this is not standing
    min_bout_s: float = 5.0  # shorter bouts are weight shifts, not balance
    trial_min_bout_s: float = 2.0  # when the recording is known to be a balance trial
    settle_lowpass_hz: float = 0.3  # the slow position that shows the weight shifts
    settle_margin_deg: float = 0.6  # stance: slow position within this of its median
    measure_lowpass_hz: float = 10.0  # as the reference sway pipeline filters


class BoutDetector:
    """Finds balance bouts in the uniform stream held in ``history``."""

    def __init__(
        self,
        history: History,
        rate_hz: float,
        up_axis: np.ndarray,
        config: BalanceConfig | None = None,
        *,
        whole_trial: bool = False,
        start: int = 0,
    ):
        self.config = cfg = config or BalanceConfig()
        self.history = history
        self.rate_hz = rate_hz
        self.up_axis = up_axis
        self.min_bout_s = cfg.trial_min_bout_s if whole_trial else cfg.min_bout_s
        self._basis = np.vstack(perpendicular_basis(up_axis))
        self._level = WindowDispersion(self._n(cfg.level_window_s))
        self._settle_sos = butter(2, cfg.settle_lowpass_hz, fs=rate_hz, output="sos")
        self._measure_sos = butter(4, cfg.measure_lowpass_hz, fs=rate_hz, output="sos")
        self._next = start
        self._loud_runs = RunLength()
        self._quiet_runs = RunLength()
        self._open: int | None = None  # the open bout's first loud sample
        self.live: BalanceLive | None = None

    def _n(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))

    def update(self) -> list[BalanceBout]:
        h = self.history
        first = max(self._next, h.start)
        if first >= h.end:
            return []
        up = h.window("up", first, h.end)
        incl = h.window("incl", first, h.end)
        self._next = h.end
        level = self._level(np.degrees(up @ self._basis.T))  # small-angle tilt, two axes
        upright = incl < self.config.upright_deg
        bouts = self._advance(first, level, upright)
        self._update_live()
        return bouts

    def finish(self) -> list[BalanceBout]:
        bouts = []
        if self._open is not None:
            bout = self._close(self.history.end - 1)
            bouts = [bout] if bout else []
        self.live = None
        return bouts

    # -- opening and closing ---------------------------------------------------

    def _advance(self, first: int, level: np.ndarray, upright: np.ndarray) -> list[BalanceBout]:
        """Open on a loud run of ``open_s``; close on a quiet run of ``close_s`` or off upright."""
        cfg = self.config
        loud_runs = self._loud_runs((level >= cfg.on_deg) & upright)
        quiet_runs = self._quiet_runs(~((level >= cfg.off_deg) & upright))
        bouts = []
        i = 0
        while i < len(level):
            if self._open is None:
                hits = np.flatnonzero(loud_runs[i:] >= self._n(cfg.open_s))
                if not len(hits):
                    break
                k = i + int(hits[0])
                self._open = first + k - int(loud_runs[k]) + 1
            else:
                hits = np.flatnonzero((quiet_runs[i:] >= self._n(cfg.close_s)) | ~upright[i:])
                if not len(hits):
                    break
                k = i + int(hits[0])
                end = first + k - int(quiet_runs[k]) if upright[k] else first + k - 1
                bout = self._close(max(end, self._open))
                bouts += [bout] if bout else []
            i = k + 1
        return bouts

    def _close(self, end: int) -> BalanceBout | None:
        opened = self._open
        self._open = None
        return self._measure(opened, end)

    def _update_live(self) -> None:
        if self._open is None:
            self.live = None
            return
        h = self.history
        t0 = float(h.at("t", self._open))
        traj = self._trajectory(h.window("up", self._open, h.end))
        rms = float(np.sqrt(np.mean(np.sum(traj**2, axis=1)))) if len(traj) else 0.0
        self.live = BalanceLive(
            start_s=t0, elapsed_s=float(h.at("t", h.end - 1)) - t0, sway_rms_deg=rms
        )

    # -- measuring -------------------------------------------------------------------

    def _trajectory(self, up: np.ndarray) -> np.ndarray:
        """Tilt (deg) about the mean direction: azimuthal-equidistant, so radii are true angles."""
        centre = unit(up.mean(axis=0))
        e1, e2 = perpendicular_basis(centre)
        angle = np.arccos(np.clip(up @ centre, -1.0, 1.0))
        planar = np.column_stack([up @ e1, up @ e2])
        return np.degrees(unit(planar) * angle[:, None])

    def _measure(self, opened: int, end: int) -> BalanceBout | None:
        cfg = self.config
        h = self.history
        if (end - opened) / self.rate_hz < self.min_bout_s:
            return None  # settling only shortens it
        pad = self._n(2.0)
        lo, hi = max(h.start, opened - pad), min(h.end, end + 1)
        up = h.window("up", lo, hi)
        if len(up) < 16:
            return None
        first, last = self._settled(up, opened - lo, end - lo)
        if (last - first) / self.rate_hz < self.min_bout_s:
            return None
        stance = up[first : last + 1]
        traj = self._trajectory(stance)
        if len(traj) > 27:  # sosfiltfilt's padding needs a few dozen samples
            traj = sosfiltfilt(self._measure_sos, traj, axis=0)
        m = sway_measures(traj, self.rate_hz)
        t_first, t_last = float(h.at("t", lo + first)), float(h.at("t", lo + last))
        return BalanceBout(
            start_s=t_first,
            end_s=t_last,
            duration_s=t_last - t_first,
            sway_rms_deg=m.rms_deg,
            sway_path_deg=m.path_deg,
            sway_velocity_deg_s=m.mean_velocity_deg_s,
            ellipse95_deg2=m.ellipse95_deg2,
            mean_freq_hz=m.mean_freq_hz,
            jerk_deg_s3=m.jerk_deg_s3,
        )

    def _settled(self, up: np.ndarray, opened: int, end: int) -> tuple[int, int]:
        """First and last sample of the settled stance within ``up``."""
        cfg = self.config
        tilt = np.degrees(up @ self._basis.T)
        slow = sosfiltfilt(self._settle_sos, tilt, axis=0)
        core = slice(opened, end + 1)
        distance = np.linalg.norm(slow - np.median(slow[core], axis=0), axis=1)
        inside = np.flatnonzero(distance[: end + 1] <= cfg.settle_margin_deg)
        if len(inside) == 0:
            return opened, end
        return int(inside[0]), int(inside[-1])
