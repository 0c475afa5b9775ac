"""The PDF as a clinic files it: every page rendered to an image, every plot with data on it,
the words a person reads (no raw identifiers), the summary, the signature and the set-up."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.cli import main
from tracker.clinic.report import default_report_path, render_pdf, report_data
from tracker.clinic.report_pdf import A4_IN, MARGIN, _Flow, _trend_plot

pdfium = pytest.importorskip("pypdfium2")

PLOT_RGB = np.array([0x1F, 0x5F, 0xA8])  # the colour of every plotted line


CHAIR = "standard chair, arms folded"


def five_times(time_s: float) -> dict:
    return {"value": time_s, "measure": "time_s", "ended_by": "5 stands"}


def _stance_result(hold: float, ended_by: str, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    path = np.cumsum(rng.normal(0, 0.2, (200, 2)), axis=0)
    path -= path.mean(axis=0)
    return {
        "value": hold,
        "measure": "hold_s",
        "ended_by": ended_by,
        "sway": {"sway_rms_deg": 0.9, "sway_path_deg": 20.0},
        "stabilogram": {"rate_hz": 20.0, "x_deg": list(path[:, 0]), "y_deg": list(path[:, 1])},
        "simulated": True,
    }


@pytest.fixture
def full_visit(history, add_result):
    """A full single-leg stance visit (16 trials, one held to the 45 s limit) and two
    five-times sit-to-stand visits (a trend)."""
    history.add_patient("P-7", age_band="70-74", sex="female", notes="Right hip pain.")
    first = history.start_visit("P-7", date="2026-11-10", assessor="A. Clinician")
    n = 0
    for cond in ("eyes open, left", "eyes open, right", "eyes closed, left", "eyes closed, right"):
        for k in range(4):
            n += 1
            capped = cond == "eyes open, left" and k == 2
            history.add_trial(
                first,
                protocol="single-leg-stance",
                protocol_version=1,
                condition=cond,
                practice=k == 0,
                recording_path=None,
                complete=True,
                result=_stance_result(
                    45.0 if capped else 10.0 + n, "time_limit" if capped else "foot_down", n
                ),
            )
    second = history.start_visit("P-7", date="2026-12-01")
    for visit, time_s in ((first, 13.7), (second, 11.0)):
        add_result(history, visit, "five-times-sit-to-stand", CHAIR, five_times(time_s))
    return history, first, second


def _pages(path):
    pdf = pdfium.PdfDocument(str(path))
    pages = []
    for page in pdf:
        image = np.asarray(page.render(scale=1.0).to_pil().convert("RGB")).astype(int)
        pages.append((image, page.get_textpage().get_text_range()))
    return pages


def _plot_pixels(image: np.ndarray, box: tuple) -> int:
    """Pixels of the plotted colour inside an axes box (figure fractions, origin bottom left)."""
    h, w, _ = image.shape
    left, bottom, width, height = box
    x0, x1 = int(left * w), int((left + width) * w)
    y0, y1 = int((1 - bottom - height) * h), int((1 - bottom) * h)
    crop = image[y0:y1, x0:x1]
    return int((np.abs(crop - PLOT_RGB).sum(axis=2) < 60).sum())


def test_every_plot_has_data_and_no_page_is_blank(full_visit, protocols, tmp_path):
    history, first, second = full_visit
    for visit, plots in ((first, 16), (second, 1)):  # 16 stabilograms; one trend
        path = tmp_path / f"visit{visit}.pdf"
        places = render_pdf(report_data(history, visit, protocols), path)
        assert len(places) == plots
        pages = _pages(path)
        assert {p["page"] for p in places} <= set(range(1, len(pages) + 1))
        for place in places:
            image, _ = pages[place["page"] - 1]
            assert _plot_pixels(image, place["box"]) > 30, place
        for image, text in pages:  # more than the running title and page number
            assert len(text.split()) > 40 and (image < 200).any(axis=2).mean() > 0.01


def test_the_words_a_clinic_files(full_visit, protocols, tmp_path):
    history, first, second = full_visit
    path = tmp_path / "r.pdf"
    render_pdf(report_data(history, first, protocols), path)
    text = " ".join(" ".join(t.split()) for _, t in _pages(path))
    for words in (
        "Assessor: A. Clinician",
        "Patient notes: Right hip pain.",
        "Summary for the patient",
        "you held the position ≥ 45 s (limit), where the test stops",
        "≥ 45 s (limit)",
        "a side reached the limit",
        "How the tests were done",
        "Barefoot, arms crossed on the chest",
        "Sensor: left thigh (the stance leg)",
        "the lifted foot came down",
        "Five-times sit-to-stand test",
        "Clinician's comments",
        "Signature:",
    ):
        assert words in text, words
    body = text.split("References")[0]  # a paper's title may use the words
    for raw in ("foot_down", "time_limit", "five-times-sit-to-stand", "single-leg-stance"):
        assert raw not in body, raw
    # the later visit is not in the first visit's trend; the second's report has no stance text
    assert "2026-12-01" not in text
    render_pdf(report_data(history, second, protocols), path)
    text = " ".join(" ".join(t.split()) for _, t in _pages(path))
    assert "Hold time" not in text and "Barefoot" not in text and "Stabilograms" not in text
    assert "13.7 s → 11.0 s, a change of -2.7 s" in text and "a real change" in text


def test_report_and_the_r_key_write_to_the_same_folder(full_visit, capsys):
    history, first, _ = full_visit
    assert main(["report", str(first), "--db", str(history.path)]) == 0
    out = capsys.readouterr().out
    expected = default_report_path(history, history.visit(first))
    assert expected.parent == history.path.parent / "reports"
    assert out.strip() == f"wrote {expected} and {expected.with_suffix('.html')}"
    assert expected.read_bytes().startswith(b"%PDF")


def test_a_trend_to_a_hold_at_the_limit_reads_as_a_bound(capped_visits, protocols, tmp_path):
    history, (_, second) = capped_visits
    path = tmp_path / "r.pdf"
    render_pdf(report_data(history, second, protocols), path)
    text = " ".join(" ".join(t.split()) for _, t in _pages(path))
    assert "2026-02-09 ≥ 45 s (limit) ≥ +6.9 s not known" in text  # the trend table's row
    assert "38.1 s → ≥ 45 s (limit), a change of ≥ +6.9 s; the time limit hides" in text
    assert "45.0 s 6.9 s" not in text and "(+6.9 s)" not in text


def test_a_trend_plot_keeps_every_point_inside_and_clear_of_the_legend(
    history, protocols, add_result
):
    """Five-times times 11.0, 12.0 and 15.4 s: the last beyond the band (11.0 ± 2.5 s), at its
    top right, where the legend was drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    history.add_patient("P-8", age_band="70-74")
    for date, time_s in (("2026-01-12", 11.0), ("2026-02-09", 12.0), ("2026-03-09", 15.4)):
        visit = history.start_visit("P-8", date=date)
        add_result(history, visit, "five-times-sit-to-stand", CHAIR, five_times(time_s))
    data = report_data(history, visit, protocols)
    (series,) = data["trends"]
    assert series["points"][-1]["beyond_src"] is True
    fig = Figure(figsize=A4_IN)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((MARGIN + 0.05, 0.5, 1 - 2 * MARGIN - 0.08, 0.12))  # as the report's
    _trend_plot(ax, series, data)
    canvas.draw()
    renderer = canvas.get_renderer()
    (y0, y1), (x0, x1) = ax.get_ylim(), ax.get_xlim()
    scores = [p["score"] for p in series["points"]]
    margin = 0.075 * (y1 - y0)  # matplotlib's own margin left 4.5 %: a marker on the edge
    assert all(y0 + margin <= v <= y1 - margin for v in scores), (y0, y1, scores)
    assert x0 < -0.1 and x1 > len(scores) - 1 + 0.1
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1  # above the axes: over no data
    for k, v in enumerate(scores):
        assert not legend.contains(*ax.transData.transform((k, v)))


def test_a_heading_is_never_left_alone_at_the_foot_of_a_page(tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(tmp_path / "flow.pdf") as pdf:
        flow = _Flow(plt, pdf, "title")
        flow.y = MARGIN + 0.06  # room for the heading, not for the plot that follows it
        flow.heading("Trends across visits")
        flow.need(0.3)
        on_page = [t.get_text() for t in flow.fig.texts]
        flow.close()
    assert flow.page == 2 and "Trends across visits" in on_page
