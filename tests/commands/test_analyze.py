"""`tracker analyze`: the contract's JSON, the readable table, regression snapshots, bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.commands.analyze import _finite

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = sorted((ROOT / "recordings").glob("*.trk"))
EXPECTED = ROOT / "tests" / "data" / "expected"
CONTRACT_REP = {
    "start_s",
    "bottom_s",
    "end_s",
    "depth_deg",
    "descent_s",
    "ascent_s",
    "sparc",
    "ldlj",
    "wobble_deg",
}
CONTRACT_BOUT = {
    "start_s",
    "end_s",
    "duration_s",
    "sway_rms_deg",
    "sway_path_deg",
    "sway_velocity_deg_s",
    "ellipse95_deg2",
    "mean_freq_hz",
    "jerk_deg_s3",
}


def analyze_json(capsys, *args) -> dict:
    assert main(["analyze", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def exercise_for(path: Path) -> str:
    return json.loads(Path(f"{path}.truth.json").read_text())["exercise"].replace("squat", "auto")


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_recordings_match_their_snapshot(capsys, path):
    """Any change to what the engine reports on the shipped recordings shows up here.

    After an intended change, regenerate with UPDATE_SNAPSHOTS=1 and review the diff.
    """
    out = analyze_json(capsys, path, "--exercise", exercise_for(path))
    snapshot = EXPECTED / f"{path.stem}.json"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(json.dumps(out, indent=1) + "\n")
    expected = json.loads(snapshot.read_text())
    assert flatten(out).keys() == flatten(expected).keys()
    for key, want in flatten(expected).items():
        assert flatten(out)[key] == pytest.approx(want, rel=1e-6, abs=1e-6), key


def flatten(value, prefix=""):
    """Leaves of nested dicts and lists by their path, e.g. ``reps.3.depth_deg``."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    out = {}
    for key, item in items:
        out |= flatten(item, f"{prefix}.{key}" if prefix else str(key))
    return out


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_json_has_the_contract_fields_and_agrees_with_the_truth(capsys, path):
    truth = json.loads(Path(f"{path}.truth.json").read_text())
    out = analyze_json(capsys, path, "--exercise", exercise_for(path))
    assert {
        "duration_s",
        "sample_rate_hz",
        "samples",
        "gaps",
        "reps",
        "sets",
        "balance",
    } <= out.keys()
    assert out["samples"] == truth["samples"]
    assert out["sample_rate_hz"] == pytest.approx(truth["sample_rate_hz"], rel=0.01)
    assert all(rep.keys() >= CONTRACT_REP for rep in out["reps"])
    assert all(bout.keys() >= CONTRACT_BOUT for bout in out["balance"])
    assert len(out["reps"]) == len(truth["reps"])
    assert sum(s["reps"] for s in out["sets"]) == len(out["reps"])
    errors = [
        abs(g["depth_deg"] - w["depth_deg"])
        for g, w in zip(out["reps"], truth["reps"], strict=True)
    ]
    if errors:  # lost packets in a shaking rep can cost one rep a few degrees
        assert sum(errors) / len(errors) <= 2.5
        assert sorted(errors)[int(0.9 * (len(errors) - 1))] <= 3.0
    for want in truth["balance"]:
        found = [
            b
            for b in out["balance"]
            if min(b["end_s"], want["end_s"]) > max(b["start_s"], want["start_s"])
        ]
        assert len(found) == 1
        assert found[0]["sway_rms_deg"] == pytest.approx(want["sway_rms_deg"], rel=0.15)
    if truth["exercise"] == "sit_to_stand":
        assert out["sit_to_stand"]["stands"] == truth["sit_to_stand"]["stands"]
        assert out["sit_to_stand"]["duration_s"] == pytest.approx(
            truth["sit_to_stand"]["duration_s"], abs=0.5
        )


