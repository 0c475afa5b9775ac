"""Physics-based simulator of a thigh-worn IMU: sessions with ground truth for tests and the demo.

A script of movements (``motions``, ``gait``, ``postures``) drives a rigid leg model
(``kinematics``) on a 1 kHz grid; the mounted sensor's ideal specific force and angular
rate are sampled and passed through a sensor model (``sensor``, its presets in
``boards``), the sensor possibly moving on soft tissue (``strap``); the truth (``truth``)
is computed from the true motion with the metrics' own definitions. ``hard_cases``
(``families``) lists cases as hard as real recordings.
"""

from tracker.sim.families import FAMILIES, hard_cases
from tracker.sim.kinematics import FineSignals, Motion, Mounting, fine_signals
from tracker.sim.sensor import SensorModel
from tracker.sim.session import SimSession
from tracker.sim.sessions import (
    EVERYDAY_KINDS,
    HARD_KINDS,
    KINDS,
    random_session,
    session_suite,
    simulate,
)
from tracker.sim.truth import Truth

__all__ = [
    "EVERYDAY_KINDS",
    "FAMILIES",
    "HARD_KINDS",
    "KINDS",
    "FineSignals",
    "Motion",
    "Mounting",
    "SensorModel",
    "SimSession",
    "Truth",
    "fine_signals",
    "hard_cases",
    "random_session",
    "session_suite",
    "simulate",
]
