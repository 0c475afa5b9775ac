"""Validation of a parsed profile TOML into a ``FirmwareProfile`` (every rule names its key)."""

from __future__ import annotations

import math
import re
from types import MappingProxyType

from tracker.core import datafiles
from tracker.core.errors import ProfileError
from tracker.sensors import profiles as p

_REQUIRED = object()
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")


def build_profile(data: dict, text: str, origin: str, user: bool) -> p.FirmwareProfile:
    """Check every key of a parsed profile and build the frozen profile."""
    t = Table(data, origin, "")
    name = check_name(t, t.string("name"))
    device, description = t.string("device"), t.string("description")
    sources = t.strings("sources")
    if not sources:
        raise t.error("sources", "cite at least one source (vendor docs, SDK file)")
    mtu = t.integer("mtu", 23, lo=23, hi=517)

    gatt = t.table("gatt")
    service = check_uuid(gatt, "service", gatt.string("service"))
    chars = {}
    for alias in sorted(set(gatt.data) - {"service"}):
        chars[alias] = check_uuid(gatt, alias, gatt.string(alias))
    gatt.finish()
    if not chars:
        raise t.error("gatt", "name at least one characteristic (alias = UUID)")

    adv = t.table("advertising")
    names = adv.strings("names")
    services = tuple(check_uuid(adv, "services", u) for u in adv.strings("services"))
    adv.finish()
    if not names and not services:
        raise t.error("advertising", "give names or services to recognise the sensor by")

    def char(table: Table, k: str, default=_REQUIRED) -> str:
        value = table.string(k, default)
        if value is None or value == "":
            return ""
        if value.lower() in chars:
            return chars[value.lower()]
        if "-" in value:
            return check_uuid(table, k, value)
        raise table.error(k, f"{value!r} is not a characteristic of [gatt] ({', '.join(chars)})")

    dec = t.table("decoder", {})
    decoder = dec.string("name", "fixed")
    from tracker.sensors.decoders import DECODERS

    if decoder not in DECODERS:
        raise dec.error("name", f"unknown decoder {decoder!r} (known: {', '.join(DECODERS)})")
    options = {}
    for k, kind in DECODERS[decoder].OPTIONS.items():
        if k in dec.data:
            options[k] = char(dec, k) if kind == "char" else dec.get(k, kind, kind.__name__)
    dec.finish()

    rate_hz, rates = _rates(t)
    acc = _quantity(t, "acc", p.ACC_UNITS)
    gyr = _quantity(t, "gyr", p.GYR_UNITS)
    timing = _timing(t)
    packets = tuple(_packet(pt, char, timing, mtu) for pt in t.tables("packets"))
    ignore = []
    for it in t.tables("ignore"):
        ignore.append(p.Frame(char(it, "char"), _hex(it, "header"), it.integer("length", lo=1)))
        it.finish()
    if decoder == "fixed":
        _check_fixed(t, packets, acc, gyr, timing)
    elif packets:
        raise t.error("packets", f"decoder {decoder!r} knows its layout; remove [[packets]]")
    battery = _battery(t, char)
    cmds = t.table("commands")
    start = tuple(_step(s, char) for s in cmds.tables("start"))
    stop = tuple(_step(s, char) for s in cmds.tables("stop"))
    cmds.finish()
    data_chars = {pk.char for pk in packets} | {
        v for k, v in options.items() if k in ("data", "control")
    }
    _check_order(cmds, start, data_chars)
    _check_vars(cmds, {"start": start, "stop": stop}, rates, acc, gyr)
    t.finish()
    return p.FirmwareProfile(
        name=name,
        device=device,
        description=description,
        sources=sources,
        file=origin,
        text=text,
        names=names,
        services=services,
        service=service,
        chars=MappingProxyType(chars),
        mtu=mtu,
        decoder=decoder,
        options=MappingProxyType(options),
        default_hz=rate_hz,
        rates=rates,
        acc=acc,
        gyr=gyr,
        packets=packets,
        ignore=tuple(ignore),
        timing=timing,
        start=start,
        stop=stop,
        battery=battery,
        user=user,
    )


