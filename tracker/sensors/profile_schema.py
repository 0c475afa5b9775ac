"""The rules between a profile's keys, and the frozen ``FirmwareProfile`` built from its file.

The keys' types and bounds are checked first (``profile_file``, through
``core.validation``); each rule here names the key, and its line, it is about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from itertools import product
from types import MappingProxyType

from msgspec import UNSET, UnsetType

from tracker.core.errors import ProfileError
from tracker.core.toml_lines import Key
from tracker.core.validation import Document, given
from tracker.sensors import profile_file as pf
from tracker.sensors import profiles as p

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NAME = re.compile(pf.NAME_PATTERN)

Char = Callable[[Key, str], str]  # a characteristic alias or UUID at a key: its full UUID


def build_profile(f: pf.ProfileFile, doc: Document, user: bool) -> p.FirmwareProfile:
    """Check the rules between the keys of a profile file and build the frozen profile."""
    if not _NAME.match(f.name):
        message = f"{f.name!r}: use 2-48 lowercase letters, digits and dashes"
        raise doc.error(("name",), message)
    if "service" not in f.gatt:
        raise doc.error(("gatt", "service"), "missing (expected text)")
    service = check_uuid(doc, ("gatt", "service"), f.gatt["service"])
    chars = {
        alias: check_uuid(doc, ("gatt", alias), f.gatt[alias])
        for alias in sorted(set(f.gatt) - {"service"})
    }
    if not chars:
        raise doc.error(("gatt",), "name at least one characteristic (alias = UUID)")
    names = tuple(f.advertising.names)
    services = tuple(
        check_uuid(doc, ("advertising", "services"), u) for u in f.advertising.services
    )
    if not names and not services:
        message = "give names or services to recognise the sensor by"
        raise doc.error(("advertising",), message)

    def char(key: Key, value: str) -> str:
        if value == "":
            return ""
        if value.lower() in chars:
            return chars[value.lower()]
        if "-" in value:
            return check_uuid(doc, key, value)
        message = f"{value!r} is not a characteristic of [gatt] ({', '.join(chars)})"
        raise doc.error(key, message)

    decoder, options = _decoder(f.decoder, doc, char)
    rate_hz, rates = _rates(f.rate, doc)
    acc = _quantity(f.acc, "acc", p.ACC_UNITS, doc)
    gyr = _quantity(f.gyr, "gyr", p.GYR_UNITS, doc)
    timing = _timing(f.timing, doc)
    packets = tuple(
        _packet(pk, ("packets", i), doc, char, timing, f.mtu) for i, pk in enumerate(f.packets)
    )
    ignore = tuple(
        p.Frame(
            char(("ignore", i, "char"), it.char),
            _hex(doc, ("ignore", i, "header"), it.header),
            it.length,
        )
        for i, it in enumerate(f.ignore)
    )
    if decoder == "fixed":
        _check_fixed(doc, packets, acc, gyr)
    elif packets:
        message = f"decoder {decoder!r} knows its layout; remove [[packets]]"
        raise doc.error(("packets",), message)
    battery = _battery(f.battery, doc, char)
    start = tuple(
        _step(s, ("commands", "start", i), doc, char) for i, s in enumerate(f.commands.start)
    )
    stop = tuple(
        _step(s, ("commands", "stop", i), doc, char) for i, s in enumerate(f.commands.stop)
    )
    data_chars = {pk.char for pk in packets} | {
        v for k, v in options.items() if k in ("data", "control")
    }
    _check_order(doc, start, data_chars)
    _check_vars(doc, {"start": start, "stop": stop}, rates, acc, gyr)
    return p.FirmwareProfile(
        name=f.name,
        device=f.device,
        description=f.description,
        sources=tuple(f.sources),
        file=doc.origin,
        text=doc.text,
        names=names,
        services=services,
        service=service,
        chars=MappingProxyType(chars),
        mtu=f.mtu,
        decoder=decoder,
        options=MappingProxyType(options),
        default_hz=rate_hz,
        rates=rates,
        acc=acc,
        gyr=gyr,
        packets=packets,
        ignore=ignore,
        timing=timing,
        start=start,
        stop=stop,
        battery=battery,
        user=user,
    )


def _decoder(d: pf.Decoder, doc: Document, char: Char) -> tuple[str, dict]:
    """The decoder's name and its options (characteristics as full UUIDs)."""
    from tracker.sensors.decoders import DECODERS

    if d.name not in DECODERS:
        message = f"unknown decoder {d.name!r} (known: {', '.join(DECODERS)})"
        raise doc.error(("decoder", "name"), message)
    takes = DECODERS[d.name].OPTIONS
    options = given(d)
    del options["name"]
    for k in options:
        if k not in takes:
            message = f"the {d.name!r} decoder has no option {k!r} ({', '.join(takes) or 'none'})"
            raise doc.error(("decoder", k), message)
    return d.name, {
        k: char(("decoder", k), options[k]) if kind == "char" else options[k]
        for k, kind in takes.items()
        if k in options
    }


