"""Firmware profiles: the shipped files, validation errors naming file and key, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.core.errors import InputError, ProfileError
from tracker.sensors.catalog import (
    find_profile,
    get_profile,
    load_profile_file,
    load_profile_text,
    load_profiles,
    shipped_dir,
)

SHIPPED = [
    "arduino-science-journal",
    "mbientlab-metamotion",
    "movesense",
    "nordic-thingy52",
    "nus-binary",
    "nus-csv",
    "polar-verity-sense",
    "witmotion-bwt901ble5",
]
WITMOTION = (shipped_dir() / "witmotion-bwt901ble5.toml").read_text()


@pytest.fixture(scope="module")
def profiles():
    return load_profiles([])


def test_every_shipped_profile_loads_with_its_defaults(profiles):
    assert list(profiles) == SHIPPED
    for p in profiles.values():
        assert Path(p.file).name == f"{p.name}.toml"
        settings = p.settings()
        assert settings.rate_hz == p.default_hz
        # every command fills in: no template left, and subscriptions come first
        commands = p.start_commands(settings)
        assert all("{" not in c.data.decode("latin-1") for c in commands)
        data = {pk.char for pk in p.packets}
        data |= {p.options[k] for k in ("data", "control") if k in p.options}
        subscribed = set()
        for c in commands:
            if c.op == "subscribe":
                subscribed.add(c.char)
            elif c.role == "start":
                assert data <= subscribed, f"{p.name}: {c.note} before subscribing"
        assert data and data <= subscribed
        assert any(c.role == "start" for c in commands)


def test_witmotion_keeps_its_non_sig_uuid_base(profiles):
    p = profiles["witmotion-bwt901ble5"]
    assert p.chars["data"] == "0000ffe4-0000-1000-8000-00805f9a34fb"
    assert all(u.endswith("00805f9a34fb") for u in (p.service, *p.chars.values()))


def test_commands_follow_the_vendor_bytes(profiles):
    # Polar ACC start at 52 Hz, 16 bit, 8 g, 3 channels: polar-ble-sdk issue #331
    polar = profiles["polar-verity-sense"].start_commands()
    acc_start = next(c for c in polar if c.role == "start")
    assert acc_start.data.hex(" ") == "02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03"
    # MetaWear acc config 100 Hz ±16 g = 03 03 28 0c (test_accelerometer_bmi160.py test_set_range)
    mw = profiles["mbientlab-metamotion"]
    config = [c.data.hex(" ") for c in mw.start_commands()]
    assert "03 03 28 0c" in config
    # gyro 200 Hz ±2000 deg/s = 13 03 29 00 (test_gyro_bmi160.py test_mbl_mw_gyro_bmi160_set_odr)
    config = [c.data.hex(" ") for c in mw.start_commands(mw.settings(rate_hz=200))]
    assert "13 03 29 00" in config
    # WitMotion 50 Hz return rate: FF AA 03 08 00 between unlock and save (DeviceModel.SetRRate)
    wit = profiles["witmotion-bwt901ble5"]
    writes = [c.data.hex(" ") for c in wit.start_commands(wit.settings(50)) if c.op == "write"]
    assert writes == ["ff aa 69 88 b5", "ff aa 03 08 00", "ff aa 00 00 00"]
    # Movesense subscribe: [1, ref] + "/Meas/IMU6/<rate>"
    ms = profiles["movesense"]
    sub = next(c for c in ms.start_commands(ms.settings(52)) if c.role == "start")
    assert sub.data == bytes([1, 99]) + b"/Meas/IMU6/52"


def test_settings_refuse_what_the_firmware_does_not_offer(profiles):
    with pytest.raises(InputError, match=r"choose from 10, 50, 100, 200"):
        profiles["witmotion-bwt901ble5"].settings(rate_hz=60)
    with pytest.raises(InputError, match=r"choose from 2, 4, 8, 16"):
        profiles["mbientlab-metamotion"].settings(acc_range=3)
    with pytest.raises(InputError, match="fixed"):
        profiles["nordic-thingy52"].settings(acc_range=8)
    mw = profiles["mbientlab-metamotion"].settings(acc_range=4, gyr_range=500)
    assert mw.acc_scale == pytest.approx(1 / 8192)
    assert mw.gyr_scale == pytest.approx(1 / 65.6)


def test_scan_results_match_their_profile(profiles):
    assert find_profile("WT901BLE68", [], profiles).name == "witmotion-bwt901ble5"
    assert find_profile("Polar Sense B36A1A2E", [], profiles).name == "polar-verity-sense"
    by_uuid = find_profile(None, ["326A9000-85CB-9195-D9DD-464CFBBAE75A"], profiles)
    assert by_uuid.name == "mbientlab-metamotion"
    assert find_profile("Some speaker", ["0000110b-0000-1000-8000-00805f9b34fb"], profiles) is None
    # Both DIY profiles advertise the Nordic UART Service: the name decides between them.
    nus = ["6e400001-b5a3-f393-e0a9-e50e24dcca9e"]
    for p in (profiles["nus-csv"], profiles["nus-binary"]):
        name = p.names[0].replace("*", "01")
        assert find_profile(name, nus, profiles).name == p.name


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(InputError) as err:
        get_profile("thingy", [])
    assert "unknown firmware profile 'thingy'" in str(err.value)
    assert "nordic-thingy52" in str(err.value) and err.value.exit_status == 2


def test_a_user_copy_replaces_the_shipped_profile(tmp_path):
    edited = WITMOTION.replace("default_hz = 100", "default_hz = 50")
    (tmp_path / "my-wit.toml").write_text(edited)
    p = get_profile("witmotion-bwt901ble5", [tmp_path])
    assert p.user and p.default_hz == 50 and p.file == str(tmp_path / "my-wit.toml")
    assert get_profile("witmotion-bwt901ble5", []).default_hz == 100


def test_of_two_files_with_one_name_in_a_folder_the_second_is_skipped(tmp_path, capsys):
    (tmp_path / "a.toml").write_text(WITMOTION)
    (tmp_path / "b.toml").write_text(WITMOTION)
    found = load_profiles([tmp_path])
    assert found["witmotion-bwt901ble5"].file == str(tmp_path / "a.toml")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "b.toml") in err and "already used" in err


def test_profile_text_from_a_recording_names_its_origin():
    p = load_profile_text(WITMOTION, "session.trk (stored profile)")
    assert p.name == "witmotion-bwt901ble5" and p.text == WITMOTION
    with pytest.raises(ProfileError, match=r"^session.trk \(stored profile\): not valid TOML"):
        load_profile_text("name = ", "session.trk (stored profile)")


def _error(tmp_path, text: str, at: str | None = None) -> str:
    """The error for ``text``, which must point at the first line holding ``at`` (None: 1)."""
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    message = str(err.value)
    lines = text.splitlines()
    line = 1 if at is None else next(n for n, s in enumerate(lines, 1) if at in s)
    assert message.startswith(f"{path}:{line}: "), message
    assert err.value.exit_status == 2
    return message


@pytest.mark.parametrize(
    ("old", "new", "key", "words", "at"),
    [
        ('name = "witmotion-bwt901ble5"\n', "", "name", "missing", None),
        ('device = "WitMotion', 'devise = "WitMotion', "device", "missing", None),
        (
            'data = "0000ffe4-0000-1000-8000-00805f9a34fb"',
            'data = "ffe4"',
            "gatt.data",
            "short UUIDs are refused",
            'data = "ffe4"',
        ),
        (
            'services = ["0000ffe5-0000-1000-8000-00805f9a34fb"]',
            'services = ["0xFFE5"]',
            "advertising.services",
            "full 128-bit",
            "0xFFE5",
        ),
        (
            "scale = 0.00048828125",
            "scale = -0.00048828125",
            "acc.scale",
            "positive",
            "scale = -0.000",
        ),
        ("scale = 0.06103515625", "scale = 0", "gyr.scale", "positive", "scale = 0  #"),
        (
            '[timing]\nsource = "none"',
            '[decoder]\nname = "witmo"\n\n[timing]\nsource = "none"',
            "decoder.name",
            "unknown decoder 'witmo'",
            '"witmo"',
        ),
        ('axes = ["x", "y", "z"]', 'axes = ["x", "x", "z"]', "acc.axes", "once each", '"x", "x"'),
        (
            "length = 20\nacc",
            "length = 12\nacc",
            "packets[0].gyr.offset",
            "past the length",
            "gyr = { offset",
        ),
        (
            'hex = "FF AA 03 {rrate} 00"',
            'hex = "FF AA 03 {rate} 00"',
            "commands.start[2]",
            "{rate}",
            "{rate}",
        ),
        ("gap_s = 0.25", "gap_s = 0.25\ngap = 1", "timing.gap", "unknown key", "gap = 1"),
        ("length = 20\nacc", "length = 24\nacc", "packets[0].length", "MTU 23", "length = 24"),
    ],
)
def test_validation_errors_name_file_line_and_key(tmp_path, old, new, key, words, at):
    assert old in WITMOTION
    message = _error(tmp_path, WITMOTION.replace(old, new, 1), at)
    assert f": {key}: " in message and words in message, message


def test_a_start_command_before_the_subscription_is_refused(tmp_path):
    start = WITMOTION.index("start = [")
    stop = WITMOTION.index("stop = [")
    reordered = """start = [
  { op = "write", char = "command", hex = "FF AA 69 88 B5", role = "start" },
  { op = "subscribe", char = "data" },
]
"""
    text = WITMOTION[:start] + reordered + WITMOTION[stop:]
    message = _error(tmp_path, text, at='"FF AA 69 88 B5", role = "start"')
    assert ": commands.start[0]: starts streaming before notifications" in message
    assert "0000ffe4-0000-1000-8000-00805f9a34fb" in message


def test_a_range_the_field_cannot_hold_is_a_bad_scale(tmp_path):
    text = (shipped_dir() / "mbientlab-metamotion.toml").read_text()
    text = text.replace("range = 16, lsb = 2048", "range = 16, lsb = 4096")
    message = _error(tmp_path, text, at="range = 16, lsb = 4096")
    assert ": acc.ranges[3].scale: ±16 g" in message and "more than i16 holds" in message


def test_timing_and_layout_must_agree(tmp_path):
    text = WITMOTION.replace('source = "none"', 'source = "counter"\nbits = 16')
    message = _error(tmp_path, text, at="[[packets]]")  # the table that has no stamp
    assert ": packets[0].stamp: timing source 'counter' needs a stamp field" in message


# ------------------------------------------------------------------------ CLI


def test_cli_profiles_json_lists_name_device_file(capsys, tmp_path):
    assert main(["profiles", "--json", "--profiles-dir", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == SHIPPED
    for r in rows:
        assert {"name", "device", "file", "decoder", "rate_hz", "timing"} <= set(r)
        assert Path(r["file"]).is_file()


def test_cli_profiles_show_explains_one(capsys):
    assert main(["profiles", "show", "mbientlab-metamotion"]) == 0
    out = capsys.readouterr().out
    assert "326a9006-85cb-9195-d9dd-464cfbbae75a" in out
    # commands in order: subscribe, configure, route, enable, then start
    for earlier, later in [
        ("1. subscribe notify", "write 03 03 28 0c"),
        ("write 03 1c 01", "write 03 01 01 to command [start]"),
    ]:
        assert out.index(earlier) < out.index(later)
    assert "header 03 1c, 20 bytes, 3 sample(s) every 6 bytes" in out
    assert "±16 g: 0.00048828125 g per LSB (default)" in out
    assert "no device time: nominal rate anchored at the first arrival" in out
    # Honest about where the profile comes from until someone runs it on the sensor.
    assert "tried on real hardware: not yet" in out and "docs/first-sensor.md" in out


def test_cli_profiles_show_json_and_unknown(capsys):
    assert main(["profiles", "show", "polar-verity-sense", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["timing_detail"] == {
        "source": "clock",
        "unit_s": 1e-9,
        "bits": 64,
        "stamp": "last",
        "epoch": "2000-01-01T00:00:00Z",
        "gap_s": None,
    }
    assert [s["op"] for s in shown["start"][:2]] == ["subscribe", "subscribe"]
    assert main(["profiles", "show", "nope"]) == 2
    assert "unknown firmware profile 'nope'" in capsys.readouterr().err


def test_cli_reports_a_broken_user_profile_in_one_line(tmp_path, capsys):
    (tmp_path / "bad.toml").write_text(
        WITMOTION.replace('data = "0000ffe4-0000-1000-8000-00805f9a34fb"', 'data = "ffe4"')
    )
    assert main(["profiles", "--profiles-dir", str(tmp_path)]) == 0  # named, skipped
    out, err = capsys.readouterr()
    line = next(n for n, s in enumerate(WITMOTION.splitlines(), 1) if s.startswith("data = "))
    assert err.count("\n") == 1 and f"bad.toml:{line}: gatt.data:" in err
    assert "Traceback" not in err
    assert "witmotion-bwt901ble5" in out
