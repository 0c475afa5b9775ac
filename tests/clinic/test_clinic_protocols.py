"""Protocol files: the shipped ones load, a clinic's replace them, bad ones name file and key."""

from __future__ import annotations

import pytest

from tracker.clinic.protocols import (
    ProtocolError,
    get_protocol,
    load_protocol_text,
    load_protocols,
)
from tracker.core.errors import InputError

MINIMAL = """
name = "mine"
test = "stance"
[[condition]]
name = "left"
leg = "left"
"""


HEAD = 'name = "x"\ntest = "stance"\n'
COND = '[[condition]]\nname = "a"\nleg = "left"\n'
COND2 = '[[condition]]\nname = "a"\nleg = "right"\n'


def test_shipped_protocols(protocols):
    assert set(protocols) >= {
        "single-leg-stance",
        "four-stage-balance",
        "five-times-sit-to-stand",
        "chair-stand-30s",
    }
    sls = protocols["single-leg-stance"]
    assert (sls.trials, sls.score, sls.max_s, sls.practice_trials) == (3, "best", 45.0, 1)
    assert [(c.leg, c.eyes) for c in sls.conditions] == [
        ("left", "open"),
        ("right", "open"),
        ("left", "closed"),
        ("right", "closed"),
    ]
    four = protocols["four-stage-balance"]
    assert [c.start for c in four.conditions] == ["cue", "cue", "cue", "lift_off"]
    assert all(c.pass_s == 10.0 for c in four.conditions) and four.progression == "until_failed"
    assert protocols["five-times-sit-to-stand"].stands == 5
    assert protocols["chair-stand-30s"].window_s == 30.0
    for p in protocols.values():
        assert p.countdown_s > 0 and p.version >= 1


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        (MINIMAL + "colour = 1\n", 7, "condition[1].colour", "unknown key"),
        (MINIMAL.replace('test = "stance"', 'test = "hop"'), 3, "test", "must be one of"),
        (MINIMAL + "trials = 0\n", 7, None, None),  # placed after the table: belongs to it
        (HEAD + "trials = 0\n" + COND, 3, "trials", "at least 1"),
        (HEAD + "max_s = -3\n" + COND, 3, "max_s", "above 0"),
        (HEAD + '[[condition]]\nname = "a"\n', 3, "condition[1].leg", "single-leg"),
        (HEAD, 1, "condition", "at least one"),
        (HEAD + 'norm = "nope"\n' + COND, 3, "norm", "unknown norm"),
        (HEAD + COND + COND2, 7, "condition[2].name", "twice"),
        (HEAD.replace("x", "a b") + COND, 1, "name", "letters"),
        ("test = [", None, None, "not valid TOML"),
    ],
)
def test_bad_protocols_name_file_line_and_key(text, line, key, words):
    if words is None:
        with pytest.raises(ProtocolError, match=f"^clinic/mine.toml:{line}: .*unknown key"):
            load_protocol_text(text, "clinic/mine.toml")
        return
    with pytest.raises(ProtocolError) as err:
        load_protocol_text(text, "clinic/mine.toml")
    message = err.value.one_line()
    assert message.startswith(f"clinic/mine.toml:{line}: " if line else "clinic/mine.toml: ")
    assert words in message
    if key:
        assert f": {key}: " in message
    assert err.value.exit_status == 2


def test_a_clinic_protocol_replaces_a_shipped_one(tmp_path, capsys):
    folder = tmp_path / "protocols"
    folder.mkdir()
    (folder / "sls.toml").write_text(
        'name = "single-leg-stance"\ntest = "stance"\nmax_s = 30.0\n'
        '[[condition]]\nname = "eyes open, left"\nleg = "left"\n'
    )
    (folder / "new.toml").write_text(MINIMAL)
    found = load_protocols([folder])
    assert found["single-leg-stance"].max_s == 30.0
    assert found["mine"].conditions[0].name == "left"
    assert found["chair-stand-30s"].window_s == 30.0
    (folder / "again.toml").write_text(MINIMAL)
    assert load_protocols([folder])["mine"].file == str(folder / "again.toml")
    assert "new.toml:2: name: 'mine' is already used" in capsys.readouterr().err  # skipped


def test_unknown_names_list_the_known_ones(protocols):
    with pytest.raises(InputError, match="known: chair-stand-30s"):
        get_protocol("nope", extra_dirs=[])
    with pytest.raises(InputError, match="'eyes open, left'"):
        protocols["single-leg-stance"].condition("eyes half open")