def _hex(doc: Document, key: Key, value: str) -> bytes:
    try:
        return p.parse_hex(value)
    except ValueError as exc:
        raise doc.error(key, str(exc)) from None


def _vars(values: dict[str, str], doc: Document, key: Key) -> MappingProxyType:
    for k in values:
        if not p.VAR_PATTERN.fullmatch("{" + k + "}"):
            raise doc.error((*key, k), "variables are lowercase names with string values")
    return MappingProxyType(dict(values))


def _rates(rt: pf.Rate, doc: Document) -> tuple[float, tuple[p.Rate, ...]]:
    rates = tuple(
        p.Rate(
            o.hz,
            _vars(o.vars, doc, ("rate", "options", i, "vars")),
            None if o.samples_per_packet is UNSET else o.samples_per_packet,
        )
        for i, o in enumerate(rt.options)
    )
    if rates and not any(math.isclose(r.hz, rt.default_hz) for r in rates):
        message = f"{rt.default_hz:g} Hz is not among the options"
        raise doc.error(("rate", "default_hz"), message)
    return rt.default_hz, rates


def _quantity(q: pf.Quantity, k: str, units: dict, doc: Document) -> p.Quantity:
    if sorted(a[-1:] for a in q.axes) != ["x", "y", "z"]:
        message = f"{list(q.axes)} must name x, y and z once each, signs allowed"
        raise doc.error((k, "axes"), message)
    ranges = [
        p.Range(r.range, _scale(r, doc, key), _vars(r.vars, doc, (*key, "vars")))
        for i, r in enumerate(q.ranges)
        for key in [(k, "ranges", i)]
    ]
    default_range = None
    if ranges:
        for own in ("scale", "lsb"):
            if getattr(q, own) is not UNSET:
                message = "each of the ranges has its own scale: remove this one"
                raise doc.error((k, own), message)
        if q.default_range is UNSET:
            raise doc.error((k, "default_range"), "missing (expected a number)")
        default_range = q.default_range
        if not any(math.isclose(r.value, default_range) for r in ranges):
            message = f"{default_range:g} is not among the ranges"
            raise doc.error((k, "default_range"), message)
    else:
        if q.default_range is not UNSET:
            message = "there are no ranges to choose from"
            raise doc.error((k, "default_range"), message)
        ranges = [p.Range(0.0, _scale(q, doc, (k,)), MappingProxyType({}))]
    limit = None if q.limit is UNSET else q.limit
    return p.Quantity(q.unit, units[q.unit], q.axes, tuple(ranges), default_range, limit)


def _scale(t: pf.Quantity | pf.RangeOption, doc: Document, key: Key) -> float:
    """``scale`` (unit per LSB) or ``lsb`` (LSB per unit), exactly one of them."""
    if (t.scale is UNSET) == (t.lsb is UNSET):
        message = "give either scale (unit per LSB) or lsb (LSB per unit)"
        raise doc.error((*key, "scale"), message)
    return t.scale if t.scale is not UNSET else 1.0 / t.lsb


