"""Hostile or careless files: one line and exit 2 (or a warning and a skip), never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

from tracker.cli import main
from tracker.commands import replay
from tracker.core.errors import InputError
from tracker.core.types import ImuBlock, RawPacket
from tracker.files.recording import RecordingWriter
from tracker.workout.programs import load_program_text

DEEP_ARRAY = "a = " + "[" * 100_000 + "]" * 100_000 + "\n"
DEEP_TABLE = "a = " + "{b = " * 5_000 + "1" + "}" * 5_000 + "\n"
PROGRAM = """
name = "mine"
[[step]]
name = "Squats"
kind = "reps"
rest_s = 30
"""


def _block(n: int = 500) -> ImuBlock:
    t = np.arange(n) / 100.0
    return ImuBlock.from_arrays(t, np.tile([0.0, 9.81, 0.0], (n, 1)), np.zeros((n, 3)))


def _trk(path, meta=None, events=(), profile_toml=None):
    with RecordingWriter(
        path,
        source={"kind": "simulated"},
        meta=meta or {},
        profile_name=None if profile_toml is None else "p",
        profile_toml=profile_toml,
    ) as w:
        w.write_samples(_block().slice(0, 250))
        for kind, t_s, fields in events:
            w.write_event(kind, t_s, **fields)
        w.write_samples(_block().slice(250, 500))
    return path


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# -- TOML nested 100,000 levels deep ------------------------------------------------


@pytest.mark.parametrize("text", [DEEP_ARRAY, DEEP_TABLE], ids=["arrays", "inline-tables"])
def test_a_deeply_nested_program_named_on_the_command_line_is_one_line(tmp_path, capsys, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    assert main(["live", "--program", str(path)]) == 2
    assert "deep.toml: not valid TOML: nested too deeply" in _one_line(capsys)


def test_a_broken_file_in_a_persons_folder_is_named_and_skipped(tmp_path, capsys, monkeypatch):
    config = tmp_path / "config"
    for kind in ("programs", "firmware_profiles", "protocols"):
        (config / "tracker" / kind).mkdir(parents=True)
        (config / "tracker" / kind / "deep.toml").write_text(DEEP_ARRAY)
    (config / "tracker" / "programs" / "mine.toml").write_text(PROGRAM)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert main(["live", "--list-programs"]) == 0
    out, err = capsys.readouterr()
    assert "mine" in out and "hip-rehab" in out
    assert "warning:" in err and "programs/deep.toml: not valid TOML" in err
    folder = config / "tracker" / "firmware_profiles"
    assert main(["profiles", "--profiles-dir", str(folder)]) == 0
    assert "firmware_profiles/deep.toml: not valid TOML" in capsys.readouterr().err
    assert main(["assess", "protocols", "--protocols", str(config / "tracker" / "protocols")]) == 0
    assert "protocols/deep.toml: not valid TOML" in capsys.readouterr().err


def test_deep_toml_stored_in_a_recording_is_one_line(tmp_path, capsys):
    src = tmp_path / "r.trk"
    with RecordingWriter(
        src, source={"kind": "ble"}, profile_name="p", profile_toml=DEEP_ARRAY
    ) as w:
        w.write_packet(RawPacket(0.1, b"\x55\x51" + bytes(18), "ffe4"))
    assert main(["analyze", str(src)]) == 2
    assert "(stored profile): not valid TOML: nested too deeply" in _one_line(capsys)
    assert main(["export", str(src), "-o", str(tmp_path / "r.csv")]) == 2
    assert "not valid TOML" in _one_line(capsys)
    stored = _trk(tmp_path / "p.trk", meta={"program_toml": DEEP_ARRAY})
    with pytest.raises(InputError, match=r"stored program.*nested too deeply"):
        replay.build(_replay_args(stored))


def _replay_args(path):
    return argparse.Namespace(
        session=str(path), speed=1.0, start=None, program=None, painful_side=None
    )


# -- a recording's header and events of the wrong type --------------------------------


@pytest.mark.parametrize(
    ("meta", "words"),
    [
        ({"rate_hz": "fast"}, "meta.rate_hz must be a number, not 'fast'"),
        ({"acc_range": [16]}, "meta.acc_range must be a number, not a list"),
        ({"gyr_range": {"x": 1}}, "meta.gyr_range must be a number, not a table"),
        ({"min_depth_deg": "deep"}, "meta.min_depth_deg must be a number"),
        ({"min_depth_deg": float("nan")}, "meta.min_depth_deg must be a finite number"),
        ({"painful_leg": 3}, "meta.painful_leg must be left or right"),
        ({"program_toml": ["x"]}, "meta.program_toml must be text"),
        ({"simulated": True, "kind": ["x"]}, "meta.kind must be text"),  # analyze reads it
    ],
)
def test_a_header_value_of_the_wrong_type_is_one_line_everywhere(tmp_path, capsys, meta, words):
    src = _trk(tmp_path / "r.trk", meta=meta)
    for argv in (["analyze", str(src)], ["export", str(src), "-o", str(tmp_path / "o.csv")]):
        assert main(argv) == 2
        err = _one_line(capsys)
        assert f"{src}: the recording's header: {words}" in err
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace("[", r"\[")):
        replay.build(_replay_args(src))


def test_an_event_of_the_wrong_type_is_skipped_with_a_warning(tmp_path, capsys):
    events = [
        ("recalibrate", 2.0, {"after_t_s": "later"}),
        ("battery", 3.0, {"battery_pct": [80]}),
        ("recalibrate", 3.5, {"after_t_s": 3.5}),
    ]
    src = _trk(tmp_path / "r.trk", events=events)
    assert main(["analyze", str(src), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["samples"] == 500
    assert "skipped 2 event(s) with a value of the wrong type" in err
    assert "event 1 ('recalibrate' at t = 2.0 s): after_t_s must be a number" in err
    assert main(["export", str(src), "-o", str(tmp_path / "o.csv")]) == 0
    app = replay.build(_replay_args(src))
    assert [e["kind"] for e in app.driver.player.data.events] == ["recalibrate"]


# -- programs, and numbers that are not numbers ---------------------------------------


@pytest.mark.parametrize(
    "line", ["rest_s = nan", "rest_s = inf", "descent_s = inf", "hold_s = -inf", "sets = true"]
)
def test_a_program_number_must_be_finite_as_in_protocols_and_profiles(line):
    text = PROGRAM.replace("rest_s = 30", line)
    with pytest.raises(InputError, match=f"step\\[1\\].{line.split()[0]}: must be"):
        load_program_text(text, "p.toml")


def test_min_depth_must_be_a_finite_angle(capsys):
    for bad in ("nan", "inf", "0", "200", "deep"):
        with pytest.raises(SystemExit) as stop:
            main(["analyze", "recordings/balance.trk", "--min-depth", bad])
        assert stop.value.code == 2 and "--min-depth" in _one_line(capsys)


# -- where the output goes ----------------------------------------------------------


def test_export_to_a_pipe_or_a_device_writes_into_it(tmp_path, capsys):
    """The CSV was written beside the target and renamed over it: a FIFO, or /dev/null
    when run as root, became a regular file."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["export", "recordings/balance.trk", "-o", str(fifo)]) == 0
    reader.join(10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "still a pipe"
    assert got and got[0].count(b"\n") > 5000
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert main(["export", "recordings/balance.trk", "-o", str(link)]) == 0
    assert link.is_symlink() and real.read_text().count("\n") > 5000


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "recordings/balance.trk", "--json"],
        ["export", "recordings/balance.trk", "-o", "-"],
        ["decode", "witmotion-bwt901ble5", "55 51" + " 00" * 17 + " a6", "--json"],
    ],
    ids=["analyze", "export", "decode"],
)
def test_a_full_stdout_is_one_line_and_exit_1(argv):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "tracker.cli", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert done.stderr == "tracker: could not write the output: No space left on device\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["profiles", "--profiles-dir", "/nonexistent"],
        ["decode", "nus-csv", "00", "--profiles-dir", "/nonexistent"],
        ["scan", "--simulate", "--profiles-dir", "/nonexistent"],
        ["assess", "protocols", "--protocols", "recordings/balance.trk"],
        ["report", "1", "--protocols", "/nonexistent"],
    ],
)
def test_a_folder_option_that_is_no_folder_is_a_usage_error(capsys, argv):
    """A mistyped --profiles-dir was ignored without a word."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = _one_line(capsys)
    assert "no such folder: /nonexistent" in err or "not a folder: recordings/balance.trk" in err


# -- long files ---------------------------------------------------------------------


def test_analyze_and_export_read_a_recording_piece_by_piece(tmp_path, monkeypatch, capsys):
    """analyze and export held the whole file (a 10-hour CSV took 374 MB, the .trk 564 MB):
    they now read as they go, and say the same."""
    from tracker.commands.analyze import analyze
    from tracker.files import interchange
    from tracker.files import replay as replay_source
    from tracker.files.recording import Recording

    packets = "recordings/squat-workout.trk"
    samples = _trk(tmp_path / "samples.trk")
    csv = tmp_path / "s.csv"
    assert main(["export", packets, "-o", str(csv)]) == 0
    before = {p: analyze(p) for p in (packets, samples, csv)}
    exported = csv.read_text()

    def whole(*args, **kwargs):
        raise AssertionError("read whole")

    monkeypatch.setattr(interchange, "read_csv", whole)
    monkeypatch.setattr(replay_source, "load_replay", whole)
    monkeypatch.setattr(Recording, "sample_blocks", whole)
    monkeypatch.setattr(Recording, "packets", whole)
    for path, summary in before.items():
        assert analyze(path) == summary
        assert main(["export", str(path), "-o", str(tmp_path / "again.csv")]) == 0
    assert main(["export", packets, "-o", str(tmp_path / "again.csv")]) == 0
    assert (tmp_path / "again.csv").read_text() == exported


def test_samples_that_are_not_numbers_are_skipped_with_a_warning_not_taken(tmp_path, capsys):
    """analyze took NaN and infinite samples with numpy RuntimeWarnings (export refused the
    file): both now skip them and say so."""
    block = _block()
    acc = block.acc.copy()
    acc[100:110] = np.nan
    acc[200, 1] = np.inf
    src = tmp_path / "nan.trk"
    with RecordingWriter(src, source={"kind": "simulated"}) as w:
        w.write_samples(ImuBlock(block.t_s, acc, block.gyr))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(["analyze", str(src), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["samples"] == 489
    assert "skipped 11 sample(s) whose values are not finite numbers" in err
    assert main(["export", str(src), "-o", str(tmp_path / "nan.csv")]) == 0
