"""From movement segments to a session: fine-grid motion, sampling, sensor model, truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from tracker import __version__
from tracker.core.types import ImuBlock
from tracker.sim.kinematics import (
    FINE_DT_S,
    FineSignals,
    Motion,
    Mounting,
    fine_signals,
    leg_chain,
)
from tracker.sim.segment import Event, Segment
from tracker.sim.sensor import SensorModel
from tracker.sim.shapes import band_noise
from tracker.sim.strap import TissueMotion
from tracker.sim.truth import Truth, build_truth

POSTURAL_SWAY_BAND_HZ = (0.1, 1.0)


def assemble(
    segments: list[Segment],
    rng: np.random.Generator,
    sway_rms_deg: float = 0.15,
    sway_band_hz: tuple[float, float] = POSTURAL_SWAY_BAND_HZ,
) -> tuple[Motion, list[Event]]:
    """Join segments into one motion on the fine grid (true time) and collect their events.

    Adds the quiet postural sway (smooth noise in ``sway_band_hz``, by default 0.1-1 Hz,
    of ``sway_rms_deg`` RMS in 2-D, the whole leg leaning at the ankle, scaled by each
    segment's ``sway_gain``), turns foot-fixed segments into hip paths with the leg chain,
    and places every segment where the previous one ended (walking moves and turns the
    standing spot).

    Parameters
    ----------
    segments : list of Segment
        In order; each starts where the previous one ends.
    rng : numpy.random.Generator
        Draws the postural sway.
    sway_rms_deg : float
        Postural sway while standing.
    sway_band_hz : (float, float)
        Its frequency band.

    Returns
    -------
    motion : Motion
    events : list of Event
        In session (true) time.
    """
    n = sum(seg.n for seg in segments)
    gain = np.concatenate([seg.sway_gain for seg in segments])
    sway = np.column_stack([band_noise(n, FINE_DT_S, rng, sway_band_hz) for _ in range(2)]) * (
        sway_rms_deg / np.sqrt(2.0) * gain[:, None]
    )

    parts = {k: [] for k in ("flex", "frontal", "rot", "heading", "hip")}
    events: list[Event] = []
    origin, heading0, offset = np.zeros(3), 0.0, 0
    for seg in segments:
        sl = slice(offset, offset + seg.n)
        flex = seg.flex_deg + sway[sl, 0]
        frontal = seg.frontal_deg + sway[sl, 1]
        if seg.hip_m is None:
            shank_flex = seg.shank_flex_deg - sway[sl, 0]
            shank_frontal = seg.shank_frontal_deg + sway[sl, 1]
            local = leg_chain(flex, frontal, shank_flex, shank_frontal)
        else:
            # The body sways on its feet as in foot-fixed segments (continuous at the joins).
            zero = np.zeros(seg.n)
            lean = leg_chain(sway[sl, 0], sway[sl, 1], -sway[sl, 0], sway[sl, 1])
            lean -= leg_chain(zero, zero, zero, zero)
            if seg.heading_rad is not None:  # the sway's directions turn with the body
                lean = Rotation.from_rotvec(np.outer(seg.heading_rad, [0, 0, 1])).apply(lean)
            local = seg.hip_m + lean
        turn = Rotation.from_rotvec([0.0, 0.0, heading0])
        parts["hip"].append(origin + turn.apply(local))
        heading = seg.heading_rad if seg.heading_rad is not None else np.zeros(seg.n)
        parts["heading"].append(heading0 + heading)
        parts["flex"].append(flex)
        parts["frontal"].append(frontal)
        parts["rot"].append(seg.rot_deg)
        events += [ev.shifted(offset * FINE_DT_S) for ev in seg.events]
        origin = origin + turn.apply([*seg.advance_m, 0.0])
        heading0 += seg.turn_rad
        offset += seg.n
    motion = Motion(
        t_s=np.arange(n) * FINE_DT_S,
        flex_deg=np.concatenate(parts["flex"]),
        frontal_deg=np.concatenate(parts["frontal"]),
        rot_deg=np.concatenate(parts["rot"]),
        heading_rad=np.concatenate(parts["heading"]),
        hip_m=np.concatenate(parts["hip"]),
    )
    return motion, events


MotionBuilder = Callable[[], tuple[Motion, list[Event], float]]
"""Builds the same motion, events and postural sway (deg RMS) every time it is called."""
TissueBuilder = Callable[[Motion], TissueMotion]
"""Builds the same motion of the sensor on the soft tissue for a motion, every time."""


@dataclass(eq=False)
class SimSession:
    """A simulated session: the recorded samples, the truth and the true motion behind them.

    ``block`` is what a sensor would have delivered (lost packets removed, recorded
    times); ``true_t_s``, ``ideal_acc``, ``ideal_gyr`` are the true instants and ideal
    readings of the delivered samples. True time maps to recording time by
    ``clock_scale`` (device clock drift). The fine-grid ``motion`` and ``fine`` signals
    are rebuilt (deterministically) on first use, so a list of sessions stays small.
    """

    kind: str
    seed: int
    block: ImuBlock
    truth: Truth
    mounting: Mounting = field(repr=False)
    sensor: SensorModel = field(repr=False)
    inclination_fine_deg: np.ndarray = field(repr=False)
    true_t_s: np.ndarray = field(repr=False)
    ideal_acc: np.ndarray = field(repr=False)
    ideal_gyr: np.ndarray = field(repr=False)
    kept: np.ndarray = field(repr=False)
    options: dict = field(default_factory=dict)
    build_motion: MotionBuilder | None = field(default=None, repr=False)
    build_tissue: TissueBuilder | None = field(default=None, repr=False)

    @cached_property
    def motion(self) -> Motion:
        """The body's motion on the 1 kHz grid (true time)."""
        return self.build_motion()[0]

    @cached_property
    def tissue(self) -> TissueMotion | None:
        """The sensor's motion on the soft tissue (None when strapped rigidly)."""
        return self.build_tissue(self.motion) if self.build_tissue else None

    @cached_property
    def fine(self) -> FineSignals:
        """The sensor's true state and ideal output on the 1 kHz grid (true time)."""
        return fine_signals(self.motion, self.mounting, self.tissue)

    @property
    def clock_scale(self) -> float:
        return self.sensor.clock_scale

    @property
    def duration_s(self) -> float:
        """Length on the recording's time base."""
        return float((len(self.inclination_fine_deg) - 1) * FINE_DT_S * self.clock_scale)

    def true_time(self, t_s) -> np.ndarray:
        """True time of recording times ``t_s``."""
        return np.asarray(t_s, dtype=np.float64) / self.clock_scale

    def true_inclination(self, t_s) -> np.ndarray:
        """True thigh inclination (degrees) at recording times ``t_s``."""
        k = np.arange(len(self.inclination_fine_deg))
        return np.interp(self.true_time(t_s) / FINE_DT_S, k, self.inclination_fine_deg)

    def write(self, path) -> list[Path]:
        """Write the recording (``.csv`` interchange or ``.trk``) and ``<path>.truth.json``.

        Returns the paths written.
        """
        from tracker.sim.files import write_session

        return write_session(self, Path(path))


def run(
    kind: str,
    seed: int,
    build_motion: MotionBuilder,
    mounting: Mounting,
    sensor: SensorModel,
    noise_rng: np.random.Generator,
    meta: dict,
    build_tissue: TissueBuilder | None = None,
) -> SimSession:
    """Simulate the motion of ``build_motion`` seen by a sensor ``mounting`` with ``sensor``.

    ``noise_rng`` draws the sensor's noise and lost packets; ``build_tissue``, when given,
    moves the sensor on the soft tissue.
    """
    motion, events, sway_rms_deg = build_motion()
    tissue = build_tissue(motion) if build_tissue else None
    fine = fine_signals(motion, mounting, tissue)
    tau = sensor.true_sample_times(float(motion.t_s[-1]))
    fine_acc = sensor.band_limit(fine.acc, FINE_DT_S)
    fine_gyr = sensor.band_limit(fine.gyr, FINE_DT_S)
    acc = np.column_stack([np.interp(tau, fine.t_s, fine_acc[:, i]) for i in range(3)])
    gyr = np.column_stack([np.interp(tau, fine.t_s, fine_gyr[:, i]) for i in range(3)])
    t_rec, acc_out, gyr_out, kept = sensor.apply(noise_rng, acc, gyr)
    block = ImuBlock.from_arrays(t_rec, acc_out, gyr_out)
    lost_runs = int(np.count_nonzero(np.diff(kept.astype(np.int8)) == -1))
    meta = {
        "kind": kind,
        "seed": seed,
        **meta,
        "tracker_version": __version__,
        "duration_s": round(float(motion.t_s[-1] * sensor.clock_scale), 6),
        "sample_rate_hz": sensor.rate_hz,
        "samples": len(block),
        "lost_samples": int(len(kept) - kept.sum()),
        "gaps": lost_runs,
        "sensor_leg": mounting.leg,
        "mounting": mounting.to_json(),
        "sensor": sensor.to_json(),
        "clock_scale": sensor.clock_scale,
        "postural_sway_rms_deg": sway_rms_deg,
    }
    if tissue is not None:
        meta["strap"] = tissue.to_json()
    truth = build_truth(events, fine, sensor.clock_scale, meta)
    return SimSession(
        kind=kind,
        seed=seed,
        block=block,
        truth=truth,
        mounting=mounting,
        sensor=sensor,
        inclination_fine_deg=fine.inclination_deg,
        true_t_s=tau[kept],
        ideal_acc=acc[kept],
        ideal_gyr=gyr[kept],
        kept=kept,
        options=meta.get("options", {}),
        build_motion=build_motion,
        build_tissue=build_tissue,
    )