def _timing(tt: pf.Timing, doc: Document) -> p.Timing:
    if tt.source == "clock" and tt.unit_s is UNSET:
        raise doc.error(("timing", "unit_s"), "missing (expected a number)")
    bits = tt.bits
    if bits is UNSET:
        if tt.source != "none":
            raise doc.error(("timing", "bits"), "missing (expected a whole number)")
        bits = 0
    if tt.source != "none" and bits < 8:
        raise doc.error(("timing", "bits"), "a clock or counter is at least 8 bits wide")
    if tt.source == "counter" and tt.stamp != "first":
        message = "a sample counter numbers the first sample of a packet"
        raise doc.error(("timing", "stamp"), message)
    return p.Timing(
        source=tt.source,
        unit_s=0.0 if tt.unit_s is UNSET else tt.unit_s,
        bits=bits,
        stamp=tt.stamp,
        epoch=tt.epoch,
        gap_s=tt.gap_s,
        seq_bits=tt.seq_bits,
    )


def _field(f: pf.FieldLayout | UnsetType) -> p.Field | None:
    return None if f is UNSET else p.Field(f.offset, f.type)


def _packet(
    t: pf.Packet, key: Key, doc: Document, char: Char, timing: p.Timing, mtu: int
) -> p.Packet:
    def error(k: str, message: str) -> ProfileError:
        return doc.error((*key, *k.split(".")), message)

    pk = p.Packet(
        t.stream,
        char((*key, "char"), t.char),
        _hex(doc, (*key, "header"), t.header),
        t.length,
        t.samples,
        t.stride,
        _field(t.acc),
        _field(t.gyr),
        _field(t.stamp),
        _field(t.seq),
    )
    want = {"imu": ("acc", "gyr"), "acc": ("acc",), "gyr": ("gyr",)}[pk.stream]
    for k in ("acc", "gyr"):
        if (getattr(pk, k) is not None) != (k in want):
            raise error(k, f"a {pk.stream!r} packet {'needs' if k in want else 'has no'} {k}")
    if pk.samples > 1 and pk.stride == 0:
        raise error("stride", "give the byte stride between samples when samples > 1")
    for k in ("acc", "gyr", "stamp", "seq"):
        f = getattr(pk, k)
        if f is None:
            continue
        count = 3 if k in ("acc", "gyr") else 1
        end = f.offset + (pk.samples - 1) * pk.stride * (count == 3)
        end += count * p.field_size(f.type)
        if end > pk.length:
            raise error(f"{k}.offset", f"field ends at byte {end}, past the length {pk.length}")
        if count == 1 and f.type[0] == "i":
            raise error(f"{k}.type", "a clock, counter or sequence number is unsigned")
    if (pk.stamp is not None) != (timing.source != "none"):
        need = "needs a stamp field" if timing.source != "none" else "has no device time"
        raise error("stamp", f"timing source {timing.source!r} {need}")
    if pk.stamp is not None and p.field_size(pk.stamp.type) * 8 < timing.bits:
        raise error("stamp.type", f"{pk.stamp.type} is narrower than timing.bits")
    if pk.length > mtu - 3:
        raise error("length", f"{pk.length} bytes do not fit a notification at MTU {mtu}")
    if not pk.header and pk.char == "":
        raise error("header", "a packet needs a header or its own characteristic")
    return pk


def _check_fixed(doc: Document, packets, acc: p.Quantity, gyr: p.Quantity) -> None:
    if not packets:
        message = "the fixed decoder needs at least one [[packets]] layout"
        raise doc.error(("packets",), message)
    streams = {pk.stream for pk in packets}
    if streams not in ({"imu"}, {"acc", "gyr"}):
        message = f"streams {sorted(streams)}: use 'imu', or 'acc' with 'gyr'"
        raise doc.error(("packets",), message)
    for pk in packets:
        for k, q in (("acc", acc), ("gyr", gyr)):
            f = getattr(pk, k)
            if f is None or f.type == "f32":
                continue
            full = 2 ** (p.field_size(f.type) * 8 - (f.type[0] == "i"))
            for i, r in enumerate(q.ranges):
                lsb = r.value * q.range_si / q.si / r.scale  # full scale in LSB
                if r.value and lsb > full * 1.05:
                    raise doc.error(
                        (k, "ranges", i, "scale"),
                        f"±{r.value:g} {q.range_unit} at {r.scale:g} {q.unit} per LSB needs "
                        f"{lsb:.0f} LSB, more than {f.type} holds ({full})",
                    )


