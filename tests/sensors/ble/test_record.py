"""`tracker record`: headless recording with a status line; kill -9 and Ctrl-C keep the file."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tracker.cli import main
from tracker.commands.record import StatusLine, open_writer, record
from tracker.files.recording import Recording
from tracker.sensors.decode import decode_recording
from tracker.sim.ble import simulated_ble_source

from .helpers import squats

STATUS = re.compile(r"^\s*([\d.]+) s\s+(\d+) samples")


def test_record_simulated_for_a_duration_then_analyze(tmp_path, capsys):
    path = tmp_path / "rec.trk"
    args = ["record", "--simulate", "fast-reps", "--speed", "200", "-o", str(path)]
    assert main([*args, "--duration", "15", "--profile", "movesense"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: ") and "15 s recorded" in out
    assert "connected: Movesense" in err and "Traceback" not in err
    rec = Recording.open(path)
    assert rec.profile_name == "movesense" and "[decoder]" in rec.profile_toml
    assert rec.meta["rate_hz"] == 104.0 and rec.source["kind"] == "simulated"
    # at least the 15 s asked for; at 200x a busy machine stops it seconds of data later
    assert len(decode_recording(rec)) >= 15 * 104 * 0.9
    assert all(p.t_rx_s >= 0 for p in rec.packets())
    assert main(["analyze", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["reps"] and summary["samples"] == len(decode_recording(rec))
    assert os.stat(path).st_mode & 0o077 == 0  # health data: owner only


def test_record_refuses_bad_options_in_one_line(tmp_path, capsys):
    out = str(tmp_path / "x.trk")
    assert main(["record", "--simulate", "--duration", "-1", "-o", out]) == 2
    assert main(["record", "--simulate", "no-such-kind", "-o", out]) == 2
    assert (
        main(
            ["record", "--simulate", "--profile", "polar-verity-sense", "--rate", "100", "-o", out]
        )
        == 2
    )
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith("tracker: ") for line in err)
    assert not (tmp_path / "x.trk").exists()


# `tracker` as a terminal starts it, Ctrl-C delivered: a shell's background job (CI runs the
# suite on the lowest versions as one) starts with SIGINT ignored, and so would the child.
_AS_FROM_A_TERMINAL = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('tracker.cli', run_name='__main__')"
)


def _start(path, *extra):
    cmd = [
        sys.executable,
        "-c",
        _AS_FROM_A_TERMINAL,
        "record",
        "--simulate",
        "squat-workout",
        "--speed",
        "4",
        "--status-every",
        "0.2",
        "-o",
        str(path),
        *extra,
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_samples(proc, at_least: int, timeout_s: float = 60.0) -> int:
    """Read status lines until one reports ``at_least`` samples; that count."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        match = STATUS.match(line)
        if match and int(match.group(2)) >= at_least:
            return int(match.group(2))
        if not line and proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"no status line with {at_least} samples: {proc.stderr.read()}")


@pytest.mark.slow
def test_kill_9_loses_at_most_the_last_second_and_the_file_still_replays(tmp_path, capsys):
    path = tmp_path / "killed.trk"
    proc = _start(path)
    seen = _wait_for_samples(proc, 500)
    time.sleep(1.5)  # what was received by now has been flushed at least once since
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close(), proc.stderr.close()
    rec = Recording.open(path)
    assert len(decode_recording(rec)) >= seen
    assert main(["analyze", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] >= seen


async def test_cancelling_a_recording_stops_the_sensor_and_keeps_the_file(tmp_path):
    source = simulated_ble_source(squats(100.0), profile="nus-binary", speed=20.0)
    path = tmp_path / "cancelled.trk"
    writer = open_writer(path, source)
    task = asyncio.create_task(record(source, writer, StatusLine(io.StringIO())))
    async with asyncio.timeout(20):
        while writer.packets_written < 150:
            await asyncio.sleep(0.02)
    written = writer.packets_written  # however many more a busy machine had queued
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    peripheral = source.peripheral
    assert ("write", b"stop\n") in [(r.op, r.data) for r in peripheral.log]
    assert not peripheral.streaming and peripheral.link is None
    rec = Recording.open(path)
    recorded = [p.payload for p in rec.packets()]
    assert not rec.truncated and len(recorded) >= written >= 150
    assert recorded == [s.payload for s in peripheral.sent[: len(recorded)]]


def test_ctrl_c_stops_the_sensor_and_closes_the_file(tmp_path):
    path = tmp_path / "stopped.trk"
    proc = _start(path)
    _wait_for_samples(proc, 400)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped (Ctrl-C)" in out and "Traceback" not in err
    rec = Recording.open(path)
    assert not rec.truncated and not rec.warnings and len(rec.packets()) >= 400
