"""`tracker live` without Bluetooth: one line saying what is wrong and how to simulate, exit 1."""

from __future__ import annotations

import importlib

from tracker.cli import build_parser, main
from tracker.commands import live
from tracker.core.errors import DeviceError
from tracker.screens.workout.app import TrackerApp

NO_RADIO = (
    "Bluetooth is not available: no system D-Bus to reach BlueZ (no Bluetooth on this machine, "
    "or a container); `tracker scan --simulate` shows simulated sensors"
)


async def _no_radio(device, profile):
    raise DeviceError(NO_RADIO)


async def test_the_dashboard_closes_itself_when_no_sensor_can_be_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "_ble_source", _no_radio)
    args = build_parser().parse_args(["live", "--db", str(tmp_path / "h.sqlite3")])
    app = live.build(args)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.over.reason == "no sensor" and app.return_code is not None


def test_the_command_says_it_in_one_line(tmp_path, monkeypatch, capsys):
    """Bluetooth that fails once asked (the system bus is there, or not known to be missing)."""
    scan_module = importlib.import_module("tracker.sensors.ble.scan")  # `scan` is also a function
    monkeypatch.setattr(scan_module, "radio_missing", lambda: None)
    monkeypatch.setattr(live, "_ble_source", _no_radio)

    def run_headless(self):  # the app as `run` would leave it, without a terminal
        self.over = type("Over", (), {"reason": "no sensor", "recording": None, "history": None})
        self.view = type("View", (), {"problem": NO_RADIO})

    monkeypatch.setattr(TrackerApp, "run", run_headless)
    assert main(["live", "--db", str(tmp_path / "h.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tracker: Bluetooth is not available")
    assert "without a sensor: tracker live --simulate" in err and "scan --simulate" not in err


def test_without_a_system_bus_no_screen_opens_at_all(tmp_path, monkeypatch, capsys):
    """Known before the dashboard starts: it no longer flashes up for nothing."""
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path / 'no-such-socket'}")

    def never(self):
        raise AssertionError("the dashboard opened")

    monkeypatch.setattr(TrackerApp, "run", never)
    assert main(["live", "--db", str(tmp_path / "h.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no system D-Bus to reach BlueZ" in err
    assert "without a sensor: tracker live --simulate" in err


def test_a_bus_that_is_there_or_not_a_socket_path_is_left_to_bleak(tmp_path, monkeypatch):
    from tracker.sensors.ble.scan import radio_missing

    monkeypatch.setattr("sys.platform", "linux")
    socket = tmp_path / "system_bus_socket"
    socket.touch()
    for address in (f"unix:path={socket}", "unix:abstract=/tmp/dbus-x", "tcp:host=localhost"):
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
        assert radio_missing() is None, address
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path / 'gone'}")
    assert "no system D-Bus" in str(radio_missing())
