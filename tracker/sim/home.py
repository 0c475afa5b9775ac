"""A simulated week of home workouts into a history, so the progress views can be tried.

Each day the simulated person does the ``demo`` program (what ``tracker live --simulate``
coaches) on the sensor's leg, wobbling and swaying a little less as the days go by. The
sessions run through the same pipeline and coach as a live workout, headless and as fast
as the machine allows, and are stored marked as simulated.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.files.history import History

WEEK_PROGRAM = "demo"
PUSH_SAMPLES = 200  # the pipeline gives the same results however the samples are cut


def simulated_workout(seed: int, *, shake_deg: float, sway_deg: float, leg="left") -> dict:
    """One simulated ``demo`` workout on ``leg`` (the painful one): the stored summary."""
    from tracker.engine.pipeline import Pipeline
    from tracker.sim import simulate
    from tracker.workout.programs import get_program
    from tracker.workout.view import Workout

    session = simulate(
        "demo-workout", seed=seed, leg=leg, shake_rms_deg=shake_deg, sway_rms_deg=sway_deg
    )
    pipeline = Pipeline()
    workout = Workout(get_program(WEEK_PROGRAM), painful_leg=leg, sensor_leg=leg, simulated=True)
    block = session.block
    for i in range(0, len(block), PUSH_SAMPLES):
        workout.on_update(pipeline.push(block.slice(i, min(i + PUSH_SAMPLES, len(block)))))
    workout.on_update(pipeline.finish())
    workout.finish()
    return {**pipeline.summary(), "coach": workout.coach.session_summary()}


def add_simulated_week(
    history: History, *, days: int = 7, seed: int = 0, last_day: datetime | None = None
) -> list[int]:
    """Add ``days`` simulated daily workouts ending on ``last_day`` (default today, 09:00
    UTC); wobble falls from 2.0° to 0.8° RMS and sway from 1.2° to 0.6° over them.
    Returns the new session ids."""
    end = (last_day or datetime.now(UTC)).replace(hour=9, minute=0, second=0, microsecond=0)
    ids = []
    for k in range(days):
        progress = k / max(days - 1, 1)
        summary = simulated_workout(
            seed + k, shake_deg=2.0 - 1.2 * progress, sway_deg=1.2 - 0.6 * progress
        )
        started = end - timedelta(days=days - 1 - k)
        ids.append(
            history.add_session(
                summary,
                recording_path=None,
                program=WEEK_PROGRAM,
                started_utc=started.isoformat(timespec="seconds").replace("+00:00", "Z"),
                simulated=True,
            )
        )
    return ids
