"""`--log FILE`: tracker's and bleak's messages in a file a person can send with a problem."""

from __future__ import annotations

import logging

import tracker
from tracker.cli import main, take_log_option


def test_the_option_may_stand_anywhere():
    assert take_log_option(["scan", "--log", "x.log", "--json"]) == (["scan", "--json"], "x.log")
    assert take_log_option(["--log=y.log", "profiles"]) == (["profiles"], "y.log")
    assert take_log_option(["profiles"]) == (["profiles"], None)


def test_a_simulated_bluetooth_recording_is_logged_step_by_step(tmp_path, capsys):
    log = tmp_path / "tracker.log"
    out = tmp_path / "rec.trk"
    handlers = list(logging.getLogger().handlers)
    argv = ["record", "--simulate", "--speed", "50", "--duration", "2", "-o", str(out)]
    assert main([*argv, "--profile", "witmotion-bwt901ble5", "--log", str(log)]) == 0
    text = log.read_text()
    assert f"INFO tracker: tracker {tracker.__version__}, python" in text and "bleak " in text
    assert "profile witmotion-bwt901ble5" in text  # what the scan saw and matched
    assert "write 0000ffe9-0000-1000-8000-00805f9a34fb ff aa 03 09 00" in text  # 100 Hz
    assert "subscribe 0000ffe4" in text and "connected: WT901BLE" in text
    # bleak's own loggers reach the file too
    assert logging.getLogger("bleak").level == logging.DEBUG
    assert logging.getLogger().handlers == handlers  # the file is closed at the end


def test_a_failure_is_logged_and_an_unwritable_log_is_one_line(tmp_path, capsys):
    log = tmp_path / "t.log"
    assert main(["--log", str(log), "analyze", str(tmp_path / "missing.csv")]) == 2
    assert "ended with status 2" in log.read_text()
    capsys.readouterr()
    assert main(["profiles", "--log", str(tmp_path / "no" / "dir.log")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the log" in err
