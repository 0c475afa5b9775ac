"""The workout model's view: what the screen draws from the pipeline's updates."""

from __future__ import annotations

import numpy as np

from tracker.core.types import Update
from tracker.workout.programs import get_program
from tracker.workout.view import Workout


def update(t, deg, ahead_t=(), ahead_deg=()) -> Update:
    t = np.asarray(t, float)
    return Update(
        t_s=t,
        inclination_deg=np.asarray(deg, float),
        tilt_deg=np.zeros((len(t), 2)),
        phase="standing",
        calibrated=True,
        ahead_t_s=np.asarray(ahead_t, float),
        ahead_deg=np.asarray(ahead_deg, float),
    )


def test_the_trace_runs_on_through_a_hole_and_the_real_values_replace_the_provisional():
    workout = Workout(get_program("hip-rehab", extra_dirs=[]))
    workout.on_update(update([0.0, 0.01, 0.02], [1.0, 2.0, 3.0], [0.03, 0.04], [4.0, 5.0]))
    view = workout.view()
    assert view.t_s == 0.04 and view.inclination_deg == 5.0
    np.testing.assert_array_equal(view.trace_deg, [1.0, 2.0, 3.0, 4.0, 5.0])
    # The bridge is done: real values for the same times, nothing provisional left.
    workout.on_update(update([0.03, 0.04, 0.05], [4.5, 5.5, 6.0]))
    view = workout.view()
    np.testing.assert_array_equal(view.trace_t_s, [0.0, 0.01, 0.02, 0.03, 0.04, 0.05])
    np.testing.assert_array_equal(view.trace_deg, [1.0, 2.0, 3.0, 4.5, 5.5, 6.0])
    assert view.inclination_deg == 6.0
