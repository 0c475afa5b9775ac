"""Named kinds of simulated sessions, the random session and the deterministic test suite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import tracker.sim.boards as boards
import tracker.sim.clinical as clinical
import tracker.sim.hard_kinds as hard_kinds
import tracker.sim.scripts as scripts
from tracker.core.errors import InputError
from tracker.sim.continuous import TOPS
from tracker.sim.kinematics import LEGS, SITES, Mounting
from tracker.sim.scripts import Ctx
from tracker.sim.segment import Segment
from tracker.sim.sensor import SensorModel
from tracker.sim.session import POSTURAL_SWAY_BAND_HZ, SimSession, assemble, run
from tracker.sim.strap import strap_named, tissue_motion

OPTIONS = (
    "duration",
    "reps",
    "sets",
    "depth",
    "tempo",
    "shake_rms_deg",
    "sway_rms_deg",
    "hold_s",
    "sides",
    "leg",
    "mounting",
    "noise",
    "loss",
    "sensor",
    "ending",
    # the hard kinds' movements and any kind's sensor on soft tissue (issue 9)
    "strap",
    "lead_in_s",
    "tops",
    "travel_deg",
    "shake_hz",
    *boards.OPTIONS,
)
_LIMITS = {  # what the body model and the scripts are built for
    "duration": (1.0, 1800.0),  # the 1 kHz grid of 30 min needs about 0.9 GB at its peak
    "reps": (1, 1000),
    "sets": (1, 100),
    "depth": (1.0, 120.0),
    "tempo": (0.2, 30.0),
    "shake_rms_deg": (0.0, 10.0),
    "sway_rms_deg": (0.0, 10.0),
    "hold_s": (0.5, 600.0),
    "lead_in_s": (0.0, 30.0),
    "travel_deg": (30.0, 120.0),
    "shake_hz": (1.5, 12.0),
}
RATES_HZ = (50.0, 52.0, 60.0, 100.0, 104.0, 119.0, 200.0)


@dataclass(frozen=True)
class Kind:
    """A named session: its script and what ``tracker analyze --exercise`` it calls for.

    The hard kinds (``hard``) sway more while standing (``sway_deg`` RMS range, over
    ``sway_band_hz``) and default to a ``sensor`` preset and a ``strap``; the options of
    ``simulate()`` override those.
    """

    script: Callable[[Ctx], list[Segment]]
    exercise: str
    description: str
    hard: bool = False
    sway_deg: tuple[float, float] = (0.1, 0.2)
    sway_band_hz: tuple[float, float] = POSTURAL_SWAY_BAND_HZ
    sensor: str = "typical"
    strap: str = "rigid"


def _hard(script, exercise: str, description: str, strap: str = "soft") -> Kind:
    """A kind as hard as real recordings: short lead-in, real sway, cheap board, soft tissue."""
    return Kind(script, exercise, description, True, (0.3, 0.9), (0.1, 1.5), "cheap", strap)


KINDS: dict[str, Kind] = {
    "squat-workout": Kind(scripts.squat_workout, "squat", "sets of squats, walking between"),
    "rehab-mini-squats": Kind(
        scripts.rehab_mini_squats, "squat", "5 x 10 slow single-leg mini squats"
    ),
    "hesitant-reps": Kind(scripts.hesitant_reps, "squat", "squats that stop and re-accelerate"),
    "fast-reps": Kind(scripts.fast_reps, "squat", "fast squats, about 1 s each"),
    "walking": Kind(scripts.walking, "auto", "standing, walking, standing"),
    "weight-shifts": Kind(scripts.weight_shift_series, "auto", "small weight shifts, no reps"),
    "sit-to-stand": Kind(scripts.sit_to_stand_test, "sit_to_stand", "five-times sit-to-stand"),
    "balance": Kind(scripts.balance_trials, "balance", "single-leg stance, 20-60 s"),
    "holds": Kind(scripts.holds, "auto", "thigh held at an inclination (45°)"),
    "demo-workout": Kind(
        scripts.demo_workout, "auto", "ten minutes of mini squats, balance, squats"
    ),
    "mixed": Kind(scripts.mixed, "auto", "a random mix of the above"),
    # Clinical tests, each one trial from its start cue (after "mixed": the suite's seeds stay).
    "single-leg-stance": Kind(
        clinical.single_leg_stance_trial, "balance", "one single-leg stance trial, 2-40 s"
    ),
    "tandem-stance": Kind(
        clinical.tandem_stance_trial, "balance", "a stance on both feet timed from the cue"
    ),
    "chair-stand-30s": Kind(
        clinical.chair_stand_trial, "sit_to_stand", "the 30-second chair stand"
    ),
    # As hard as real recordings (after the everyday kinds: the suite's seeds stay).
    "continuous-squats": _hard(
        hard_kinds.continuous_squats, "squat", "back-to-back squats, tops wandering"
    ),
    "squats-and-walks": _hard(
        hard_kinds.squats_and_walks, "auto", "continuous sets, walks between"
    ),
    "loose-walk": _hard(hard_kinds.loose_walk, "auto", "a long walk, loose strap", "loose"),
    "high-chair-sit-to-stand": _hard(
        hard_kinds.high_chair_sit_to_stand, "sit_to_stand", "five rises, 60-90°, no pause"
    ),
    "high-chair-stand-30s": _hard(
        hard_kinds.high_chair_stand_30s, "sit_to_stand", "30 s chair stand, 60-90°, no pause"
    ),
    "swaying-stance": _hard(hard_kinds.swaying_stance, "balance", "single-leg, 1.5-3° sway"),
    "shaky-stance": _hard(hard_kinds.shaky_stance, "balance", "single-leg, 3-8 Hz shake"),
}
EVERYDAY_KINDS = tuple(name for name, kind in KINDS.items() if not kind.hard)
HARD_KINDS = tuple(name for name, kind in KINDS.items() if kind.hard)


def _mounting(option, rng: np.random.Generator, leg: str | None) -> Mounting:
    if option is None or option in SITES:
        return Mounting.random(rng, leg=leg, site=option)
    if option == "aligned":
        return Mounting.aligned(leg or "right")
    if isinstance(option, Mounting):
        return option
    raise InputError(f"mounting must be one of {', '.join(SITES)}, aligned or a Mounting")


def _json_options(opts: dict) -> dict:
    out = {}
    for k, v in opts.items():
        if isinstance(v, Mounting | SensorModel):
            v = type(v).__name__
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def simulate(kind: str, seed: int = 0, rate_hz: float | None = 100.0, **options) -> SimSession:
    """Simulate a session of a named ``kind`` (see ``KINDS``).

    Parameters
    ----------
    kind : str
        A key of ``KINDS``.
    seed : int
        Everything random derives from it: same seed and options, same bytes.
    rate_hz : float or None
        Sensor rate; None draws one of the common rates between 50 and 200 Hz.
    **options
        ``duration`` (s, total length; the main activity fills it), ``reps`` (per set),
        ``sets``, ``depth`` (deg), ``tempo`` (s per descent and per ascent),
        ``shake_rms_deg``, ``sway_rms_deg`` (balance), ``hold_s`` (holds), ``sides``
        ("alternate" or "sensor", rehab), ``ending`` (clinical trials: "foot_down",
        "step", "lowered" for single-leg stance, "none" or "step" for tandem stance),
        ``leg`` ("left"/"right"), ``mounting`` (None random, "front"/"side"/"back"
        random at that site, "aligned", or a ``Mounting``), ``noise`` and ``loss``
        (default True). A number fixes a value, a (lo, hi) pair draws within it.

        The sensor: ``sensor`` (a preset, "typical", "ideal" or "cheap", see
        ``tracker.sim.boards``, or a ``SensorModel``, which overrides rate, noise and
        loss), then ``acc_offset_g``, ``acc_scale_pct``, ``gyro_bias_deg_s``,
        ``acc_range_g``, ``gyro_range_deg_s``, ``bandwidth_hz`` over it; ``strap``
        ("rigid", "soft", "loose": the sensor on soft tissue, see ``tracker.sim.strap``).

        The hard kinds (``HARD_KINDS``) also read ``lead_in_s`` (first movement after
        the first sample, default 0-0.3 s), ``tops`` (continuous reps: "level", "short",
        "extended", "wander"), ``travel_deg`` (chair rises: seated thigh from standing,
        default 60-90°) and ``shake_hz`` (shaky stance, default 3-8 Hz).

    Returns
    -------
    SimSession
    """
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(unknown)}; options: {', '.join(OPTIONS)}")
    leg = options.get("leg")
    if leg is not None and leg not in LEGS:
        raise InputError(f"leg must be left or right, not {leg!r}")
    if options.get("sides", "alternate") not in ("alternate", "sensor"):
        raise InputError(f"sides must be alternate or sensor, not {options['sides']!r}")
    for name, (lo, hi) in _LIMITS.items():
        values = options.get(name)
        for v in values if isinstance(values, tuple | list) else [values]:
            if v is not None and not lo <= v <= hi:
                raise InputError(f"{name} must be between {lo:g} and {hi:g}, not {v!r}")
    if options.get("tops") not in (None, *TOPS):
        raise InputError(f"tops must be one of {', '.join(TOPS)}, not {options['tops']!r}")
    boards.check(options)
    spec = KINDS[kind]
    strap = strap_named(options.get("strap") or spec.strap)
    _, _, mount_rng, sensor_rng, noise_rng = np.random.default_rng(seed).spawn(5)
    mounting = _mounting(options.get("mounting"), mount_rng, leg)
    preset = options.get("sensor") or spec.sensor
    rate = rate_hz
    if rate is None and not isinstance(preset, SensorModel):
        rate = float(sensor_rng.choice(RATES_HZ))
    up = mounting.rotation.inv().apply([0.0, 0.0, 1.0])  # standing "up" in the sensor frame
    sensor = boards.board(options | {"sensor": preset}, rate, sensor_rng, _extra(seed, 6), up)

    def build_motion():
        # Fresh generators from the seed: every call builds the same motion.
        motion_rng, sway_rng = np.random.default_rng(seed).spawn(5)[:2]
        segments = spec.script(Ctx(motion_rng, mounting.leg, options))
        sway_rms_deg = float(motion_rng.uniform(*spec.sway_deg))
        return (*assemble(segments, sway_rng, sway_rms_deg, spec.sway_band_hz), sway_rms_deg)

    build_tissue = None
    if strap is not None:

        def build_tissue(motion):
            return tissue_motion(motion, mounting, strap, _extra(seed, 5))

    meta = {"exercise": spec.exercise, "options": _json_options(options)}
    return run(kind, seed, build_motion, mounting, sensor, noise_rng, meta, build_tissue)


def _extra(seed: int, key: int) -> np.random.Generator:
    """A generator of its own for what came after the first five (strap, board options):
    drawing it leaves every earlier draw of the seed as it was."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def random_session(seed: int) -> SimSession:
    """A varied session: a random kind mix, mounting, rate (50-200 Hz), noise and loss."""
    return simulate("mixed", seed=seed, rate_hz=None)


# Long kinds are shortened in the suite to keep the acceptance tests quick.
SUITE_OPTIONS = {
    "rehab-mini-squats": {"sets": 3, "reps": 5},
    "demo-workout": {"duration": 240.0},
    "squat-workout": {"sets": 2},
}


def session_suite(n: int = 30, seed: int = 0) -> list[SimSession]:
    """A deterministic, varied list of sessions covering every everyday kind.

    The first sessions are one of each kind of ``EVERYDAY_KINDS`` (random mounting,
    rate and noise; long kinds shortened), the rest ``random_session``; ``n`` below the
    number of kinds gives the first ``n`` kinds. The hard kinds are in
    ``tracker.sim.hard_cases``.
    """
    out = []
    for i, kind in enumerate(EVERYDAY_KINDS):
        if i >= n:
            return out
        opts = SUITE_OPTIONS.get(kind, {})
        out.append(simulate(kind, seed=seed * 1000 + i, rate_hz=None, **opts))
    out += [random_session(seed * 1000 + 100 + j) for j in range(n - len(out))]
    return out
