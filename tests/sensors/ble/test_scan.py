"""`tracker scan`, finding a sensor, and a clear line instead of a traceback without a radio."""

from __future__ import annotations

import asyncio
import json

import pytest
from bleak import BleakScanner
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

from tracker.cli import main
from tracker.core.errors import DeviceError
from tracker.sensors.ble import find_source, scan
from tracker.sim.ble import demo_radio
from tracker.sim.ble.peripheral import advertised_name, simulated_address

from .helpers import NAMES, PROFILES


def test_scan_simulate_lists_one_sensor_per_profile_with_its_profile(capsys):
    assert main(["scan", "--simulate", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [f["profile"] for f in found] == NAMES  # strongest signal first
    for f in found:
        assert f["name"] == advertised_name(PROFILES[f["profile"]], f["address"])
        assert f["address"] == simulated_address(f["profile"]) and f["rssi"] < 0

    assert main(["scan", "--simulate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "ADDRESS", "RSSI", "PROFILE"]
    assert [line.split()[-1] for line in lines[1:]] == NAMES


def test_profile_names_win_over_a_shared_service():
    """Both NUS profiles advertise the Nordic UART Service; the name tells them apart."""
    found = {f.name: f.profile.name for f in _scan()}
    assert found[advertised_name(PROFILES["nus-csv"], simulated_address("nus-csv"))] == "nus-csv"


def _scan():
    return asyncio.run(scan(0.1, PROFILES, demo_radio().transport()))


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (FileNotFoundError(2, "No such file or directory"), "no system D-Bus"),
        (
            BleakBluetoothNotAvailableError(
                "Bluetooth is turned off", BleakBluetoothNotAvailableReason.POWERED_OFF
            ),
            "turned off",
        ),
        (PermissionError(13, "Permission denied"), "permission denied"),
    ],
)
def test_no_radio_is_one_line_and_exit_status_1(monkeypatch, capsys, error, says):
    async def discover(*args, **kwargs):
        raise error

    monkeypatch.setattr(BleakScanner, "discover", discover)
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["scan", "--timeout", "0.1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("tracker: Bluetooth is not available") and says in err


async def test_find_source_by_name_address_or_profile():
    radio = demo_radio()
    transport = radio.transport()
    thingy = simulated_address("nordic-thingy52")
    by_address = await find_source(thingy.lower(), transport=transport, timeout_s=1.0)
    assert by_address.profile.name == "nordic-thingy52" and by_address.address == thingy
    name = advertised_name(PROFILES["movesense"], simulated_address("movesense"))
    by_name = await find_source(name, transport=transport, timeout_s=1.0)
    assert by_name.profile.name == "movesense" and by_name.name == name
    by_profile = await find_source(None, "polar-verity-sense", transport=transport, timeout_s=1.0)
    assert by_profile.address == simulated_address("polar-verity-sense")
    assert by_profile.settings.rate_hz == 52.0
    # a profile named by the person wins over what the advertisement suggests
    forced = await find_source(thingy, "nus-binary", transport=transport, timeout_s=1.0)
    assert forced.profile.name == "nus-binary"
    with pytest.raises(DeviceError, match="was not seen"):
        await find_source("no-such-sensor", transport=transport, timeout_s=0.1)
