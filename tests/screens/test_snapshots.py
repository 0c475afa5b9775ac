"""SVG snapshots of the key screens, from replays of the recordings in recordings/.

Update after a deliberate change of the screens: ``pytest tests/screens --snapshot-update``
(and look at the new SVGs before committing them).
"""

from __future__ import annotations

import pytest

from .helpers import PROGRAM, Screenshots, replay_app

MINI = "recordings/rehab-mini-squats.trk"
BALANCE = "recordings/balance.trk"


def paused_at(path, start_s, **kwargs):
    """A replay paused at ``start_s``, and a ``run_before`` waiting until it is shown."""
    app = replay_app(path, start=start_s, playing=False, **kwargs)
    shots = Screenshots(app)

    async def run_before(pilot):
        await shots.until(
            lambda s: bool(s.views) and abs(s.views[-1].replay.position_s - start_s) < 0.05
        )
        await pilot.pause()

    return app, run_before


@pytest.fixture
def balance_program(tmp_path):
    head, _, balance = PROGRAM.split("[[step]]")
    path = tmp_path / "balance.toml"
    path.write_text(head + "[[step]]" + balance, encoding="utf-8")
    return path


def test_workout_screen_80x24(snap_compare):
    app, run_before = paused_at(MINI, 82.0)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_workout_screen_200x50(snap_compare):
    app, run_before = paused_at(MINI, 82.0)
    assert snap_compare(app, terminal_size=(200, 50), run_before=run_before)


def test_rest_screen_80x24(snap_compare):
    app, run_before = paused_at(MINI, 112.0)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_balance_screen_80x24(snap_compare, balance_program):
    app, run_before = paused_at(BALANCE, 30.0, program=balance_program)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_help_screen_80x24(snap_compare):
    app, run_before = paused_at(MINI, 82.0)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before, press=["?"])


def test_summary_screen_80x24(snap_compare, balance_program):
    app = replay_app(BALANCE, start=45.0, playing=True, program=balance_program, speed=300.0)
    shots = Screenshots(app)

    async def run_before(pilot):
        end = app.driver.player.data.end_s
        await shots.until(lambda s: bool(s.views) and s.views[-1].replay.position_s >= end)
        await pilot.pause()  # the end of the session comes next: the summary screen
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
