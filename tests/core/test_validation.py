"""One validation layer for profiles, programs and protocols: the same rules, and every error
names the file, the line and the key, however deep the key is."""

from __future__ import annotations

import math
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.clinic.protocols import ProtocolError, load_protocol_text
from tracker.core.errors import InputError, ProfileError
from tracker.sensors import profile_file as pf
from tracker.sensors import profiles
from tracker.sensors.catalog import load_profile_text, shipped_dir
from tracker.sensors.decoders import DECODERS
from tracker.workout.programs import load_program_text

PROGRAM = """name = "mine"

[[step]]
name = "Squats"
kind = "reps"

[[step]]
name = "Bridges"
kind = "hold"
position = "lift"
rest_s = 30
"""
PROTOCOL = """name = "mine"
test = "stance"
countdown_s = 3

[[condition]]
name = "left"
leg = "left"

[[condition]]
name = "right"
leg = "right"

[[condition]]
name = "eyes closed"
leg = "left"
eyes = "closed"
"""
METAMOTION = (shipped_dir() / "mbientlab-metamotion.toml").read_text()
WITMOTION = (shipped_dir() / "witmotion-bwt901ble5.toml").read_text()

KINDS = {
    "program": (PROGRAM, load_program_text, InputError),
    "protocol": (PROTOCOL, load_protocol_text, ProtocolError),
    "profile": (WITMOTION, load_profile_text, ProfileError),
}


def _error(kind: str, text: str) -> InputError:
    _, load, error = KINDS[kind]
    with pytest.raises(error) as info:
        load(text, "dir/f.toml")
    assert info.value.exit_status == 2 and info.value.path == "dir/f.toml"
    return info.value


