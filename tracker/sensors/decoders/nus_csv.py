"""Text lines ``t_ms,ax,ay,az,gx,gy,gz`` over the Nordic UART Service, reassembled.

NUS is a byte stream: a line may be split across notifications and one
notification may end several lines, so a line assembler keeps the unfinished
tail. ``t_ms`` is the device's millisecond clock (an unsigned integer, wrapping
at 2^32 like Arduino's ``millis()``); the six values are in the profile's units.
Empty lines, ``#`` comments and the header line itself are skipped.
"""

from __future__ import annotations

import numpy as np

from tracker.sensors.decoders import base

OPTIONS = {"data": "char", "acc_decimals": int, "gyr_decimals": int, "max_line": int}
HEADER = b"t_ms,ax,ay,az,gx,gy,gz"


def layout(profile) -> list[str]:
    acc, gyr = profile.acc.unit, profile.gyr.unit
    char = profile.alias(profile.options.get("data", "?"))
    return [
        f"text lines on {char}, split and joined freely:",
        f"  t_ms,ax,ay,az,gx,gy,gz\\n   (t_ms integer ms; acc in {acc}; gyr in {gyr})",
    ]


class Parser(base.Parser):
    def __init__(self, profile, settings):
        super().__init__(profile, settings)
        self.max_line = int(profile.options.get("max_line", 160))
        self.tail = b""

    def reset(self) -> None:
        self.tail = b""

    def parse(self, payloads, t_rx, channels) -> base.Parsed:
        parsed = base.Parsed()
        kept = [
            i for i, c in enumerate(channels) if not (c and self.data_char and c != self.data_char)
        ]
        if len(kept) < len(payloads):
            parsed.errors.append("notification(s) on another characteristic than NUS TX")
        if not kept:
            return parsed
        # one byte stream; each line belongs to the notification that brought its end
        text = self.tail + b"".join(payloads[i] for i in kept)
        ends = np.cumsum([len(self.tail)] + [len(payloads[i]) for i in kept])[1:]
        newlines = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 10)
        lines = text.split(b"\n")
        self.tail = lines.pop()
        if len(self.tail) > self.max_line:
            parsed.errors.append(f"no line end in {len(self.tail)} bytes: discarded")
            self.tail = b""
        if lines:
            orders = np.asarray(kept, dtype=np.int64)[np.searchsorted(ends, newlines, side="right")]
            self._lines(parsed, lines, orders, t_rx)
        return parsed

    def _lines(self, parsed, lines, orders, t_rx) -> None:
        values = _fast(lines)
        if values is None:  # comments, headers, blank or malformed lines: one at a time
            values, orders = self._slow(parsed, lines, orders)
        if not len(values):
            return
        t_ms = values[:, 0]
        good = np.isfinite(values).all(axis=1)
        good &= (t_ms == np.floor(t_ms)) & (t_ms >= 0) & (t_ms < 2.0**32)
        acc = self.acc_scaler.to_si(values[:, 1:4])
        gyr = self.gyr_scaler.to_si(values[:, 4:7])
        good &= ~(self.acc_scaler.implausible(acc) | self.gyr_scaler.implausible(gyr))
        if not good.all():
            parsed.errors.append(f"{int((~good).sum())} line(s) with a bad time or value")
        parsed.add(
            base.Chunk(
                "imu",
                t_rx[orders[good]],
                np.ones(int(good.sum()), dtype=np.int64),
                t_ms[good].astype(np.int64),
                acc[good],
                gyr[good],
                orders[good],
            )
        )

    def _slow(self, parsed, lines, orders):
        rows, keep = [], []
        for i, line in enumerate(lines):
            text = line.strip().replace(b" ", b"")
            if not text or text.startswith(b"#") or text.lower() == HEADER:
                continue
            fields = text.split(b",")
            if len(fields) != 7:
                parsed.errors.append(f"line {text[:40]!r}: {len(fields)} fields, not 7")
                continue
            rows.append([_float(f) for f in fields])
            keep.append(i)
        return np.array(rows, dtype=np.float64).reshape(-1, 7), orders[np.asarray(keep, dtype=int)]


def _fast(lines: list[bytes]) -> np.ndarray | None:
    """All lines as numbers at once, or None when any line needs a closer look."""
    text = np.frombuffer(b"\n".join(lines), dtype=np.uint8)
    line_of = np.cumsum(text == 10)  # which line each byte belongs to
    commas = np.bincount(line_of[text == 44], minlength=len(lines))
    if (commas != 6).any():
        return None
    try:
        fields = b",".join(lines).split(b",")
        return np.array(fields, dtype=np.bytes_).astype(np.float64).reshape(-1, 7)
    except ValueError:
        return None


def _float(text: bytes) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


class Encoder(base.Encoder):
    """Prints one line per sample, then cuts the byte stream into MTU-sized notifications."""

    def __init__(self, profile, settings, clock_offset_s=0.0):
        super().__init__(profile, settings, clock_offset_s)
        self.acc_decimals = int(profile.options.get("acc_decimals", 4))
        self.gyr_decimals = int(profile.options.get("gyr_decimals", 2))

    def encode_timed(self, block):
        if not len(block):
            return []
        t_ms = self.ticks(block.t_s, 1e-3, 32)
        acc = self.acc_scaler.to_raw(block.acc)
        gyr = self.gyr_scaler.to_raw(block.gyr)
        a, g = self.acc_decimals, self.gyr_decimals
        lines = [
            f"{t},{x:.{a}f},{y:.{a}f},{z:.{a}f},{u:.{g}f},{v:.{g}f},{w:.{g}f}\n".encode()
            for t, (x, y, z), (u, v, w) in zip(
                t_ms.tolist(), acc.tolist(), gyr.tolist(), strict=True
            )
        ]
        ends = np.cumsum([len(line) for line in lines])
        stream = b"".join(lines)
        size = self.payload_max
        out = []
        for start in range(0, len(stream), size):
            stop = min(start + size, len(stream))
            line = int(np.searchsorted(ends, stop, side="left"))
            out.append(
                (float(block.t_s[min(line, len(lines) - 1)]), self.data_char, stream[start:stop])
            )
        return out
