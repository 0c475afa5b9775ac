"""Polar PMD: ACC and GYRO data frames (raw and delta-compressed) and start responses.

A data frame is ``[type][u64 ns since 2000-01-01, of the LAST sample][frame type][content]``;
frame-type bit 7 marks a delta-compressed frame: a reference sample, then blocks of
``[bit width][sample count][deltas packed LSB first]``, each sample the previous one
plus its sign-extended delta (polar-ble-sdk PmdDataFrame.kt, BlePMDClient.kt
``parseDeltaFramesAll``). Raw ACC frames hold i8/i16/i24 mG; compressed ACC type 0 is G
times the factor, type 1 mG times the factor; compressed GYRO type 0 is i16 times the
factor in deg/s, type 1 IEEE-754 bits (AccData.kt, GyrData.kt). The factor comes in the
start response on the control point (``F0 02 <type> <error> <more> [05 01 f32]``); until
one is seen, the profile's scale stands in for it.
"""

from __future__ import annotations

import struct

import numpy as np

from tracker.sensors.decoders import base

OPTIONS = {"data": "char", "control": "char"}
ACC, GYRO = 2, 5
NAMES = {ACC: "ACC", GYRO: "GYRO"}
COMPRESSED = 0x80
FACTOR = 5
_SETTING_SIZES = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4, 6: 16}


def layout(profile) -> list[str]:
    return [
        f"PMD data frames on {profile.alias(profile.options.get('data', '?'))}:",
        "  [type 02 ACC | 05 GYRO] [u64 ns since 2000-01-01, last sample] [frame type] [content]",
        "  ACC raw 00/01/02: i8/i16/i24 x 3 mG; compressed 80: G x factor; 81: mG x factor",
        "  GYRO compressed 80: i16 x factor deg/s; 81: f32 bits x factor deg/s",
        "  compressed content: reference sample, then [bits][count][deltas LSB first] blocks",
        f"start responses on {profile.alias(profile.options.get('control', '?'))} carry the factor",
    ]


def delta_samples(content: bytes, channels: int, resolution: int) -> np.ndarray:
    """Samples of a delta-compressed frame: (n, channels) int64; ValueError if malformed.

    Float frames (resolution 32) come back as their IEEE-754 bit patterns.
    """
    ref_bytes = (resolution + 7) // 8
    pos = channels * ref_bytes
    if len(content) < pos:
        raise ValueError(f"{len(content)} bytes cannot hold a reference sample")
    ref = np.frombuffer(content[:pos], dtype=np.uint8).reshape(channels, ref_bytes).astype(np.int64)
    ref = (ref << (8 * np.arange(ref_bytes))).sum(axis=1)
    if resolution < 32:
        ref -= (ref >> (resolution - 1) & 1) << resolution
    blocks = [ref[None, :]]
    while pos < len(content):
        if pos + 2 > len(content):
            raise ValueError("delta block header cut short")
        width, count = content[pos], content[pos + 1]
        pos += 2
        if not 1 <= width <= 32 or count == 0:
            raise ValueError(f"delta block of {count} samples at {width} bits")
        nbits = width * count * channels
        nbytes = (nbits + 7) // 8
        if pos + nbytes > len(content):
            raise ValueError("delta block cut short")
        bits = np.unpackbits(np.frombuffer(content, np.uint8, nbytes, pos), bitorder="little")
        values = bits[:nbits].reshape(-1, width).astype(np.int64) @ (1 << np.arange(width))
        values -= (values >> (width - 1) & 1) << width
        blocks.append(np.cumsum(values.reshape(count, channels), axis=0) + blocks[-1][-1])
        pos += nbytes
    samples = np.concatenate(blocks)
    if resolution == 32:
        samples &= 0xFFFFFFFF
    return samples


