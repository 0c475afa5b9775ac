"""Exports: CSV that a spreadsheet cannot turn into formulas, and JSON of everything."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tracker.clinic.export import FORMULA_STARTS, dumps, safe_cell, to_csv, to_json


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_formula_cells_are_neutralised(start):
    text = start + 'HYPERLINK("http://x","y")'
    assert safe_cell(text) == "'" + text


def test_ordinary_cells_pass():
    assert safe_cell("eyes open, left") == "eyes open, left"
    assert safe_cell(-1.5) == -1.5 and safe_cell(3) == 3  # numbers stay numbers
    assert safe_cell(None) == "" and safe_cell(True) == "yes" and safe_cell(float("nan")) == ""


def test_csv_export_of_hostile_text(history, protocols):
    history.add_patient("P1", age_band="65-69", notes="=cmd|' /C calc'!A0")
    v = history.start_visit("P1", notes="+SUM(A1:A9)")
    tid = history.add_trial(
        v,
        protocol="single-leg-stance",
        protocol_version=1,
        condition="eyes open, left",
        practice=False,
        recording_path=None,
        result={
            "value": 12.5,
            "measure": "hold_s",
            "ended_by": "foot_down",
            "start_s": -0.25,
            "sway": {"sway_rms_deg": 0.8},
        },
        complete=True,
    )
    history.discard_trial(tid, "@SUM(1,2)")
    rows = list(csv.DictReader(io.StringIO(to_csv(history))))
    (row,) = rows
    assert row["patient_notes"] == "'=cmd|' /C calc'!A0"
    assert row["visit_notes"] == "'+SUM(A1:A9)"
    assert row["discard_reason"] == "'@SUM(1,2)"
    assert row["value"] == "12.5" and row["start_s"] == "-0.25" and row["sway_rms_deg"] == "0.8"
    for value in row.values():
        assert not value.startswith(("=", "+", "@", "\t", "\r")), value


def test_json_export_has_everything(history, protocols):
    history.add_patient("P1", age_band="65-69")
    v = history.start_visit("P1")
    history.add_trial(
        v,
        protocol="chair-stand-30s",
        protocol_version=1,
        condition="standard chair, arms crossed",
        practice=False,
        recording_path=None,
        result={"value": 12, "measure": "count"},
        complete=True,
    )
    data = json.loads(dumps(to_json(history, protocols=protocols)))
    (patient,) = data["patients"]
    assert patient["patient"]["id"] == "P1"
    (visit,) = patient["visits"]
    (protocol,) = visit["protocols"]
    assert protocol["conditions"][0]["score"] == 12.0
    assert protocol["conditions"][0]["norm"]["source"] == "rikli1999"
    assert dumps({"x": float("nan")}).strip() == '{\n "x": null\n}'
