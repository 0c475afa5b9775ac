"""Published reference values: lookups by age band and sex, verdicts, sources."""

from __future__ import annotations

import pytest

from tracker.clinic.norms import NORMS, SOURCES, compare, parse_age_band, smallest_real_change
from tracker.core.errors import InputError


def test_age_bands():
    assert parse_age_band("65-69") == (65, 69)
    assert parse_age_band(" 80+ ") == (80, 120)
    assert parse_age_band("72") == (72, 72)
    for bad in ("old", "70-60", "130", "-5", "60-"):
        with pytest.raises(InputError, match="age band"):
            parse_age_band(bad)


def test_every_norm_names_a_source_and_has_rows():
    for norm in NORMS.values():
        assert norm.source in SOURCES and norm.rows
    assert {s.quality for s in SOURCES.values()} <= {"primary", "secondary"}


@pytest.mark.parametrize(
    ("key", "value", "band", "sex", "reference", "verdict"),
    [
        ("unipedal_eyes_open", 35.0, "65-69", None, "60-69: mean 32 s", "at or above"),
        ("unipedal_eyes_open", 15.0, "75-79", None, "70-79: mean 21 s", "below the mean"),
        (
            "unipedal_eyes_closed",
            4.0,
            "60-64",
            None,
            "females 60-69: mean 3.6 s; males",
            "depends on sex",
        ),
        ("unipedal_eyes_closed", 4.0, "60-64", "male", "males 60-69: mean 5.1 s", "below"),
        ("five_times_sts", 12.0, "70-74", None, "70-79: 12.6 s", "average or better"),
        ("five_times_sts", 15.0, "80-84", None, "80-89: 14.8 s", "worse than average"),
        (
            "chair_stand_30s",
            11,
            "65-69",
            "female",
            "females 65-69: 11-16 stands",
            "within the normal",
        ),
        ("chair_stand_30s", 11, "65-69", "male", "males 65-69: 12-18 stands", "below the normal"),
        (
            "chair_stand_30s",
            20,
            "90-94",
            "female",
            "females 90-94: 4-11 stands",
            "above the normal",
        ),
        ("tandem_10s", 6.0, "70-74", None, "10 s", "increased risk of falling"),
    ],
)
def test_comparisons(key, value, band, sex, reference, verdict):
    out = compare(key, value, age_band=band, sex=sex)
    assert out["reference"].startswith(reference) and verdict in out["verdict"]
    assert out["source"] in SOURCES


def test_no_reference_outside_the_published_ages():
    assert compare("five_times_sts", 9.0, age_band="40-44")["reference"] is None
    assert compare("chair_stand_30s", 12, age_band="55-64")["reference"] is None  # spans bands
    assert "no reference" in compare("five_times_sts", 9.0, age_band="90+")["verdict"]


def test_smallest_real_changes():
    assert smallest_real_change("stance") == (24.1, "s", "goldberg2011")
    assert smallest_real_change("five_times_sts")[0] == 2.5
    assert smallest_real_change("chair_stand_30s")[0] == 2.5
    assert smallest_real_change("stance", single_leg=False) is None
