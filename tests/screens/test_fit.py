"""The workout screen fits 80x24 with nothing cut, and grows on 200x50."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.cells import cell_len
from rich.text import Text

from tracker.screens.workout.widgets import BigNumber, InfoLine, SetLog, TopBar, TracePlot

from .helpers import Screenshots, not_whole, replay_app

MINI = "recordings/rehab-mini-squats.trk"


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_lines_fit_and_the_counter_grows(size):
    app = replay_app(MINI, start=112.0, playing=False)  # resting after the first set
    shots = Screenshots(app)
    async with app.run_test(size=size) as pilot:
        await shots.until(lambda s: bool(s.views) and s.views[-1].replay.position_s > 111.9)
        await pilot.pause()
        screen = app.screen
        assert not not_whole(screen)
        for widget in (TopBar, SetLog):
            line = screen.query_one(widget)
            text = line.render().plain
            assert text and cell_len(text) <= line.size.width, (widget, text)
        assert "Set 1/5" in screen.query_one(SetLog).render().plain
        labels = screen.query_one(TracePlot).labels(10)
        assert labels[0].endswith("°") and "0°" in labels
        drawn = screen.query_one(BigNumber).render()
        if size == (80, 24):  # Textual's 3-line digits
            assert not isinstance(drawn, Text)
        else:  # a block font at least 10 rows high
            assert isinstance(drawn, Text) and drawn.plain.count("\n") + 1 >= 10


async def test_a_long_bluetooth_error_is_shown_whole():
    app = replay_app(MINI, start=20.0, playing=False)
    shots = Screenshots(app)
    problem = (
        "the sensor stream failed: Bluetooth is not available: no system D-Bus to reach "
        "BlueZ (no Bluetooth on this machine, or a container)"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await shots.until(lambda s: bool(s.views))
        await pilot.pause()
        view = shots.views[-1]
        info = app.screen.query_one(InfoLine)
        info.show(replace(view, problem=problem))
        await pilot.pause()
        lines = [s.text for s in info.render_lines(info.region.reset_offset)]
        shown = " ".join(" ".join(line.split()) for line in lines)
        assert problem in shown
