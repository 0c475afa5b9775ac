"""Programs: the shipped hip-rehab program, validation naming file and key, user overrides."""

from __future__ import annotations

import pytest

from tracker.cli import main
from tracker.core.errors import InputError
from tracker.workout.programs import get_program, leg_of, load_program_text, load_programs

MINIMAL = """
name = "mine"
[[step]]
name = "Squats"
kind = "reps"
"""


def test_hip_rehab_has_the_sheets_exercises():
    program = get_program("hip-rehab", extra_dirs=[])
    steps = {s.name: s for s in program.steps}
    mini = steps["Slow single-leg mini-squats"]
    assert (mini.kind, mini.sets, mini.reps, mini.sides) == ("reps", 5, 10, "alternate")
    assert mini.first_side == "painful" and mini.sensor == "working"
    assert mini.descent_s == 3.0 and mini.wobble_max_deg is not None
    assert [mini.side_of_set(i) for i in range(5)] == ["painful", "good"] * 2 + ["painful"]
    balance = steps["Stand on one leg"]
    assert balance.kind == "balance" and balance.hold_s == 60
    assert steps["Squat toward 90°"].depth_deg == 90
    assert steps["Side lunge"].sides == "each"
    for name in ("Internal-rotation stretch", "External-rotation stretch"):
        assert steps[name].kind == "hold" and steps[name].hold_s == 120
        assert steps[name].position == "lying" and steps[name].not_judged
    bridges = steps["Bridges"]
    assert (bridges.hold_s, bridges.hold_max_s, bridges.reps) == (2, 5, 15)
    assert bridges.position == "lift"


def test_every_shipped_program_says_what_is_judged():
    for program in load_programs(extra_dirs=[]).values():
        for step in program.steps:
            assert step.judged_text and step.cue, (program.name, step.name)


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        (MINIMAL + "rep = 3\n", 6, "step[1].rep"),
        (MINIMAL + "sets = 'five'\n", 6, "step[1].sets"),
        (MINIMAL + "sets = 0\n", 6, "step[1].sets"),
        (MINIMAL + "sides = 'middle'\n", 6, "step[1].sides"),
        (MINIMAL + "depth_range_deg = [30, 10]\n", 6, "step[1].depth_range_deg"),
        ('name = "x"\n[[step]]\nname = "a"\n', 2, "step[1].kind"),  # its table's line
        ('name = "x"\ncolour = 1\n[[step]]\nname = "a"\nkind = "reps"\n', 2, "colour"),
        ('name = "x"\n', 1, "step"),
        ('name = "bad name"\n[[step]]\nname = "a"\nkind = "reps"\n', 1, "name"),
    ],
)
def test_validation_names_file_line_and_key(text, line, key):
    with pytest.raises(InputError) as info:
        load_program_text(text, "/some/where/prog.toml")
    message = info.value.one_line()
    assert message.startswith(f"/some/where/prog.toml:{line}: {key}:"), message
    assert info.value.exit_status == 2


def test_not_toml_is_one_line_error():
    with pytest.raises(InputError, match=r"prog.toml: not valid TOML"):
        load_program_text("[[step]\n", "prog.toml")


def test_user_program_replaces_shipped_one(tmp_path):
    shipped = get_program("hip-rehab", extra_dirs=[])
    text = shipped.text.replace("sets = 5\n", "sets = 3\n", 1)
    (tmp_path / "my-copy.toml").write_text(text, encoding="utf-8")
    mine = get_program("hip-rehab", extra_dirs=[tmp_path])
    assert mine.file == str(tmp_path / "my-copy.toml")
    assert mine.steps[0].sets == 3 and shipped.steps[0].sets == 5


def test_program_from_a_path_and_its_name(tmp_path):
    path = tmp_path / "evening.toml"
    path.write_text(MINIMAL.replace('name = "mine"\n', ""), encoding="utf-8")
    program = get_program(str(path))
    assert program.name == "evening" and program.steps[0].kind == "reps"


def test_unknown_program_lists_the_known_ones():
    with pytest.raises(InputError, match=r"unknown program 'nope' \(known: .*hip-rehab"):
        get_program("nope", extra_dirs=[])


def test_sides():
    step = load_program_text(MINIMAL + "sides = 'each'\nsets = 4\n", "p.toml").steps[0]
    assert [step.side_of_set(i) for i in range(4)] == ["painful", "painful", "good", "good"]
    assert leg_of("painful", "left") == "left" and leg_of("good", "left") == "right"
    assert leg_of(None, "left") is None


def test_bad_program_on_the_command_line_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text(MINIMAL + "reps = -1\n", encoding="utf-8")
    status = main(["live", "--simulate", "--program", str(path), "-o", str(tmp_path / "x.trk")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "broken.toml:6: step[1].reps" in err
