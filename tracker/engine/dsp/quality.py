"""What could not be measured, or was measured with doubt, and why: the summary's warnings."""

from __future__ import annotations

import numpy as np

from tracker.core.types import GRAVITY_M_S2, ImuBlock

# Full scales that IMUs are set to; readings held exactly there were clipped.
ACC_RANGES_M_S2 = tuple(g * GRAVITY_M_S2 for g in (2, 4, 8, 16, 32))
GYR_RANGES_RAD_S = tuple(np.radians(d) for d in (125, 250, 500, 1000, 2000, 4000))
AT_RANGE = 5e-4  # relative tolerance of "exactly at a full scale"
MIN_CLIPPED = 3  # fewer clipped samples than this are not worth a warning


def _at_range(values: np.ndarray, ranges: tuple[float, ...]) -> list[tuple[int, float, float]]:
    """(axis, value, range) of each reading at one of ``ranges``."""
    size = np.abs(values)
    # Few readings come near the smallest range: test only those (a bound a little loose,
    # so rounding cannot drop one), in the same order as over the whole block.
    rows, axes = np.nonzero(size >= min(ranges) * (1.0 - 2.0 * AT_RANGE))
    near = size[rows, axes]
    out = []
    for full in ranges:
        at = np.abs(near - full) <= AT_RANGE * full
        out += [
            (int(a), float(values[r, a]), full) for r, a in zip(rows[at], axes[at], strict=True)
        ]
    return out


class Notices:
    """Collects the warnings of one pipeline run, in order and without repeats."""

    def __init__(self):
        self._lines: list[str] = []
        self._told = 0  # lines handed out by `new`
        # Readings at a full scale, by exact value: a clipped sensor repeats the same
        # value there and reads nothing beyond it; a signal passing through does not.
        self._at_range: dict[str, dict[tuple[int, float], int]] = {"acc": {}, "gyr": {}}
        self._largest = {"acc": np.zeros(3), "gyr": np.zeros(3)}  # per axis, |reading|
        self._range: dict[str, float] = {}

    def add(self, line: str) -> None:
        if line not in self._lines:
            self._lines.append(line)

    def new(self) -> list[str]:
        """The lines added since the last call (for a live display)."""
        fresh = self._lines[self._told :]
        self._told = len(self._lines)
        return fresh

    def count_clipped(self, block: ImuBlock) -> None:
        """Count readings at the sensor's range (they read less than happened)."""
        for name, values, ranges in (
            ("acc", block.acc, ACC_RANGES_M_S2),
            ("gyr", block.gyr, GYR_RANGES_RAD_S),
        ):
            if len(values):
                # Each axis's readings made contiguous: numpy reduces across rows slowly.
                largest = np.abs(np.ascontiguousarray(values.T)).max(axis=1)
                self._largest[name] = np.maximum(self._largest[name], largest)
            seen = self._at_range[name]
            for axis, value, full in _at_range(values, ranges):
                seen[axis, value] = seen.get((axis, value), 0) + 1
                self._range[name] = max(full, self._range.get(name, 0.0))

    def _clipped(self, name: str) -> int:
        largest = self._largest[name]
        held = self._at_range[name].items()
        top = largest * (1 - AT_RANGE)
        return sum(n for (axis, value), n in held if n >= 2 and abs(value) >= top[axis])

    def lines(self) -> list[str]:
        out = list(self._lines)
        if (clipped := self._clipped("acc")) >= MIN_CLIPPED:
            g = self._range["acc"] / GRAVITY_M_S2
            out.append(
                f"{clipped} readings reached the accelerometer's range (±{g:.0f} g): "
                "impacts were clipped; the tilt averages over them"
            )
        if (clipped := self._clipped("gyr")) >= MIN_CLIPPED:
            dps = np.degrees(self._range["gyr"])
            out.append(
                f"{clipped} readings reached the gyroscope's range (±{dps:.0f} deg/s): "
                "the fastest turns were clipped and corrected from gravity afterwards"
            )
        return out
