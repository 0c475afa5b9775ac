"""Published reference values of the clinic tests, their sources, and the smallest real change.

Every figure names its source and how directly it was checked (``quality``): "primary"
when read in the paper's own abstract or table, "secondary" when only reproductions were
found. docs/clinic.md lists them all. No norm exists for thigh sway: its measures are
compared with the same person's earlier visits only (never with trunk or force-plate norms).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.files.history import parse_age_band


@dataclass(frozen=True)
class Source:
    key: str
    text: str  # the reference, as cited
    quality: str  # primary | secondary
    note: str = ""


SOURCES = {
    s.key: s
    for s in (
        Source(
            "springer2007",
            "Springer BA, Marin R, Cyhan T, Roberts H, Gill NW. Normative values for the "
            "unipedal stance test with eyes open and closed. J Geriatr Phys Ther. "
            "2007;30(1):8-15. doi:10.1519/00139143-200704000-00003",
            "secondary",
            "Best of three trials, 45 s limit, n = 549 healthy adults; the paper's table was "
            "not available: eyes-open values are the rounded, sex-pooled figures reproduced "
            "by secondary sources, eyes-closed values the women's and men's means reproduced "
            "by a secondary source. Check against the paper before clinical use.",
        ),
        Source(
            "bohannon2006",
            "Bohannon RW. Reference values for the five-repetition sit-to-stand test: a "
            "descriptive meta-analysis of data from elders. Percept Mot Skills. "
            "2006;103(1):215-222. doi:10.2466/pms.103.1.215-222",
            "primary",
            "From the abstract: times above these are worse than average for the age.",
        ),
        Source(
            "rikli1999",
            "Rikli RE, Jones CJ. Functional fitness normative scores for community-residing "
            "older adults, ages 60-94. J Aging Phys Act. 1999;7(2):162-181",
            "secondary",
            "Normal range = 25th-75th percentile, as reproduced from the paper and the Senior "
            "Fitness Test Manual by secondary sources; two reproductions differ for men "
            "65-69 (12-18 or 13-18) and 85-89 (8-14 or 8-13): the wider range is used.",
        ),
        Source(
            "cdc_steadi",
            "Centers for Disease Control and Prevention. STEADI: Assessment, the 4-Stage "
            "Balance Test. Atlanta (GA): CDC",
            "secondary",
            "A criterion, not an age norm: an older adult who cannot hold the tandem stance "
            "for 10 s is at increased risk of falling.",
        ),
        Source(
            "goldberg2011",
            "Goldberg A, Casby A, Wasielewski M. Minimum detectable change for single-leg-"
            "stance-time in older adults. Gait Posture. 2011;33(4):737-739",
            "primary",
            "MDC95 24.1 s (SEM 8.7 s) in 25 community-dwelling adults aged 60-89.",
        ),
        Source(
            "goldberg2012",
            "Goldberg A, Chavis M, Watkins J, Wilson T. The five-times-sit-to-stand test: "
            "validity, reliability and detectable change in older females. Aging Clin Exp "
            "Res. 2012;24(4):339-344. doi:10.1007/BF03325265",
            "primary",
            "MDC95 2.5 s (SEM 0.9 s) in 29 women, mean age 73.6.",
        ),
        Source(
            "gill2022",
            "Gill S, Hely R, Page RS, Hely A, Harrison B, Landers S. Thirty second chair "
            "stand test: test-retest reliability, agreement and minimum detectable change in "
            "people with early-stage knee osteoarthritis. 2022",
            "primary",
            "MDC for an individual about 2.5 stands, 93 people with early knee "
            "osteoarthritis (from the abstract); no figure for healthy older adults was found.",
        ),
    )
}


@dataclass(frozen=True)
class Row:
    """A reference value for ages ``lo``-``hi`` (and a sex, or both)."""

    lo: int
    hi: int
    value: float | None = None  # mean or threshold
    low: float | None = None  # normal range
    high: float | None = None
    sex: str | None = None


@dataclass(frozen=True)
class Norm:
    """A published reference: what it is (``kind``) and for which measure."""

    key: str
    title: str
    measure: str  # hold_s | time_s | count
    kind: str  # mean | worse_above | range | criterion_below
    rows: tuple[Row, ...]
    source: str


def _rows(bands, values, sex=None):
    return tuple(Row(lo, hi, value=v, sex=sex) for (lo, hi), v in zip(bands, values, strict=True))


_SPRINGER_BANDS = ((18, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 120))
_RIKLI_BANDS = ((60, 64), (65, 69), (70, 74), (75, 79), (80, 84), (85, 89), (90, 94))
_RIKLI = {
    "female": ((12, 17), (11, 16), (10, 15), (10, 15), (9, 14), (8, 13), (4, 11)),
    "male": ((14, 19), (12, 18), (12, 17), (11, 17), (10, 15), (8, 14), (7, 12)),
}

NORMS: dict[str, Norm] = {
    n.key: n
    for n in (
        Norm(
            "unipedal_eyes_open",
            "Unipedal stance, eyes open, best of 3 (mean of healthy adults)",
            "hold_s",
            "mean",
            _rows(_SPRINGER_BANDS, (44, 41, 41, 32, 21, 9)),
            "springer2007",
        ),
        Norm(
            "unipedal_eyes_closed",
            "Unipedal stance, eyes closed, best of 3 (mean of healthy adults)",
            "hold_s",
            "mean",
            _rows(_SPRINGER_BANDS, (13.1, 13.5, 7.9, 3.6, 3.7, 2.1), "female")
            + _rows(_SPRINGER_BANDS, (16.9, 12.0, 8.6, 5.1, 2.6, 1.8), "male"),
            "springer2007",
        ),
        Norm(
            "five_times_sts",
            "Five-times sit-to-stand (worse than average above)",
            "time_s",
            "worse_above",
            _rows(((60, 69), (70, 79), (80, 89)), (11.4, 12.6, 14.8)),
            "bohannon2006",
        ),
        Norm(
            "chair_stand_30s",
            "30-second chair stand (normal range, 25th-75th percentile)",
            "count",
            "range",
            tuple(
                Row(lo, hi, low=a, high=b, sex=sex)
                for sex, ranges in _RIKLI.items()
                for (lo, hi), (a, b) in zip(_RIKLI_BANDS, ranges, strict=True)
            ),
            "rikli1999",
        ),
        Norm(
            "tandem_10s",
            "Tandem stance (fall risk if held under 10 s)",
            "hold_s",
            "criterion_below",
            (Row(60, 120, value=10.0),),
            "cdc_steadi",
        ),
    )
}

# The smallest real change of a condition's score, for trends: (value, unit, source).
SMALLEST_REAL_CHANGE = {
    "stance": (24.1, "s", "goldberg2011"),
    "five_times_sts": (2.5, "s", "goldberg2012"),
    "chair_stand_30s": (2.5, "stands", "gill2022"),
}
NO_SRC = {
    "stance_two_feet": "no published smallest real change for the four-stage balance test",
    "sway": "thigh sway has no published norm and no smallest real change",
}


def smallest_real_change(test: str, *, single_leg: bool = True) -> tuple[float, str, str] | None:
    """(value, unit, source key) of a test's smallest real change, or None when none is
    published (stances on two feet, thigh sway)."""
    if test == "stance" and not single_leg:
        return None
    return SMALLEST_REAL_CHANGE.get(test)


def compare(key: str, value: float | None, *, age_band: str, sex: str | None = None) -> dict:
    """Compare a condition's score with the published reference ``key``.

    Returns a dict: ``norm``, ``reference`` (the figure shown), ``verdict`` (plain words,
    or None when there is nothing to compare), ``source`` (a ``SOURCES`` key) and
    ``quality``. The age band must fall inside one of the reference's bands; sex picks the
    row where the reference has one per sex (both are shown when it is not recorded).
    """
    norm = NORMS[key]
    source = SOURCES[norm.source]
    out = {"norm": key, "title": norm.title, "source": norm.source, "quality": source.quality}
    lo, hi = parse_age_band(age_band)
    rows = [r for r in norm.rows if r.lo <= lo and hi <= r.hi]
    if sex in ("female", "male") and any(r.sex for r in rows):
        rows = [r for r in rows if r.sex == sex]
    if not rows:
        return out | {"reference": None, "verdict": f"no reference for ages {age_band}"}
    out["reference"] = "; ".join(_describe(norm, r) for r in rows)
    if value is None:
        return out | {"verdict": None}
    out["verdict"] = _verdict(norm, rows, value)
    return out


def _describe(norm: Norm, r: Row) -> str:
    who = f"{r.sex}s " if r.sex else ""
    ages = f"{r.lo}+" if r.hi >= 120 else f"{r.lo}-{r.hi}"
    unit = " s" if norm.measure != "count" else " stands"
    if norm.kind == "range":
        return f"{who}{ages}: {r.low:g}-{r.high:g}{unit}"
    if norm.kind == "mean":
        return f"{who}{ages}: mean {r.value:g}{unit}"
    if norm.kind == "worse_above":
        return f"{ages}: {r.value:g}{unit}"
    return f"{r.value:g}{unit}"


def _verdict(norm: Norm, rows: list[Row], value: float) -> str:
    if norm.kind == "range":
        if all(value < r.low for r in rows):
            return "below the normal range"
        if all(value > r.high for r in rows):
            return "above the normal range"
        if all(r.low <= value <= r.high for r in rows):
            return "within the normal range"
        return "depends on sex (not recorded)"
    if norm.kind == "mean":
        if all(value >= r.value for r in rows):
            return "at or above the mean of healthy adults"
        if all(value < r.value for r in rows):
            return "below the mean of healthy adults"
        return "depends on sex (not recorded)"
    if norm.kind == "worse_above":
        return "worse than average" if value > rows[0].value else "average or better"
    return "increased risk of falling" if value < rows[0].value else "criterion met"
