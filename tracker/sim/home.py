"""A simulated week of home workouts into a history, so the progress views can be tried.

Each day the simulated person does the ``demo`` program (what ``tracker live --simulate``
coaches) on each side, as the exercise sheets ask: the one-leg exercises on the painful
leg with the sensor on that thigh, then the sensor moved to the other thigh and the same
on the good leg, then the squats. Both sides wobble and sway a little less as the days
go by, the painful side less so and squatting shallower. The sessions run through the
same pipeline and coach as a live workout (the sensor's move is the ``m`` key: the coach
told, the pipeline recalibrated), headless and as fast as the machine allows, and are
stored marked as simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tracker.files.history import History

if TYPE_CHECKING:
    from tracker.workout.programs import Program

WEEK_PROGRAM = "demo"
RATE_HZ = 100.0
PUSH_SAMPLES = 200  # the pipeline gives the same results however the samples are cut
# The demo workout's first items (three mini-squat sets and the minute on one leg, then a
# short walk): the painful side's part, before the sensor moves.
ONE_LEG_PART = 8


@dataclass(frozen=True)
class Side:
    """How one leg does over the week: wobble, sway (RMS °) and mini-squat depth (°),
    on the first day and on the last."""

    shake_deg: tuple[float, float]
    sway_deg: tuple[float, float]
    depth_deg: tuple[float, float]

    def on(self, progress: float) -> dict:
        """The simulator's options ``progress`` (0 first day, 1 last) through the week."""
        at = lambda pair: pair[0] + (pair[1] - pair[0]) * progress  # noqa: E731
        depth = at(self.depth_deg)
        return {
            "shake_rms_deg": at(self.shake_deg),
            "sway_rms_deg": at(self.sway_deg),
            "depth": (depth - 2.0, depth + 2.0),
        }


# The good side improves faster than the painful one. The painful side's mini-squats stay
# at most 1.6° shaky: after shakier ones the engine misses some of the 60 s stances.
PAINFUL = Side(shake_deg=(1.6, 1.0), sway_deg=(1.4, 1.0), depth_deg=(18.0, 21.0))
GOOD = Side(shake_deg=(1.2, 0.55), sway_deg=(0.9, 0.5), depth_deg=(24.0, 25.0))
# The stream pauses while the sensor is moved: the move itself is not simulated, and a
# silence restarts the tilt's fusion as a gyro following the sensor would have kept it.
MOVE_S = 30.0


def week_program() -> Program:
    """The ``demo`` program with its one-leg exercises done on the painful side, then on
    the good side (one move of the sensor), then its squats."""
    from tracker.workout.programs import get_program

    demo = get_program(WEEK_PROGRAM)
    one_leg = [s for s in demo.steps if s.sides == "painful"]
    rest = [s for s in demo.steps if s.sides != "painful"]
    good = [replace(s, sides="good") for s in one_leg]
    return replace(demo, steps=(*one_leg, *good, *rest))


def simulated_workout(
    seed: int,
    *,
    painful: dict,
    good: dict,
    painful_leg: str = "left",
    program: Program | None = None,
) -> dict:
    """One simulated day: the stored summary. ``painful`` and ``good`` are each side's
    simulator options (``Side.on``)."""
    from tracker.core.types import ImuBlock
    from tracker.engine.pipeline import Pipeline
    from tracker.sim import simulate
    from tracker.workout.view import Workout

    program = program or week_program()
    good_leg = "right" if painful_leg == "left" else "left"
    first = simulate(
        "demo-workout", 2 * seed, RATE_HZ, leg=painful_leg, sets=ONE_LEG_PART, **painful
    )
    then = simulate("demo-workout", 2 * seed + 1, RATE_HZ, leg=good_leg, **good)
    pipeline = Pipeline()
    workout = Workout(program, painful_leg=painful_leg, sensor_leg=painful_leg, simulated=True)

    def push(block: ImuBlock) -> None:
        for i in range(0, len(block), PUSH_SAMPLES):
            workout.on_update(pipeline.push(block.slice(i, min(i + PUSH_SAMPLES, len(block)))))

    push(first.block)
    # A person moves on when the screen has not (a stance the engine did not take as one):
    # the good side's sets must not wait on the painful side's.
    good_from = next(i for i, s in enumerate(program.steps) if s.sides == "good")
    coach = workout.coach
    while coach.step_index < good_from and coach.mode in ("active", "rest"):
        workout.command("next")
    workout.command("sensor_moved")
    pipeline.recalibrate()
    t0 = float(first.block.t_s[-1]) + MOVE_S - float(then.block.t_s[0])
    push(ImuBlock(then.block.t_s + t0, then.block.acc, then.block.gyr))
    workout.on_update(pipeline.finish())
    workout.finish()
    return {**pipeline.summary(), "coach": workout.coach.session_summary()}


def add_simulated_week(
    history: History, *, days: int = 7, seed: int = 0, last_day: datetime | None = None
) -> list[int]:
    """Add ``days`` simulated daily workouts ending on ``last_day`` (default the latest
    09:00 UTC: never later than now, so a session done next sorts after them), each side
    going from ``PAINFUL``'s or ``GOOD``'s first values to their last. Returns the new
    session ids."""
    now = datetime.now(UTC)
    end = (last_day or now).replace(hour=9, minute=0, second=0, microsecond=0)
    if last_day is None and end > now:
        end -= timedelta(days=1)
    program = week_program()
    ids = []
    for k in range(days):
        progress = k / max(days - 1, 1)
        summary = simulated_workout(
            seed + k, painful=PAINFUL.on(progress), good=GOOD.on(progress), program=program
        )
        started = end - timedelta(days=days - 1 - k)
        ids.append(
            history.add_session(
                summary,
                recording_path=None,
                program=program.name,
                started_utc=started.isoformat(timespec="seconds").replace("+00:00", "Z"),
                simulated=True,
            )
        )
    return ids