def pack_deltas(samples: np.ndarray, resolution: int = 16) -> bytes:
    """Delta-compressed content for (n, channels) integer samples: one block, minimal width."""
    ref = samples[0].astype("<i4" if resolution > 16 else "<i2")
    deltas = np.diff(samples, axis=0)
    if not len(deltas):
        return ref.tobytes()
    big = int(np.max(np.abs(deltas)))
    width = max(2, big.bit_length() + 1)
    words = (deltas.ravel() & ((1 << width) - 1)).astype("<u8")
    bits = np.unpackbits(words.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    packed = np.packbits(bits[:, :width].ravel(), bitorder="little")
    return ref.tobytes() + bytes([width, len(deltas)]) + packed.tobytes()


def start_response(measurement: int, factor: float | None = None, error: int = 0) -> bytes:
    """A control-point start response, as the sensor sends it (for simulated peripherals)."""
    params = b"" if factor is None else bytes([FACTOR, 1]) + struct.pack("<f", factor)
    return bytes([0xF0, 0x02, measurement, error, 0]) + params


class Parser(base.Parser):
    streams = ("acc", "gyr")

    def __init__(self, profile, settings):
        super().__init__(profile, settings)
        self.control_char = profile.options.get("control", "")
        self.reset()

    def reset(self) -> None:
        self.factor = {ACC: self.settings.acc_scale, GYRO: self.settings.gyr_scale}

    def parse(self, payloads, t_rx, channels) -> base.Parsed:
        parsed = base.Parsed()
        for order, (payload, channel) in enumerate(zip(payloads, channels, strict=True)):
            if channel and channel == self.control_char:
                error = self._control(payload)
            elif channel and self.data_char and channel != self.data_char:
                error = f"notification on {channel}, not the PMD data characteristic"
            else:
                error = self._frame(parsed, order, float(t_rx[order]), payload)
            if error:
                parsed.errors.append(error)
        return parsed

    def _control(self, payload: bytes) -> str | None:
        if payload[:1] == b"\x01":
            return "the sensor stopped the measurement"
        if len(payload) < 5 or payload[0] != 0xF0 or payload[1] != 0x02:
            return None  # other control-point traffic carries no samples
        measurement, error = payload[2], payload[3]
        if error:
            return f"start of {NAMES.get(measurement, measurement)} refused: error {error}"
        pos, params = 0, payload[5:]
        while pos + 2 <= len(params):
            kind, count = params[pos], params[pos + 1]
            size = _SETTING_SIZES.get(kind)
            if size is None or pos + 2 + size * count > len(params):
                return f"start response with unreadable setting {kind}"
            if kind == FACTOR and count and measurement in self.factor:
                factor = struct.unpack_from("<f", params, pos + 2)[0]
                if not (np.isfinite(factor) and factor > 0):
                    return f"start response with factor {factor}"
                self.factor[measurement] = factor
            pos += 2 + size * count
        return None

    def _frame(self, parsed, order, t_rx, payload) -> str | None:
        if len(payload) < 11:
            return f"PMD frame of {len(payload)} bytes"
        measurement = payload[0] & 0x3F
        stamp = int.from_bytes(payload[1:9], "little")
        frame_type, content = payload[9], payload[10:]
        if measurement not in NAMES:
            return f"PMD frame of measurement type {measurement}, not ACC or GYRO"
        if stamp >= 1 << 63:
            return f"PMD timestamp {stamp} out of range"
        try:
            values, scale = self._values(measurement, frame_type, content)
        except ValueError as exc:
            return f"{NAMES[measurement]} frame type {frame_type:#04x}: {exc}"
        quantity = self.profile.acc if measurement == ACC else self.profile.gyr
        si = base.Scaler(quantity, scale).to_si(values)
        empty = np.empty((0, 3))
        if measurement == ACC:
            parsed.add_packet("acc", order, t_rx, stamp, si, empty)
        else:
            parsed.add_packet("gyr", order, t_rx, stamp, empty, si)
        return None

    def _values(self, measurement, frame_type, content) -> tuple[np.ndarray, float]:
        """Samples in the profile's unit (acc mG, gyr deg/s) before the factor, and the factor."""
        number, factor = frame_type & 0x7F, self.factor[measurement]
        if frame_type & COMPRESSED:
            if number not in (0, 1):
                raise ValueError("unsupported compressed frame")
            floats = measurement == GYRO and number == 1
            samples = delta_samples(content, 3, 32 if floats else 16)
            if floats:
                return samples.astype("<u4").view("<f4").astype(np.float64), factor
            if measurement == ACC and number == 0:  # G, not mG
                return samples.astype(np.float64), factor * 1000.0
            return samples.astype(np.float64), factor
        if measurement != ACC or number > 2:
            raise ValueError("unsupported raw frame")
        size = number + 1
        if not content or len(content) % (3 * size):
            raise ValueError(f"{len(content)} bytes is not whole {3 * size}-byte samples")
        rows = np.frombuffer(content, dtype=np.uint8).reshape(-1, 3 * size)
        return base.read_field(rows, 0, f"i{8 * size}", 3).astype(np.float64), 1.0


class Encoder(base.Encoder):
    """ACC as compressed type 1 (mG x factor), GYRO as compressed type 0, as the sensor sends."""

    def __init__(self, profile, settings, clock_offset_s=0.0):
        super().__init__(profile, settings, clock_offset_s)
        self.batcher = base.Batcher(settings.samples_per_packet or 36)

    def encode_timed(self, block):
        t, acc, gyr = self.batcher.push(block)
        if not len(t):
            return []
        timing = self.profile.timing
        ticks = self.ticks(t[:, -1], timing.unit_s, timing.bits)
        out = []
        for i in range(len(t)):
            for measurement, ftype, values, scaler in (
                (ACC, 0x81, acc[i], self.acc_scaler),
                (GYRO, 0x80, gyr[i], self.gyr_scaler),
            ):
                raw = base.quantise(scaler.to_raw(values), "i16")
                head = bytes([measurement]) + struct.pack("<Q", int(ticks[i])) + bytes([ftype])
                frame = head + pack_deltas(raw)
                if len(frame) > self.payload_max:
                    raise ValueError(f"{len(frame)}-byte frame exceeds MTU {self.profile.mtu}")
                out.append((float(t[i, -1]), self.data_char, frame))
        return out