def _line(text: str, at: str) -> int:
    """The number of the first line of ``text`` holding ``at``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if at in line)


# (kind, a line of its text, that line with a float, the key it is)
FLOATS = [
    ("program", "rest_s = 30", "rest_s = {}", "step[2].rest_s"),
    ("protocol", "countdown_s = 3", "countdown_s = {}", "countdown_s"),
    (
        "profile",
        '{ op = "wait", seconds = 0.1 }',
        '{{ op = "wait", seconds = {} }}',
        "commands.start[1].seconds",
    ),
    ("profile", "[3.70, 20]", "[{}, 20]", "battery.percent[7][0]"),
    ("profile", "gap_s = 0.25", "gap_s = {}", "timing.gap_s"),
]


@pytest.mark.parametrize(("kind", "old", "new", "key"), FLOATS)
@given(st.sampled_from([math.nan, math.inf, -math.inf]))
def test_nan_and_inf_are_refused_in_every_kind(kind, old, new, key, value):
    text = KINDS[kind][0]
    assert old in text
    written = {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan")
    bad = text.replace(old, new.format(written), 1)
    error = _error(kind, bad)
    assert error.line == _line(bad, new.format(written)) and error.key == key
    assert f"{key}: must be a finite number, not {value!r}" in error.one_line()


@pytest.mark.parametrize(
    ("kind", "old", "new", "message", "at"),
    [
        (
            "program",
            "rest_s = 30",
            'rest_s = "long"',
            "step[2].rest_s: must be a number, not 'long'",
            "long",
        ),
        (
            "program",
            'kind = "hold"',
            "kind = 3",
            "step[2].kind: must be one of balance, hold, reps, not 3",
            "kind = 3",
        ),
        (
            "protocol",
            "countdown_s = 3",
            "countdown_s = [3]",
            "countdown_s: must be a number, not a list",
            "[3]",
        ),
        (
            "protocol",
            'eyes = "closed"',
            "eyes = true",
            "condition[3].eyes: must be one of closed, open, not True",
            "true",
        ),
        ("profile", "mtu = 23", 'mtu = "23"', "mtu: must be a whole number, not '23'", "mtu"),
        ("profile", "mtu = 23", "mtu = 23.0", "mtu: must be a whole number, not 23.0", "mtu"),
        (
            "profile",
            'command = "0000ffe9-0000-1000-8000-00805f9a34fb"',
            "command = 9",
            "gatt.command: must be text, not 9",
            "command = 9",
        ),
        ("profile", '"WT9011*"', "7", "advertising.names[1]: must be text, not 7", "names = "),
        (
            "profile",
            'source = "register"',
            'source = "solar"',
            "battery.source: must be one of none, standard, register, not 'solar'",
            "solar",
        ),
        (
            "profile",
            'request = "FF AA 27 64 00"\n',
            "",
            "battery.request: missing (expected text)",
            "[battery]",
        ),
        (
            "profile",
            '{ hz = 50, vars = { rrate = "08" } }',
            "{ hz = 50, vars = { rrate = 8 } }",
            "rate.options[1].vars.rrate: must be text, not 8",
            "rrate = 8",
        ),
    ],
)
def test_wrong_types_name_what_was_expected(kind, old, new, message, at):
    text = KINDS[kind][0]
    assert old in text
    bad = text.replace(old, new, 1)
    error = _error(kind, bad)
    assert message in error.one_line(), error.one_line()
    assert error.line == _line(bad, at)


@pytest.mark.parametrize(
    ("kind", "old", "new", "key"),
    [
        ("program", 'position = "lift"', 'position = "lift"\ncolour = 1', "step[2].colour"),
        ("protocol", 'eyes = "closed"', 'eyes = "closed"\nfoot = "left"', "condition[3].foot"),
        (
            "profile",
            '{ offset = 8, type = "i16" }',
            '{ offset = 8, type = "i16", n = 3 }',
            "packets[0].gyr.n",
        ),
        ("profile", 'unit = "V"', 'unit = "V"\ncolour = 1', "battery.colour"),
        ("profile", '[timing]\nsource = "none"', '[timing]\nsourse = "none"', "timing.source"),
    ],
)
def test_unknown_keys_are_refused_at_any_depth(kind, old, new, key):
    bad = KINDS[kind][0].replace(old, new, 1)
    error = _error(kind, bad)
    assert error.key == key
    words = "missing" if key == "timing.source" else "unknown key (misspelt?)"
    assert f": {key}: {words}" in error.one_line()
    assert error.line == _line(bad, "[timing]" if key == "timing.source" else new.split("\n")[-1])


def test_lines_deep_in_arrays_of_tables():
    bad = PROTOCOL.replace('name = "eyes closed"\nleg = "left"', 'name = "eyes closed"\nleg = "up"')
    assert _error("protocol", bad).one_line() == (
        "dir/f.toml:15: condition[3].leg: must be one of any, left, right, sensor, not 'up'"
    )
    bad = PROTOCOL + '\n[[condition]]\nname = "x"\nleg = "left"\nstart = "cue"\npass_s = -1\n'
    assert _error("protocol", bad).one_line() == (
        "dir/f.toml:22: condition[4].pass_s: must be positive (above 0) and at most 3600, not -1"
    )
    bad = PROGRAM + '\n[[step]]\nname = "x"\nkind = "balance"\nposition_deg = [10, 5]\n'
    assert _error("program", bad).one_line() == (
        "dir/f.toml:16: step[3].position_deg: the low end must be below the high end, "
        "not [10.0, 5.0]"
    )
    bad = METAMOTION.replace("{ range = 1000, lsb = 32.8,", "{ range = 1000, lsb = -32.8,")
    error = _error("profile", bad)
    assert (error.line, error.key) == (_line(bad, "lsb = -32.8"), "gyr.ranges[3].lsb")
    bad = METAMOTION.replace('header = "13 05"\nlength = 8\n', 'header = "13 05"\n')
    error = _error("profile", bad)
    fourth = [n for n, line in enumerate(bad.splitlines(), 1) if line == "[[packets]]"][3]
    assert (error.line, error.key) == (fourth, "packets[3].length")
    assert error.one_line().endswith("missing (expected a whole number)")


def test_a_table_where_a_value_belongs_and_the_reverse():
    error = _error("program", PROGRAM.replace("rest_s = 30", "rest_s = { s = 30 }"))
    assert error.one_line().endswith("step[2].rest_s: must be a number, not a table")
    error = _error("protocol", 'test = "stance"\n\n[condition]\nname = "a"\n')
    assert error.one_line() == ("dir/f.toml:3: condition: must be a list of tables, not a table")


def test_the_decoder_options_are_those_of_the_decoders():
    declared = {k: v for k, v in pf.Decoder.__annotations__.items() if k != "name"}
    options = {}
    for decoder in DECODERS.values():
        options.update(decoder.OPTIONS)
    assert set(declared) == set(options)
    for k, kind in options.items():
        assert declared[k] == (
            "str | UnsetType" if kind == "char" else f"{kind.__name__} | UnsetType"
        )


def test_an_option_of_another_decoder_is_refused():
    text = WITMOTION.replace("[timing]", '[decoder]\nname = "fixed"\nref = 99\n\n[timing]', 1)
    error = _error("profile", text)
    assert error.key == "decoder.ref" and "has no option 'ref'" in error.one_line()
    assert error.line == _line(text, "ref = 99")


def test_the_units_are_those_the_profiles_convert():
    assert get_args(pf.AccUnit) == tuple(profiles.ACC_UNITS)
    assert get_args(pf.GyrUnit) == tuple(profiles.GYR_UNITS)