def _hex(t: Table, k: str, default=_REQUIRED) -> bytes:
    value = t.string(k, default)
    try:
        return p.parse_hex(value or "")
    except ValueError as exc:
        raise t.error(k, str(exc)) from None


def _vars(t: Table) -> MappingProxyType:
    table = t.table("vars", {})
    out = {}
    for k, v in table.data.items():
        if not isinstance(v, str) or not p.VAR_PATTERN.fullmatch("{" + k + "}"):
            raise table.error(k, "variables are lowercase names with string values")
        out[k] = v
    return MappingProxyType(out)


def _rates(t: Table) -> tuple[float, tuple[p.Rate, ...]]:
    rt = t.table("rate")
    default = rt.number("default_hz", positive=True)
    rates = []
    for o in rt.tables("options"):
        spp = o.integer("samples_per_packet", None, lo=1, hi=1000)
        rates.append(p.Rate(o.number("hz", positive=True), _vars(o), spp))
        o.finish()
    rt.finish()
    if rates and not any(math.isclose(r.hz, default) for r in rates):
        raise rt.error("default_hz", f"{default:g} Hz is not among the options")
    return default, tuple(rates)


def _quantity(t: Table, k: str, units: dict) -> p.Quantity:
    q = t.table(k)
    unit = q.choice("unit", tuple(units))
    axes = q.strings("axes", ("x", "y", "z"))
    if (
        len(axes) != 3
        or sorted(a[-1:] for a in axes) != ["x", "y", "z"]
        or any(a not in ("x", "y", "z", "-x", "-y", "-z") for a in axes)
    ):
        raise q.error("axes", f"{list(axes)} must name x, y and z once each, signs allowed")
    ranges = []
    for r in q.tables("ranges"):
        ranges.append(p.Range(r.number("range", positive=True), _scale(r), _vars(r)))
        r.finish()
    default_range = None
    if ranges:
        default_range = q.number("default_range", positive=True)
        if not any(math.isclose(r.value, default_range) for r in ranges):
            raise q.error("default_range", f"{default_range:g} is not among the ranges")
    else:
        ranges = [p.Range(0.0, _scale(q), MappingProxyType({}))]
    limit = q.number("limit", None, positive=True)
    q.finish()
    return p.Quantity(unit, units[unit], tuple(axes), tuple(ranges), default_range, limit)


def _scale(t: Table) -> float:
    """``scale`` (unit per LSB) or ``lsb`` (LSB per unit), exactly one of them."""
    if t.has("scale") == t.has("lsb"):
        raise t.error("scale", "give either scale (unit per LSB) or lsb (LSB per unit)")
    if t.has("scale"):
        return t.number("scale", positive=True)
    return 1.0 / t.number("lsb", positive=True)


def _timing(t: Table) -> p.Timing:
    tt = t.table("timing")
    source = tt.choice("source", p.TIMING_SOURCES)
    unit_s = tt.number("unit_s", None if source != "clock" else _REQUIRED, positive=True)
    bits = tt.integer("bits", 0 if source == "none" else _REQUIRED, lo=0, hi=64)
    if source != "none" and bits < 8:
        raise tt.error("bits", "a clock or counter is at least 8 bits wide")
    stamp = tt.choice("stamp", p.STAMP_POSITIONS, "first")
    if source == "counter" and stamp != "first":
        raise tt.error("stamp", "a sample counter numbers the first sample of a packet")
    timing = p.Timing(
        source=source,
        unit_s=unit_s or 0.0,
        bits=bits,
        stamp=stamp,
        epoch=tt.string("epoch", ""),
        gap_s=tt.number("gap_s", 0.25, positive=True),
        seq_bits=tt.integer("seq_bits", 0, lo=0, hi=32),
    )
    tt.finish()
    return timing


