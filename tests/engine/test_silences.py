"""A silence (samples stop, longer than the grid bridges, and resume) ends what was under way:
nothing is counted or timed across it, and the results still do not depend on chunking."""

import json

import numpy as np
import pytest

from tracker.core.types import ImuBlock
from tracker.engine.pipeline import Pipeline, PipelineConfig
from tracker.sim import simulate

SILENCE_S = 1e6  # a clock that jumped, or a sensor away for days: the same to the engine


def run(block: ImuBlock, exercise: str = "auto", sizes=None) -> Pipeline:
    pipeline = Pipeline(PipelineConfig(exercise=exercise))
    pieces = [block] if sizes is None else block.chunks(sizes)
    for piece in pieces:
        pipeline.push(piece)
    pipeline.finish()
    return pipeline


def silent_at(block: ImuBlock, t_s: float, length_s: float = SILENCE_S) -> ImuBlock:
    """``block`` with its samples from ``t_s`` on shifted ``length_s`` later."""
    t = np.where(block.t_s >= t_s, block.t_s + length_s, block.t_s)
    return ImuBlock(t, block.acc, block.gyr)


def spans(summary: dict) -> list[tuple[str, float, float]]:
    out = [("rep", r["start_s"], r["end_s"]) for r in summary["reps"]]
    out += [("set", s["start_s"], s["end_s"]) for s in summary["sets"]]
    out += [("bout", b["start_s"], b["end_s"]) for b in summary["balance"]]
    rises = (summary.get("sit_to_stand") or {}).get("rises", [])
    return out + [("rise", r["start_s"], r["end_s"]) for r in rises]


@pytest.fixture(scope="module")
def squats():
    return simulate("squat-workout", seed=3).block


def test_a_rep_under_way_when_the_samples_stop_is_not_counted(squats):
    before = run(squats).summary()["reps"]
    cut = before[3]
    middle = 0.5 * (cut["start_s"] + cut["bottom_s"])
    pipeline = run(silent_at(squats, middle, 5.0))
    after = pipeline.summary()
    starts = [r["start_s"] for r in after["reps"]]
    assert len(starts) == len(before) - 1
    assert not any(abs(s - cut["start_s"]) < 0.5 for s in starts)
    # Every other rep is found as before, those after the silence 5 s later.
    others = [r["start_s"] for r in before if r is not cut]
    shifted = [s + 5.0 if s > middle else s for s in others]
    assert np.allclose(starts, shifted, atol=0.05)


@pytest.mark.parametrize(
    "kind, exercise, where",
    [
        ("squat-workout", "auto", np.linspace(0.1, 0.9, 9)),
        ("holds", "auto", [0.2, 0.5, 0.8]),
        ("balance", "balance", [0.5]),
        ("sit-to-stand", "sit_to_stand", np.linspace(0.2, 0.8, 7)),
    ],
)
def test_nothing_measured_spans_a_silence(kind, exercise, where):
    """Measured before: a rep, a set, a 20 s hold, a bout or a rise read a million seconds
    long when the samples' clock jumped within it."""
    block = simulate(kind, seed=3).block
    for fraction in where:
        at = float(block.t_s[int(fraction * len(block))])
        for what, start, end in spans(run(silent_at(block, at), exercise).summary()):
            assert not start < at + SILENCE_S / 2 < end, (what, fraction, start, end)


def test_a_balance_bout_ends_before_the_silence():
    block = simulate("balance", seed=3).block
    (whole,) = run(block, "balance").summary()["balance"]
    at = 0.5 * (whole["start_s"] + whole["end_s"])
    bouts = run(silent_at(block, at), "balance").summary()["balance"]
    first = bouts[0]
    assert first["start_s"] == pytest.approx(whole["start_s"], abs=0.3)
    assert at - 0.2 <= first["end_s"] < at


def test_a_five_times_time_across_a_silence_is_not_measured_and_says_why():
    block = simulate("sit-to-stand", seed=3).block
    whole = run(block, "sit_to_stand")
    rises = whole.summary()["sit_to_stand"]["rises"]
    assert whole.summary()["sit_to_stand"]["duration_s"] is not None
    # Seated between the second and third stands: no rise is cut, the time is.
    at = 0.5 * (rises[1]["end_s"] + rises[2]["start_s"])
    pipeline = run(silent_at(block, at, 4.0), "sit_to_stand")
    summary = pipeline.summary()["sit_to_stand"]
    assert summary["stands"] == 5
    assert summary["duration_s"] is None and summary["stands_in_30s"] is None
    assert any("five-times time is not measured: 4.0 s" in w for w in pipeline.warnings())


@pytest.mark.parametrize(
    "kind, exercise",
    [("squat-workout", "auto"), ("sit-to-stand", "sit_to_stand"), ("balance", "balance")],
)
def test_silences_change_nothing_about_chunking(kind, exercise):
    block = simulate(kind, seed=3).block
    for fraction in (0.3, 0.6):
        block = silent_at(block, float(block.t_s[int(fraction * len(block))]), 3.0)
    whole = json.dumps(run(block, exercise).summary())
    assert json.dumps(run(block, exercise, 333).summary()) == whole
    assert json.dumps(run(block, exercise, 4096).summary()) == whole
