"""The coach's judgements: each rep against the step's targets, and each finished set summarised."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tracker.core.types import Rep
from tracker.workout.programs import Step

# A descent under 75 % of the prescribed time gets the tempo cue. The measured descent
# runs from leaving the level to the deepest point: a smooth start and arrival hide the
# first and last few percent of a slow movement (a steady 3 s descent measures 2.5-3 s).
TEMPO_TOLERANCE = 0.75
TREND_DEG = 0.2  # wobble changing less than this over a set is steady


@dataclass(frozen=True)
class RepVerdict:
    """One counted rep and how it compares with the step's targets.

    ``depth`` is ``ok``, ``shallow``, ``deep`` or empty (no depth band).
    """

    rep: Rep
    number: int  # in its set, from 1
    step_index: int
    set_number: int  # in its step, from 1
    side: str | None = None  # leg
    depth: str = ""
    tempo_fast: bool = False
    wobble_high: bool = False
    extra: bool = False  # beyond the set's target
    descent_target_s: float | None = None
    depth_range_deg: tuple[float, float] | None = None
    depth_target_deg: float | None = None

    @property
    def in_target(self) -> bool:
        return self.depth in ("", "ok") and not self.tempo_fast and not self.wobble_high

    @property
    def cue_text(self) -> str:
        """The cues for this rep, most important first ("slower: 3 s down")."""
        cues = []
        if self.tempo_fast:
            cues.append(f"slower: {self.descent_target_s:g} s down")
        if self.depth == "shallow":
            toward = self.depth_target_deg or self.depth_range_deg[0]
            cues.append(f"a little deeper: toward {toward:g}°")
        elif self.depth == "deep":
            cues.append(f"not so deep: {self.depth_range_deg[1]:g}° at most")
        if self.wobble_high:
            cues.append("steadier: less wobble")
        return " · ".join(cues)

    def to_json(self) -> dict:
        return {
            **self.rep.to_json(),
            "number": self.number,
            "side": self.side,
            "depth_verdict": self.depth,
            "tempo_fast": self.tempo_fast,
            "wobble_high": self.wobble_high,
            "extra": self.extra,
        }


def judge_rep(rep: Rep, step: Step, number: int, step_index: int, set_index: int) -> RepVerdict:
    """Compare ``rep`` with ``step``'s depth band, prescribed descent and wobble limit."""
    depth = ""
    if step.depth_range_deg is not None:
        lo, hi = step.depth_range_deg
        depth = "shallow" if rep.depth_deg < lo else "deep" if rep.depth_deg > hi else "ok"
    fast = step.descent_s is not None and rep.descent_s < TEMPO_TOLERANCE * step.descent_s
    wobble = step.wobble_max_deg is not None and rep.wobble_deg > step.wobble_max_deg
    return RepVerdict(
        rep=rep,
        number=number,
        step_index=step_index,
        set_number=set_index + 1,
        depth=depth,
        tempo_fast=bool(fast),
        wobble_high=bool(wobble),
        descent_target_s=step.descent_s,
        depth_range_deg=step.depth_range_deg,
        depth_target_deg=step.depth_deg,
    )