def _field(t: Table, k: str) -> p.Field | None:
    ft = t.table(k, None)
    if ft is None:
        return None
    f = p.Field(ft.integer("offset", lo=0, hi=4096), ft.choice("type", p.FIELD_TYPES))
    ft.finish()
    return f


def _packet(t: Table, char, timing: p.Timing, mtu: int) -> p.Packet:
    stream = t.choice("stream", ("imu", "acc", "gyr"))
    header = _hex(t, "header", "")
    length = t.integer("length", lo=1, hi=512)
    samples = t.integer("samples", 1, lo=1, hi=255)
    pk = p.Packet(
        stream,
        char(t, "char"),
        header,
        length,
        samples,
        t.integer("stride", 0, lo=0, hi=512),
        _field(t, "acc"),
        _field(t, "gyr"),
        _field(t, "stamp"),
        _field(t, "seq"),
    )
    want = {"imu": ("acc", "gyr"), "acc": ("acc",), "gyr": ("gyr",)}[stream]
    for k in ("acc", "gyr"):
        if (getattr(pk, k) is not None) != (k in want):
            raise t.error(k, f"a {stream!r} packet {'needs' if k in want else 'has no'} {k}")
    if samples > 1 and pk.stride == 0:
        raise t.error("stride", "give the byte stride between samples when samples > 1")
    for k in ("acc", "gyr", "stamp", "seq"):
        f = getattr(pk, k)
        if f is None:
            continue
        count = 3 if k in ("acc", "gyr") else 1
        end = f.offset + (samples - 1) * pk.stride * (count == 3) + count * p.field_size(f.type)
        if end > length:
            raise t.error(f"{k}.offset", f"field ends at byte {end}, past the length {length}")
        if count == 1 and f.type[0] == "i":
            raise t.error(f"{k}.type", "a clock, counter or sequence number is unsigned")
    if (pk.stamp is not None) != (timing.source != "none"):
        need = "needs a stamp field" if timing.source != "none" else "has no device time"
        raise t.error("stamp", f"timing source {timing.source!r} {need}")
    if pk.stamp is not None and p.field_size(pk.stamp.type) * 8 < timing.bits:
        raise t.error("stamp.type", f"{pk.stamp.type} is narrower than timing.bits")
    if length > mtu - 3:
        raise t.error("length", f"{length} bytes do not fit a notification at MTU {mtu}")
    if not header and pk.char == "":
        raise t.error("header", "a packet needs a header or its own characteristic")
    t.finish()
    return pk


def _check_fixed(t, packets, acc: p.Quantity, gyr: p.Quantity, timing) -> None:
    if not packets:
        raise t.error("packets", "the fixed decoder needs at least one [[packets]] layout")
    streams = {pk.stream for pk in packets}
    if streams not in ({"imu"}, {"acc", "gyr"}):
        raise t.error("packets", f"streams {sorted(streams)}: use 'imu', or 'acc' with 'gyr'")
    for pk in packets:
        for k, q in (("acc", acc), ("gyr", gyr)):
            f = getattr(pk, k)
            if f is None or f.type == "f32":
                continue
            full = 2 ** (p.field_size(f.type) * 8 - (f.type[0] == "i"))
            for i, r in enumerate(q.ranges):
                lsb = r.value * q.range_si / q.si / r.scale  # full scale in LSB
                if r.value and lsb > full * 1.05:
                    raise t.error(
                        f"{k}.ranges[{i}].scale",
                        f"±{r.value:g} {q.range_unit} at {r.scale:g} {q.unit} per LSB needs "
                        f"{lsb:.0f} LSB, more than {f.type} holds ({full})",
                    )