def test_readable_table(capsys):
    path = ROOT / "recordings" / "squat-workout.trk"
    assert main(["analyze", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Set 1:" in text and "depth°" in text and "wobble°" in text
    balance = ROOT / "recordings" / "balance.trk"
    assert main(["analyze", str(balance), "--exercise", "balance"]) == 0
    assert "Balance bouts" in capsys.readouterr().out


def test_undefined_measures_are_null_in_json():
    assert _finite({"a": float("nan"), "b": [1.0, float("inf")], "c": "x"}) == {
        "a": None,
        "b": [1.0, None],
        "c": "x",
    }


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("", None),
        ("t,ax,ay,az,gx,gy,gz\n", None),
        ("t,ax,ay,az,gx,gy\n0,1,2,3,4,5\n", 1),
        ("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,zero,9.8,0,0,0\n", 3),
        ("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,nan,9.8,0,0,0\n", 3),
        ("t,ax,ay,az,gx,gy,gz\n0.02,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n", 3),
        ("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,0,9e9,0,0,0\n", 3),
    ],
    ids=["empty", "header only", "missing column", "text", "nan", "time back", "huge"],
)
def test_bad_csv_gives_one_line_naming_file_and_line_and_exit_2(tmp_path, capsys, content, line):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["analyze", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    message = err.strip()
    assert "\n" not in message and "Traceback" not in message
    assert str(path) in message
    if line is not None:
        assert f"{path}:{line}:" in message


def test_bad_csv_from_the_real_command_line(tmp_path):
    """The same through a new interpreter: nothing but the one line reaches stderr."""
    path = tmp_path / "bad.csv"
    path.write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,zero,9.8,0,0,0\n")
    run = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "analyze", str(path), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"tracker: {path}:3: ay: 'zero' is not a number\n"


def test_missing_file_and_bad_exercise(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", "x.csv", "--exercise", "yoga"])
    assert exit_.value.code == 2


def test_recorded_recalibration_is_applied_as_it_was_live(tmp_path, capsys):
    """The sensor is put back on the thigh turned 25° after the first set (two seconds
    without data), the person recalibrates, and analyze follows as live did."""
    from dataclasses import replace

    import numpy as np
    from scipy.spatial.transform import Rotation

    from tracker.files.recording import RecordingWriter
    from tracker.sim import simulate

    before = simulate("squat-workout", seed=3, rate_hz=100.0)
    mounting = before.mounting
    # Turned about an axis across the thigh (the long axis in sensor coordinates is
    # the mounting's image of the thigh's z), so standing now reads 25° tilted.
    long_axis = mounting.rotation.inv().apply([0.0, 0.0, 1.0])
    across = np.cross(long_axis, [1.0, 0.0, 0.0])
    turn = Rotation.from_rotvec(np.radians(25.0) * across / np.linalg.norm(across))
    turned = replace(mounting, rotation=mounting.rotation * turn)
    after = simulate("squat-workout", seed=3, rate_hz=100.0, mounting=turned)
    truth = before.truth.to_json()
    off_s = truth["sets"][0]["end_s"] + 1.0  # standing still after the first set
    t = before.block.t_s
    cut, back = int(np.searchsorted(t, off_s)), int(np.searchsorted(t, off_s + 2.0))

    def write(path, recalibrate):
        with RecordingWriter(path, source={"kind": "simulated"}) as writer:
            writer.write_samples(before.block.slice(0, cut))
            if recalibrate:
                writer.write_event("recalibrate", off_s + 2.0, after_t_s=float(t[cut - 1]))
            writer.write_samples(after.block.slice(back, len(t)))

    later = [r for r in truth["reps"] if r["start_s"] > off_s]

    def agrees(recalibrate: bool) -> bool:
        """Every later rep found, at its depth within 3°."""
        path = tmp_path / f"turned-{recalibrate}.trk"
        write(path, recalibrate)
        found = [r for r in analyze_json(capsys, path)["reps"] if r["start_s"] > off_s]
        return len(found) == len(later) and all(
            abs(g["bottom_s"] - w["bottom_s"]) < 1 and abs(g["depth_deg"] - w["depth_deg"]) <= 3
            for g, w in zip(found, later, strict=True)
        )

    assert agrees(recalibrate=True)
    assert not agrees(recalibrate=False)  # the action is what makes the difference


def test_a_simulation_that_does_not_say_its_exercise_is_taken_as_its_kind(capsys):
    """recordings/sit-to-stand.trk was made by tracker 0.1, before recordings said what
    they are: its kind does, so the default is the chair test, not a set of 94° reps."""
    out = analyze_json(capsys, ROOT / "recordings" / "sit-to-stand.trk")
    assert out["reps"] == []
    assert out["sit_to_stand"]["stands"] == 5


def test_a_chair_test_analysed_as_reps_gets_a_hint(tmp_path, capsys):
    from tracker.files.interchange import write_csv
    from tracker.sim import simulate

    hint = "if it started seated (a chair test), analyze it with --exercise sit_to_stand"
    chair, squats = tmp_path / "chair.csv", tmp_path / "squats.csv"
    write_csv(chair, simulate("chair-stand-30s", seed=1).block)
    write_csv(squats, simulate("squat-workout", seed=1).block)
    out = analyze_json(capsys, chair)
    assert len(out["reps"]) >= 8 and any(hint in w for w in out["warnings"])
    out = analyze_json(capsys, squats)
    assert out["reps"] and not any(hint in w for w in out["warnings"])
