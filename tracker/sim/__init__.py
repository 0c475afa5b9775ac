"""Physics-based simulator of a thigh-worn IMU: sessions with ground truth for tests and the demo.

A script of movements (``motions``, ``gait``, ``postures``) drives a rigid leg model
(``kinematics``) on a 1 kHz grid; the mounted sensor's ideal specific force and angular
rate are sampled and passed through a sensor model (``sensor``); the truth (``truth``)
is computed from the true motion with the metrics' own definitions.
"""

from tracker.sim.kinematics import FineSignals, Motion, Mounting, fine_signals
from tracker.sim.sensor import SensorModel
from tracker.sim.session import SimSession
from tracker.sim.sessions import KINDS, random_session, session_suite, simulate
from tracker.sim.truth import Truth

__all__ = [
    "KINDS",
    "FineSignals",
    "Motion",
    "Mounting",
    "SensorModel",
    "SimSession",
    "Truth",
    "fine_signals",
    "random_session",
    "session_suite",
    "simulate",
]