def _battery(bt, doc: Document, char: Char) -> p.Battery:
    if isinstance(bt, pf.StandardBattery):
        return p.Battery("standard", char=p.STANDARD_BATTERY_LEVEL, unit="%")
    if not isinstance(bt, pf.RegisterBattery):
        return p.Battery("none")
    battery = p.Battery(
        source="register",
        char=char(("battery", "char"), bt.char),
        request=_hex(doc, ("battery", "request"), bt.request),
        reply=_hex(doc, ("battery", "reply"), bt.reply),
        reply_char=char(("battery", "reply_char"), bt.reply_char),
        reply_length=bt.reply_length,
        offset=bt.offset,
        type=bt.type,
        scale=bt.scale,
        unit=bt.unit,
        percent=tuple(sorted(bt.percent, reverse=True)),
    )
    if battery.offset + p.field_size(battery.type) > battery.reply_length:
        raise doc.error(("battery", "offset"), "the value lies past reply_length")
    if battery.unit == "V" and not battery.percent:
        raise doc.error(("battery", "percent"), "a voltage needs a [volts, percent] table")
    return battery


def _step(s: pf.Step, key: Key, doc: Document, char: Char) -> p.GattStep:
    if s.char is UNSET and s.op != "wait":
        raise doc.error((*key, "char"), "missing (expected text)")
    step = p.GattStep(
        op=s.op,
        char=char((*key, "char"), "" if s.char is UNSET else s.char),
        hex=s.hex,
        text=s.text,
        role=s.role,
        note=s.note,
        response=s.response,
        seconds=s.seconds,
    )
    if step.op == "write" and not (step.hex or step.text):
        raise doc.error((*key, "hex"), "a write needs hex bytes or text")
    if step.op != "write" and (step.hex or step.text):
        raise doc.error((*key, "hex"), f"a {step.op!r} step sends no bytes")
    if step.op == "wait" and not 0 < step.seconds <= 10:
        message = "a wait lasts more than 0 and at most 10 seconds"
        raise doc.error((*key, "seconds"), message)
    return step


def _check_order(doc: Document, start: tuple[p.GattStep, ...], data_chars: set[str]) -> None:
    """Subscribe to every data characteristic before any step that starts streaming."""
    subscribed = {s.char for s in start if s.op == "subscribe"}
    missing = sorted(data_chars - subscribed - {""})
    if missing:
        message = f"never subscribes to {missing[0]}, where the data arrive"
        raise doc.error(("commands", "start"), message)
    seen: set[str] = set()
    for i, s in enumerate(start):
        if s.op == "subscribe":
            seen.add(s.char)
        elif s.role == "start" and not data_chars <= seen | {""}:
            late = sorted(data_chars - seen - {""})[0]
            raise doc.error(
                ("commands", "start", i),
                f"starts streaming before notifications on {late} are enabled; subscribe "
                "first (notifications sent before the subscription are lost)",
            )


def _check_vars(doc: Document, sequences: dict, rates, acc: p.Quantity, gyr: p.Quantity):
    """Every {variable} of a command is defined by every choice, and hex stays hex."""
    for label, steps in sequences.items():
        for i, s in enumerate(steps):
            key = ("commands", label, i)
            used = set(p.VAR_PATTERN.findall(s.hex + s.text))
            if "hz" in p.VAR_PATTERN.findall(s.hex):
                message = "{hz} is decimal text: use it in text, not hex"
                raise doc.error((*key, "hex"), message)
            for r, a, g in product(rates or [None], acc.ranges, gyr.ranges):
                vars_ = {"hz": "0", **(r.vars if r else {}), **a.vars, **g.vars}
                missing = sorted(used - set(vars_))
                if missing:
                    message = f"uses {{{missing[0]}}}, which a choice leaves undefined"
                    raise doc.error(key, message)
                try:
                    p.parse_hex(p.VAR_PATTERN.sub(lambda m, v=vars_: v[m.group(1)], s.hex))
                except ValueError as exc:
                    raise doc.error((*key, "hex"), str(exc)) from None


def check_uuid(doc: Document, key: Key, value: str) -> str:
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
        raise doc.error(key, f"{value!r} is not a full 128-bit UUID{hint}")
    return text
