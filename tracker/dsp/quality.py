"""What could not be measured, or was measured with doubt, and why: the summary's warnings."""

from __future__ import annotations

import numpy as np

from tracker.types import GRAVITY_M_S2, ImuBlock

# Full scales that IMUs are set to; a reading exactly there was clipped.
ACC_RANGES_M_S2 = tuple(g * GRAVITY_M_S2 for g in (2, 4, 8, 16, 32))
GYR_RANGES_RAD_S = tuple(np.radians(d) for d in (125, 250, 500, 1000, 2000, 4000))
AT_RANGE = 5e-4  # relative tolerance of "exactly at a full scale"
MIN_CLIPPED = 3  # fewer clipped samples than this are not worth a warning


def _at_range(values: np.ndarray, ranges: tuple[float, ...]) -> tuple[np.ndarray, float | None]:
    """Samples with any axis at one of ``ranges``, and the largest range hit."""
    size = np.abs(values)
    hit = np.zeros(len(values), bool)
    largest = None
    for full in ranges:
        at = (np.abs(size - full) <= AT_RANGE * full).any(axis=1)
        if at.any():
            hit |= at
            largest = full
    return hit, largest


class Notices:
    """Collects the warnings of one pipeline run, in order and without repeats."""

    def __init__(self):
        self._lines: list[str] = []
        self._clipped = {"acc": 0, "gyr": 0}
        self._range: dict[str, float] = {}

    def add(self, line: str) -> None:
        if line not in self._lines:
            self._lines.append(line)

    def count_clipped(self, block: ImuBlock) -> None:
        """Count samples the sensor clipped at its range (they read less than happened)."""
        for name, values, ranges in (
            ("acc", block.acc, ACC_RANGES_M_S2),
            ("gyr", block.gyr, GYR_RANGES_RAD_S),
        ):
            hit, largest = _at_range(values, ranges)
            self._clipped[name] += int(np.count_nonzero(hit))
            if largest is not None:
                self._range[name] = max(largest, self._range.get(name, 0.0))

    def lines(self) -> list[str]:
        out = list(self._lines)
        if self._clipped["acc"] >= MIN_CLIPPED:
            g = self._range["acc"] / GRAVITY_M_S2
            out.append(
                f"{self._clipped['acc']} samples reached the accelerometer's range (±{g:.0f} g): "
                "impacts were clipped; the tilt averages over them"
            )
        if self._clipped["gyr"] >= MIN_CLIPPED:
            dps = np.degrees(self._range["gyr"])
            out.append(
                f"{self._clipped['gyr']} samples reached the gyroscope's range (±{dps:.0f} deg/s): "
                "the fastest turns were clipped and corrected from gravity afterwards"
            )
        return out
