"""Sensor boards for ``simulate()``: presets and the imperfection options on top of them.

Presets:

- ``typical`` (the default): ``SensorModel.random``, a decent IMU (±16 g, ±2000 °/s,
  offsets up to 0.15 m/s², gyro bias up to 0.03 rad/s, scale errors up to 3 %).
- ``ideal``: no noise, errors, drift or loss (still quantised).
- ``cheap``: a cheap board as seen in real recordings: ±2 g and ±250 °/s (impacts and fast
  swings clip), an accelerometer offset of 0.2-0.6 g lying mostly on one or two axes and
  turned so that it adds to gravity's reading (|a| at rest 11-15 m/s², typically 12-14),
  scale errors up to 4 % and 1° of axis misalignment, gyro bias up to 0.03 rad/s per
  axis, noise 0.025-0.045 m/s² and 0.004-0.01 rad/s, a 44, 94 or 260 Hz low-pass, ±100 ppm
  clock, 0.5-3 % packet loss.

With ``noise=False`` a preset keeps its range and filter and loses its errors, noise and
clock drift. The options ``acc_offset_g`` (size of the offset), ``acc_scale_pct``
(largest per-axis scale error), ``gyro_bias_deg_s`` (largest per-axis bias),
``acc_range_g``, ``gyro_range_deg_s`` and ``bandwidth_hz`` replace the preset's value;
the first three take a number or a (lo, hi) pair to draw from. Their draws come from a
generator of their own, so a preset's other settings do not change when one is given.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tracker.core.errors import InputError
from tracker.core.types import GRAVITY_M_S2
from tracker.sim.sensor import SensorModel, _gain

PRESETS = ("typical", "ideal", "cheap")
ACC_RANGES_G = (2.0, 4.0, 8.0, 16.0)
GYRO_RANGES_DEG_S = (125.0, 250.0, 500.0, 1000.0, 2000.0)
OPTIONS = (
    "acc_offset_g",
    "acc_scale_pct",
    "gyro_bias_deg_s",
    "acc_range_g",
    "gyro_range_deg_s",
    "bandwidth_hz",
)
_LIMITS = {  # drawable options: what a board can plausibly show
    "acc_offset_g": (0.0, 1.0),
    "acc_scale_pct": (0.0, 20.0),
    "gyro_bias_deg_s": (0.0, 10.0),
    "bandwidth_hz": (5.0, 500.0),
}
_CHOICES = {"acc_range_g": ACC_RANGES_G, "gyro_range_deg_s": GYRO_RANGES_DEG_S}


def check(options: dict) -> None:
    """Refuse a bad preset or imperfection option with one line (``InputError``)."""
    preset = options.get("sensor")
    if preset is not None and not isinstance(preset, SensorModel) and preset not in PRESETS:
        raise InputError(
            f"sensor must be one of {', '.join(PRESETS)} or a SensorModel, not {preset!r}"
        )
    for name, (lo, hi) in _LIMITS.items():
        value = options.get(name)
        pair = isinstance(value, tuple | list)
        if pair and (len(value) != 2 or value[0] > value[1]):
            raise InputError(f"{name} must be a number or a (lo, hi) pair, not {value!r}")
        for v in value if pair else [value]:
            if v is not None and not (isinstance(v, int | float) and lo <= v <= hi):
                raise InputError(f"{name} must be between {lo:g} and {hi:g}, not {v!r}")
    for name, choices in _CHOICES.items():
        value = options.get(name)
        if value is not None and value not in choices:
            listed = ", ".join(f"{c:g}" for c in choices)
            raise InputError(f"{name} must be one of {listed}, not {value!r}")


def acc_offset(rng: np.random.Generator, size_m_s2: float, up=None) -> tuple:
    """An offset of ``size_m_s2`` mostly on one or two axes (up to 15 % on the others).

    With ``up`` (the standing upward direction in the sensor frame) the main components
    take its signs, so the offset adds to gravity's reading at rest as on the real boards.
    """
    main = rng.choice(3, size=int(rng.integers(1, 3)), replace=False)
    v = rng.uniform(-0.15, 0.15, 3)
    v[main] = rng.uniform(0.5, 1.0, len(main)) * rng.choice([-1.0, 1.0], len(main))
    if up is not None:
        up = np.asarray(up, dtype=np.float64)
        v[main] = np.abs(v[main]) * np.where(up[main] < 0, -1.0, 1.0)
    return tuple((v / np.linalg.norm(v) * size_m_s2).tolist())


def cheap(rng: np.random.Generator, rate_hz: float, up=None, loss: bool = True) -> SensorModel:
    """The ``cheap`` preset (see the module docstring)."""
    return SensorModel(
        rate_hz=rate_hz,
        drift_ppm=rng.uniform(-100.0, 100.0),
        jitter_s=rng.uniform(0.02, 0.1) / rate_hz,
        loss_fraction=rng.uniform(0.005, 0.03) if loss else 0.0,
        acc_noise_m_s2=rng.uniform(0.025, 0.045),
        gyr_noise_rad_s=rng.uniform(0.004, 0.01),
        acc_bias_m_s2=acc_offset(rng, rng.uniform(0.2, 0.6) * GRAVITY_M_S2, up),
        gyr_bias_rad_s=tuple(rng.uniform(-0.03, 0.03, 3).tolist()),
        acc_gain=_gain(rng, 0.04, np.deg2rad(1.0)),
        gyr_gain=_gain(rng, 0.03, np.deg2rad(1.0)),
        acc_range_m_s2=2.0 * GRAVITY_M_S2,
        gyr_range_rad_s=float(np.deg2rad(250.0)),
        bandwidth_hz=float(rng.choice([44.0, 94.0, 260.0])),
    )


def _draw(rng: np.random.Generator, value) -> float:
    return float(rng.uniform(*value)) if isinstance(value, tuple | list) else float(value)


def board(
    options: dict,
    rate_hz: float,
    sensor_rng: np.random.Generator,
    extra_rng: np.random.Generator,
    up=None,
) -> SensorModel:
    """The session's sensor: the preset (or given ``SensorModel``) and the options over it.

    ``sensor_rng`` draws the preset exactly as before presets existed (so ``typical``
    sessions keep their bytes); ``extra_rng`` draws the imperfection options.
    """
    preset = options.get("sensor") or "typical"
    noise, loss = options.get("noise", True), options.get("loss", True)
    if isinstance(preset, SensorModel):
        sensor = preset
    elif preset == "cheap":
        sensor = cheap(sensor_rng, rate_hz, up, loss=loss)
        if not noise:  # an ideal clock and readings, within the board's range and filter
            sensor = replace(
                SensorModel(rate_hz=rate_hz, loss_fraction=sensor.loss_fraction),
                acc_range_m_s2=sensor.acc_range_m_s2,
                gyr_range_rad_s=sensor.gyr_range_rad_s,
                bandwidth_hz=sensor.bandwidth_hz,
            )
    else:
        sensor = SensorModel.random(
            sensor_rng, rate_hz=rate_hz, noise=noise and preset == "typical",
            loss=loss and preset == "typical",
        )  # fmt: skip
    changes: dict = {}
    if options.get("acc_offset_g") is not None:
        size = _draw(extra_rng, options["acc_offset_g"]) * GRAVITY_M_S2
        changes["acc_bias_m_s2"] = acc_offset(extra_rng, size, up)
    if options.get("acc_scale_pct") is not None:
        scale = _draw(extra_rng, options["acc_scale_pct"]) / 100.0
        changes["acc_gain"] = _gain(extra_rng, scale, np.deg2rad(1.0))
    if options.get("gyro_bias_deg_s") is not None:
        bias = np.deg2rad(_draw(extra_rng, options["gyro_bias_deg_s"]))
        changes["gyr_bias_rad_s"] = tuple(extra_rng.uniform(-bias, bias, 3).tolist())
    if options.get("acc_range_g") is not None:
        changes["acc_range_m_s2"] = float(options["acc_range_g"]) * GRAVITY_M_S2
    if options.get("gyro_range_deg_s") is not None:
        changes["gyr_range_rad_s"] = float(np.deg2rad(options["gyro_range_deg_s"]))
    if options.get("bandwidth_hz") is not None:
        changes["bandwidth_hz"] = float(options["bandwidth_hz"])
    return replace(sensor, **changes) if changes else sensor
