"""Named kinds of simulated sessions, the random session and the deterministic test suite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tracker.errors import InputError
from tracker.sim import clinical, scripts
from tracker.sim.kinematics import LEGS, SITES, Mounting
from tracker.sim.scripts import Ctx
from tracker.sim.segment import Segment
from tracker.sim.sensor import SensorModel
from tracker.sim.session import SimSession, assemble, run

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
}
RATES_HZ = (50.0, 52.0, 60.0, 100.0, 104.0, 119.0, 200.0)


@dataclass(frozen=True)
class Kind:
    """A named session: its script and what ``tracker analyze --exercise`` it calls for."""

    script: Callable[[Ctx], list[Segment]]
    exercise: str
    description: str


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
}


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
        (default True), ``sensor`` (a ``SensorModel``, overrides rate, noise and
        loss). A number fixes a value, a (lo, hi) pair draws within it.

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
    _, _, mount_rng, sensor_rng, noise_rng = np.random.default_rng(seed).spawn(5)
    mounting = _mounting(options.get("mounting"), mount_rng, leg)
    sensor = options.get("sensor") or SensorModel.random(
        sensor_rng,
        rate_hz=rate_hz if rate_hz is not None else float(sensor_rng.choice(RATES_HZ)),
        noise=options.get("noise", True),
        loss=options.get("loss", True),
    )

    def build_motion():
        # Fresh generators from the seed: every call builds the same motion.
        motion_rng, sway_rng = np.random.default_rng(seed).spawn(5)[:2]
        segments = KINDS[kind].script(Ctx(motion_rng, mounting.leg, options))
        sway_rms_deg = float(motion_rng.uniform(0.1, 0.2))
        return (*assemble(segments, sway_rng, sway_rms_deg), sway_rms_deg)

    meta = {"exercise": KINDS[kind].exercise, "options": _json_options(options)}
    return run(kind, seed, build_motion, mounting, sensor, noise_rng, meta)


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
    """A deterministic, varied list of sessions covering every kind.

    The first sessions are one of each kind (random mounting, rate and noise; long
    kinds shortened), the rest ``random_session``; ``n`` below the number of kinds
    gives the first ``n`` kinds.
    """
    out = []
    for i, kind in enumerate(KINDS):
        if i >= n:
            return out
        opts = SUITE_OPTIONS.get(kind, {})
        out.append(simulate(kind, seed=seed * 1000 + i, rate_hz=None, **opts))
    out += [random_session(seed * 1000 + 100 + j) for j in range(n - len(out))]
    return out