def _battery(t: Table, char) -> p.Battery:
    bt = t.table("battery", {"source": "none"})
    source = bt.choice("source", ("none", "standard", "register"))
    if source != "register":
        bt.finish()
        if source == "standard":
            return p.Battery("standard", char=p.STANDARD_BATTERY_LEVEL, unit="%")
        return p.Battery("none")
    table = []
    for i, row in enumerate(bt.get("percent", list, "a list of [value, percent] pairs", [])):
        if not (isinstance(row, list) and len(row) == 2 and all(_isnum(v) for v in row)):
            raise bt.error(f"percent[{i}]", "expected [value, percent]")
        table.append((float(row[0]), float(row[1])))
    battery = p.Battery(
        source="register",
        char=char(bt, "char"),
        request=_hex(bt, "request"),
        reply=_hex(bt, "reply"),
        reply_char=char(bt, "reply_char"),
        reply_length=bt.integer("reply_length", lo=1, hi=512),
        offset=bt.integer("offset", lo=0, hi=511),
        type=bt.choice("type", p.FIELD_TYPES),
        scale=bt.number("scale", 1.0, positive=True),
        unit=bt.choice("unit", ("%", "V")),
        percent=tuple(sorted(table, reverse=True)),
    )
    if battery.offset + p.field_size(battery.type) > battery.reply_length:
        raise bt.error("offset", "the value lies past reply_length")
    if battery.unit == "V" and not table:
        raise bt.error("percent", "a voltage needs a [volts, percent] table")
    bt.finish()
    return battery