@dataclass(frozen=True)
class SetSummary:
    """A finished set: counts, depth, tempo extremes, wobble trend; or a hold or balance result.

    ``ended`` is ``done`` (target reached), ``early`` (stopped before it) or ``skipped``.
    """

    step_index: int
    step_name: str
    kind: str
    set_number: int
    sets: int
    side: str | None
    reps: int
    target: int
    ended: str
    start_s: float
    end_s: float
    rows: tuple[RepVerdict, ...] = ()
    extra_reps: int = 0
    mean_depth_deg: float | None = None
    slowest: tuple[int, float] | None = None  # (rep number, duration s)
    fastest: tuple[int, float] | None = None
    wobble_first_deg: float | None = None
    wobble_last_deg: float | None = None
    wobble_trend: str = ""  # rising | falling | steady
    tempo_cues: int = 0
    hold_s: float | None = None  # balance: the stance held
    sway_rms_deg: float | None = None
    lost_at_s: float | None = None

    @property
    def where(self) -> str:
        side = f" · {self.side} leg" if self.side else ""
        return f"Set {self.set_number}/{self.sets}{side}"

    @property
    def text(self) -> str:
        """One line for a person."""
        if self.ended == "skipped" and not self.reps and self.hold_s is None:
            return f"{self.step_name} · {self.where}: skipped"
        if self.kind == "balance":
            if self.hold_s is None:
                return f"{self.step_name} · {self.where}: no stance measured"
            lost = "" if self.lost_at_s is None else f", lost at t = {self.lost_at_s:.1f} s"
            return (
                f"{self.where}: held {self.hold_s:.0f} s{lost} · sway {self.sway_rms_deg:.2f}° RMS"
            )
        if self.kind == "hold":
            return f"{self.step_name} · {self.where}: {self.reps}/{self.target} holds"
        early = " (ended early)" if self.ended != "done" else ""
        extra = f" +{self.extra_reps}" if self.extra_reps else ""
        parts = [f"{self.where}: {self.reps}/{self.target}{extra} reps{early}"]
        if self.mean_depth_deg is not None:
            parts.append(f"depth {self.mean_depth_deg:.0f}°")
        if self.slowest and self.fastest and self.reps > 1:
            parts.append(f"slowest #{self.slowest[0]} {self.slowest[1]:.1f} s")
            parts.append(f"fastest #{self.fastest[0]} {self.fastest[1]:.1f} s")
        if self.wobble_trend:
            first, last = self.wobble_first_deg, self.wobble_last_deg
            parts.append(f"wobble {self.wobble_trend} {first:.1f}→{last:.1f}°")
        return " · ".join(parts)

    @property
    def short_text(self) -> str:
        """The line in fewer words, for a narrow screen: counts, depth, wobble."""
        if self.kind != "reps" or not self.reps:
            return self.text
        side = f" · {self.side}" if self.side else ""
        early = " (early)" if self.ended != "done" else ""
        extra = f"+{self.extra_reps}" if self.extra_reps else ""
        parts = [
            f"Set {self.set_number}/{self.sets}{side}: {self.reps}/{self.target}{extra}{early}"
        ]
        if self.mean_depth_deg is not None:
            parts.append(f"{self.mean_depth_deg:.0f}° deep")
        if self.wobble_trend:
            parts.append(f"wobble {self.wobble_last_deg:.1f}° ({self.wobble_trend})")
        return " · ".join(parts)

    def to_json(self) -> dict:
        out = {
            "set": self.set_number,
            "side": self.side,
            "ended": self.ended,
            "reps": self.reps,
            "target": self.target,
            "extra_reps": self.extra_reps,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
        }
        if self.kind == "reps":
            out |= {
                "mean_depth_deg": _round(self.mean_depth_deg),
                "slowest_rep": list(self.slowest) if self.slowest else None,
                "fastest_rep": list(self.fastest) if self.fastest else None,
                "wobble_trend": self.wobble_trend or None,
                "tempo_cues": self.tempo_cues,
            }
        if self.kind == "balance":
            out |= {
                "hold_s": _round(self.hold_s),
                "sway_rms_deg": _round(self.sway_rms_deg),
                "lost_at_s": _round(self.lost_at_s),
            }
        return out


def _round(value, digits=3):
    return None if value is None or not math.isfinite(value) else round(value, digits)


def summarise_set(
    step: Step,
    step_index: int,
    set_index: int,
    side: str | None,
    rows: tuple[RepVerdict, ...],
    start_s: float,
    end_s: float,
    ended: str,
    *,
    holds: int = 0,
    hold_s: float | None = None,
    sway_rms_deg: float | None = None,
    lost_at_s: float | None = None,
) -> SetSummary:
    """Summarise a finished set: mean depth, slowest and fastest rep, wobble trend."""
    base = dict(
        step_index=step_index,
        step_name=step.name,
        kind=step.kind,
        set_number=set_index + 1,
        sets=step.sets,
        side=side,
        target=step.reps if step.kind != "balance" else 1,
        ended=ended,
        start_s=rows[0].rep.start_s if rows else start_s,
        end_s=end_s,
        rows=rows,
        hold_s=hold_s,
        sway_rms_deg=sway_rms_deg,
        lost_at_s=lost_at_s,
    )
    if step.kind == "hold":
        return SetSummary(reps=holds, **base)
    if step.kind == "balance":
        return SetSummary(reps=int(hold_s is not None), **base)
    if not rows:
        return SetSummary(reps=0, **base)
    depth = np.array([v.rep.depth_deg for v in rows])
    duration = np.array([v.rep.end_s - v.rep.start_s for v in rows])
    wobble = np.array([v.rep.wobble_deg for v in rows])
    slow, fast = int(np.argmax(duration)), int(np.argmin(duration))
    trend, first, last = "", None, None
    if len(rows) >= 3 and np.isfinite(wobble).all():
        slope, icept = np.polyfit(np.arange(len(rows)), wobble, 1)
        first, last = float(icept), float(icept + slope * (len(rows) - 1))
        change = last - first
        trend = "steady" if abs(change) < TREND_DEG else "rising" if change > 0 else "falling"
    return SetSummary(
        reps=len(rows),
        mean_depth_deg=float(depth.mean()),
        slowest=(rows[slow].number, float(duration[slow])),
        fastest=(rows[fast].number, float(duration[fast])),
        wobble_first_deg=first,
        wobble_last_deg=last,
        wobble_trend=trend,
        tempo_cues=sum(v.tempo_fast for v in rows),
        **base,
    )
