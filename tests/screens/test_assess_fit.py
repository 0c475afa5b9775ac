"""Every assessment screen fits 80x24 with nothing cut, and wrapped lines hang under their text.

The shipped protocols run on the simulated patient, its samples handed over by hand (as
fast as the machine goes, the same every run); each screen is checked as it is shown.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rich.text import Text
from textual.content import Content

from tracker.clinic.norms import NORMS, compare
from tracker.clinic.protocols import load_protocol_file, shipped_dir
from tracker.files.history import History
from tracker.screens.clinic.widgets import SHORT_VERDICT, norm_text
from tracker.screens.text import KEY_LEAD, Hanging, fitting
from tracker.sim.patient import SimulatedPerson

from .assess_helpers import Watch, assess_app, feed_until
from .helpers import not_whole

SHIPPED = ("four-stage-balance", "five-times-sit-to-stand", "chair-stand-30s", "single-leg-stance")
NOTES = "knee pain on the left since March; walks with a stick outdoors; lives alone, a daughter"


def _protocol(name: str):
    return load_protocol_file(shipped_dir() / f"{name}.toml")


def _running(driver) -> bool:
    return driver.assessment.state.phase == "running"


def _ended(driver) -> bool:
    return not driver.trial_running


async def _whole(watch, pilot, where: str) -> None:
    """Let the screen draw what it was handed, then check nothing on it is cut."""
    await pilot.pause()
    cut = not_whole(watch.app.screen)
    assert not cut, (where, cut)


async def _drawn(watch, driver, pred) -> None:
    """Hand the screen a view of now and wait until it has shown one where ``pred`` holds."""
    driver.show()
    await watch.until(lambda w: w.view is not None and w.state is not None and pred(w.state))


async def _trial(watch, pilot, driver, person, name: str, *, practice: bool = False) -> None:
    """One trial: checked while it runs and with its result."""
    driver.start(practice=practice)
    feed_until(driver, person, _running)
    await _drawn(watch, driver, lambda s: s.phase == "running")
    await _whole(watch, pilot, f"{name}: running")
    feed_until(driver, person, _ended)
    await _drawn(watch, driver, lambda s: s.phase in ("result", "done"))
    await _whole(watch, pilot, f"{name}: result")


async def test_every_assess_screen_fits_80x24(tmp_path):
    db = tmp_path / "h.sqlite3"
    with History.open(db) as h:
        h.add_patient("P-0042", age_band="65-69", sex="female", notes=NOTES)
    person = SimulatedPerson(_protocol(SHIPPED[0]), seed=5, ending="foot_down")
    app = assess_app(db, "--simulate", person=person, open_source=False)
    watch = Watch(app)
    driver = app.driver
    async with app.run_test(size=(80, 24)) as pilot:
        await watch.screen(pilot, "PatientScreen")
        await _whole(watch, pilot, "patients")  # a long note wraps in its column
        watch.press("n")
        await watch.screen(pilot, "NewPatientScreen")
        await _whole(watch, pilot, "new patient")
        watch.fill(pid="P-0043", age="70-79")  # no sex: a sex-specific norm shows both
        watch.press("enter")
        await watch.screen(pilot, "ProtocolScreen")
        await _whole(watch, pilot, "protocols")
        for name in SHIPPED:
            app.protocol_chosen(name)
            await watch.screen(pilot, "TrialScreen")
            await _drawn(watch, driver, lambda s, n=name: s.protocol == n)
            await _whole(watch, pilot, f"{name}: set-up")
            if name == "single-leg-stance":  # the norm for each sex, a verdict on both
                driver.select("eyes closed, left")
                await _drawn(watch, driver, lambda s: s.condition == "eyes closed, left")
                await _whole(watch, pilot, f"{name}: eyes closed")
                watch.press("c")
                await watch.screen(pilot, "ConditionScreen")
                await _whole(watch, pilot, "conditions")
                watch.press("escape")
                await watch.screen(pilot, "TrialScreen")
            practice = driver.protocol.practice_trials > 0
            await _trial(watch, pilot, driver, person, name, practice=practice)
            while driver.assessment.state.phase == "result" and name == SHIPPED[0]:
                driver.next()  # every stage of the four-stage test, to its end
                if driver.assessment.state.phase != "done":
                    await _trial(watch, pilot, driver, person, name)
            if practice:
                await _trial(watch, pilot, driver, person, name)
        driver.start()  # the clinician ends it: the reasons asked for
        feed_until(driver, person, _running)
        await _drawn(watch, driver, lambda s: s.phase == "running")
        watch.press("e")
        await watch.screen(pilot, "ReasonScreen")
        await _whole(watch, pilot, "reason")
        watch.press("escape")
        await watch.screen(pilot, "TrialScreen")
        watch.press("question_mark")
        await watch.screen(pilot, "ClinicHelpScreen")
        await _whole(watch, pilot, "help")
        watch.press("escape")
        await watch.screen(pilot, "TrialScreen")
        feed_until(driver, person, _ended)
        await _drawn(watch, driver, lambda s: s.phase == "result")
        watch.press("v")
        await watch.screen(pilot, "ResultsScreen")
        await _whole(watch, pilot, "results")
        shown = {
            t.id: [str(c.label) for c in t.columns.values()] for t in app.screen.query(".results")
        }
        watch.press("q")
    # the chair tests' tables have no thigh sway: it is measured in stances only
    assert "sway RMS°" not in shown["results-five-times-sit-to-stand"]
    assert "sway RMS°" in shown["results-single-leg-stance"]


def _age_bands(norm) -> set[str]:
    bands = {"70-79", "80+", "60-64", "65-69", "70-74", "75-79", "85-89", "90-94", "18-39"}
    return bands | {f"{r.lo}-{r.hi}" for r in norm.rows if r.hi < 120}


@pytest.mark.parametrize("key", sorted(NORMS))
def test_a_norm_line_fits_80_columns_whole(key):
    """Every published norm, for every age band, sex or none, and verdict: the line fits
    78 cells (the summary's) with its words, never cut with an ellipsis."""
    norm = NORMS[key]
    values = [None, *(v / 2 for v in range(0, 121))]
    for age in _age_bands(norm):
        for sex in (None, "female", "male"):
            for value in values:
                try:
                    found = compare(key, value, age_band=age, sex=sex)
                except ValueError:
                    break  # an age band the norm does not cover
                line = norm_text(found, 78)
                assert line.cell_len <= 78 and not line.plain.endswith("…"), line.plain
                if found["verdict"]:
                    short = SHORT_VERDICT.get(found["verdict"], found["verdict"])
                    assert found["verdict"] in line.plain or short in line.plain


def test_a_norm_gives_up_its_source_before_its_words():
    found = compare("unipedal_eyes_closed", 3.0, age_band="70-79", sex=None)
    assert norm_text(found).plain.startswith("Norm (Springer et al. 2007, secondary): females")
    assert norm_text(found, 78).plain == (
        "Norm females 70-79: mean 3.7 s; males 70-79: mean 2.6 s → sex not recorded"
    )
    found = compare("unipedal_eyes_closed", 5.0, age_band="70-79", sex=None)
    assert norm_text(found, 78).plain == (
        "Norm females 70-79: mean 3.7 s; males 70-79: mean 2.6 s → at or above the mean"
    )
    found = compare("unipedal_eyes_closed", 20.0, age_band="18-39", sex=None)  # 2 cells more
    assert norm_text(found, 78).plain == (
        "females 18-39: mean 13.1 s; males 18-39: mean 16.9 s → at or above the mean"
    )
    none = compare("chair_stand_30s", 10, age_band="70-79", sex=None)
    assert (
        norm_text(none, 78).plain
        == "Norm (Rikli & Jones 1999, secondary): no reference for ages 70-79"
    )


def test_fitting_takes_the_first_that_fits_and_cuts_only_the_last():
    long, short = Text("a long line of words"), Text("short")
    assert fitting(20, long, short) is long
    assert fitting(10, long, short) is short
    assert fitting(4, long, short).plain == "sho…"


def _rows(widget) -> list[str]:
    """The rows a widget draws, whole (scrolled out of view or not)."""
    return [strip.text.rstrip() for strip in widget.render_lines(widget.region.reset_offset)]


def _hanging(rows: list[str], first: str, hang: int) -> int:
    """How many rows the row holding ``first`` wrapped onto, asserting that each starts
    ``hang`` cells in from where ``first`` starts."""
    i = next(i for i, row in enumerate(rows) if row.lstrip().startswith(first))
    start = rows[i].index(first)
    n = 0
    for row in rows[i + 1 :]:
        indent = len(row) - len(row.lstrip())
        if not row.strip() or indent <= start:
            break  # a blank row, or the next item
        assert indent == start + hang, (rows[i], row)
        n += 1
    return n


def test_a_key_list_wraps_under_the_keys_description():
    help = Content.from_markup(
        "[b]Keys[/b]\n  e  end the running trial now, with a reason (hands off the hips, eyes "
        "opened…)\nA paragraph of prose wraps at the margin as it always did, never indented."
    )
    assert Hanging(help, lead=KEY_LEAD).wrap(40).plain.split("\n") == [
        "Keys",
        "  e  end the running trial now, with a",
        "     reason (hands off the hips, eyes",
        "     opened…)",
        "A paragraph of prose wraps at the margin",
        "as it always did, never indented.",
    ]


async def test_the_assess_help_hangs_its_keys_at_80x24(tmp_path):
    from tracker.screens.clinic.screens import ClinicHelpScreen

    app = assess_app(tmp_path / "h.sqlite3", "--simulate", open_source=False)
    watch = Watch(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await watch.screen(pilot, "PatientScreen")
        app.push_screen(ClinicHelpScreen())
        await watch.screen(pilot, "ClinicHelpScreen")
        await pilot.pause()
        rows = _rows(app.screen.query_one("#help Static"))
        assert not not_whole(app.screen)
    assert _hanging(rows, "e  end the running", 3) == 1  # under "end", not at the margin
    assert _hanging(rows, "d  discard the running", 3) == 1


async def test_the_workout_summary_hangs_its_sets_at_80x24():
    from tracker.screens.workout.screens import SummaryScreen
    from tracker.workout.drivers import SessionOver

    from .helpers import replay_app

    sets = [
        SimpleNamespace(step_name="Slow single-leg mini-squats", ended="done", text=text)
        for text in (
            "Set 1/3 · right leg: 10/10 reps · depth 30° · slowest #9 6.0 s · fastest #10 "
            "4.7 s · wobble steady 0.3→0.3°",
            "Set 2/3 · right leg: 10/10 reps · depth 18° · slowest #6 6.9 s · fastest #9 "
            "4.5 s · wobble steady 1.5→1.5°",
        )
    ]
    view = SimpleNamespace(simulated=True, coach=SimpleNamespace(summaries=sets))
    coach = {"title": "Hip rehab (short demo)", "sets_done": 2, "sets_planned": 2, "reps": 20}
    history = "Added to your history.\nSlow single-leg mini-squats, right leg (painful): " + (
        "wobble down 40 % since 12 Nov, depth the same, time down up 1.2 s since 12 Nov"
    )
    over = SessionOver("source ended", {"duration_s": 613, "gaps": 3}, coach, history=history)
    app = replay_app("recordings/rehab-mini-squats.trk", start=20.0, playing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(SummaryScreen(over, view))
        await pilot.pause()
        assert type(app.screen).__name__ == "SummaryScreen"
        rows = _rows(app.screen.query_one("#summary Static"))
    # a set's line and a change's line wrap two cells in from their own start
    assert _hanging(rows, "Set 1/3", 2) == 1 and _hanging(rows, "Set 2/3", 2) == 1
    assert _hanging(rows, "Slow single-leg mini-squats, right leg", 2) == 1