def _isnum(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _step(t: Table, char) -> p.GattStep:
    op = t.choice("op", p.OPS)
    step = p.GattStep(
        op=op,
        char=char(t, "char", "" if op == "wait" else _REQUIRED),
        hex=t.string("hex", ""),
        text=t.string("text", ""),
        role=t.choice("role", p.ROLES, "config"),
        note=t.string("note", ""),
        response=t.boolean("response", True),
        seconds=t.number("seconds", 0.0),
    )
    if op == "write" and not (step.hex or step.text):
        raise t.error("hex", "a write needs hex bytes or text")
    if op != "write" and (step.hex or step.text):
        raise t.error("hex", f"a {op!r} step sends no bytes")
    if op == "wait" and not 0 < step.seconds <= 10:
        raise t.error("seconds", "a wait lasts more than 0 and at most 10 seconds")
    t.finish()
    return step


def _check_order(t: Table, start: tuple[p.GattStep, ...], data_chars: set[str]) -> None:
    """Subscribe to every data characteristic before any step that starts streaming."""
    subscribed = {s.char for s in start if s.op == "subscribe"}
    missing = sorted(data_chars - subscribed - {""})
    if missing:
        raise t.error("start", f"never subscribes to {missing[0]}, where the data arrive")
    seen: set[str] = set()
    for i, s in enumerate(start):
        if s.op == "subscribe":
            seen.add(s.char)
        elif s.role == "start" and not data_chars <= seen | {""}:
            late = sorted(data_chars - seen - {""})[0]
            raise t.error(
                f"start[{i}]",
                f"starts streaming before notifications on {late} are enabled; subscribe "
                "first (notifications sent before the subscription are lost)",
            )


def _check_vars(t: Table, sequences: dict, rates, acc: p.Quantity, gyr: p.Quantity) -> None:
    """Every {variable} of a command is defined by every choice, and hex stays hex."""
    from itertools import product

    for label, steps in sequences.items():
        for i, s in enumerate(steps):
            used = set(p.VAR_PATTERN.findall(s.hex + s.text))
            if "hz" in p.VAR_PATTERN.findall(s.hex):
                raise t.error(f"{label}[{i}].hex", "{hz} is decimal text: use it in text, not hex")
            for r, a, g in product(rates or [None], acc.ranges, gyr.ranges):
                vars_ = {"hz": "0", **(r.vars if r else {}), **a.vars, **g.vars}
                missing = sorted(used - set(vars_))
                if missing:
                    raise t.error(
                        f"{label}[{i}]", f"uses {{{missing[0]}}}, which a choice leaves undefined"
                    )
                try:
                    p.parse_hex(p.VAR_PATTERN.sub(lambda m, v=vars_: v[m.group(1)], s.hex))
                except ValueError as exc:
                    raise t.error(f"{label}[{i}].hex", str(exc)) from None


class Table:
    """A TOML table being validated: typed getters that name the file and key on error."""

    def __init__(self, data: dict, path: str, prefix: str):
        self.data, self.path, self.prefix, self.seen = data, path, prefix, set()

    def key(self, k: str) -> str:
        return f"{self.prefix}{k}" if self.prefix else k

    def error(self, k: str, message: str) -> ProfileError:
        return ProfileError(message, path=self.path, key=self.key(k))

    def has(self, k: str) -> bool:
        return k in self.data

    def get(self, k: str, types, what: str, default=_REQUIRED):
        self.seen.add(k)
        if k not in self.data:
            if default is _REQUIRED:
                raise self.error(k, f"missing (expected {what})")
            return default
        value = self.data[k]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tup(types)):
            raise self.error(k, f"expected {what}, got {type(value).__name__} {value!r}")
        return value

    def string(self, k, default=_REQUIRED) -> str:
        return self.get(k, str, "a string", default)

    def integer(self, k, default=_REQUIRED, lo=None, hi=None) -> int:
        value = self.get(k, int, "an integer", default)
        if value is not None and (
            (lo is not None and value < lo) or (hi is not None and value > hi)
        ):
            raise self.error(k, f"{value} is outside {lo}..{hi}")
        return value

    def number(self, k, default=_REQUIRED, positive=False) -> float:
        value = self.get(k, (int, float), "a number", default)
        if value is None:
            return None
        if datafiles.number_problem(value, lo=0.0 if positive else -math.inf, allow_lo=False):
            raise self.error(
                k, f"{value!r} must be a {'positive ' if positive else ''}finite number"
            )
        return float(value)

    def boolean(self, k, default=_REQUIRED) -> bool:
        return self.get(k, bool, "true or false", default)

    def choice(self, k, options, default=_REQUIRED) -> str:
        value = self.string(k, default)
        if value not in options:
            raise self.error(k, f"{value!r} is not one of {', '.join(options)}")
        return value

    def strings(self, k, default=()) -> tuple[str, ...]:
        values = self.get(k, list, "a list of strings", list(default))
        if not all(isinstance(v, str) for v in values):
            raise self.error(k, "expected a list of strings")
        return tuple(values)

    def table(self, k, default=_REQUIRED) -> Table | None:
        value = self.get(k, dict, "a table", default)
        return None if value is None else Table(value, self.path, self.key(k) + ".")

    def tables(self, k) -> list[Table]:
        values = self.get(k, list, "a list of tables", [])
        out = []
        for i, v in enumerate(values):
            if not isinstance(v, dict):
                raise self.error(f"{k}[{i}]", "expected a table")
            out.append(Table(v, self.path, f"{self.key(k)}[{i}]."))
        return out

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.error(unknown[0], "unknown key (misspelt?)")


def _tup(types) -> tuple:
    return types if isinstance(types, tuple) else (types,)


def check_uuid(table: Table, k: str, value: str) -> str:
    """A full 128-bit UUID in lower case; short forms are refused, never expanded."""
    text = value.strip().lower()
    if not _UUID.match(text):
        hint = ""
        if re.fullmatch(r"(0x)?[0-9a-f]{4}|(0x)?[0-9a-f]{8}", text):
            hint = (
                ": short UUIDs are refused, write the full 128-bit form (vendors such as "
                "WitMotion use the non-SIG base ...-0000-1000-8000-00805f9a34fb, which a "
                "short form would silently turn into the SIG base ...-00805f9b34fb)"
            )
        raise table.error(k, f"{value!r} is not a full 128-bit UUID{hint}")
    return text


def check_name(table: Table, value: str) -> str:
    if not _NAME.match(value):
        raise table.error("name", f"{value!r}: use 2-48 lowercase letters, digits and dashes")
    return value
