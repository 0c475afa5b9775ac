"""`tracker profiles [show NAME]` and `tracker decode PROFILE HEX...`: firmware profiles at work."""

from __future__ import annotations

import json
import math
import sys

from tracker.commands import folder
from tracker.core.errors import InputError
from tracker.sensors.catalog import get_profile, load_profiles, user_dir
from tracker.sensors.decoders import DECODERS
from tracker.sensors.profiles import FirmwareProfile


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "profiles",
        help="list the firmware profiles, or explain one",
        description=(
            "List the firmware profiles (shipped ones and your own, which replace shipped "
            f"ones of the same name; yours live in {user_dir()}), or explain one with "
            "'tracker profiles show NAME'."
        ),
    )
    _dirs_option(p)
    p.add_argument("--json", action="store_true", help="a JSON list on stdout")
    sub = p.add_subparsers(dest="action", metavar="show")
    show = sub.add_parser("show", help="UUIDs, commands in order, layout, scaling, timing")
    show.add_argument("name", help="a profile name (see 'tracker profiles')")
    show.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _dirs_option(show)
    p.set_defaults(func=run_profiles)

    d = subparsers.add_parser(
        "decode",
        help="decode notification payloads given as hex",
        description=(
            "Decode notifications (hex; spaces and colons allowed), each argument one "
            "notification, in order. Prefix CHANNEL= (a characteristic alias of the profile, "
            "or its UUID) where the profile streams on several characteristics, e.g. "
            "acc=00000000000000000000803f. Times are the device's own (null when the "
            "payload carries none). A payload that cannot be decoded is listed in errors; "
            "exit status 2 when an argument is not hexadecimal."
        ),
    )
    d.add_argument("profile", help="a profile name (see 'tracker profiles')")
    d.add_argument("payloads", nargs="+", metavar="HEX", help="one notification's bytes")
    d.add_argument("--json", action="store_true", help="one JSON object on stdout")
    d.add_argument("--rate", type=float, metavar="HZ", help="the rate the stream was started at")
    d.add_argument("--acc-range", type=float, metavar="R", help="accelerometer range (g)")
    d.add_argument("--gyr-range", type=float, metavar="R", help="gyroscope range (deg/s)")
    _dirs_option(d)
    d.set_defaults(func=run_decode)


def _dirs_option(p) -> None:
    p.add_argument(
        "--profiles-dir",
        action="append",
        type=folder,
        metavar="DIR",
        help="read profiles from DIR as well (repeatable; default: your profile folder)",
    )


def _write_json(value) -> None:
    json.dump(value, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


def run_profiles(args) -> int:
    if args.action == "show":
        profile = get_profile(args.name, args.profiles_dir)
        if args.json:
            _write_json(profile_json(profile))
        else:
            sys.stdout.write("\n".join(describe(profile)) + "\n")
        return 0
    profiles = load_profiles(args.profiles_dir)
    rows = [summary(p) for p in profiles.values()]
    if args.json:
        _write_json(rows)
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        mark = " (yours)" if r["user"] else ""
        sys.stdout.write(f"{r['name']:<{width}}  {r['device']}{mark}\n")
    return 0


def summary(p: FirmwareProfile) -> dict:
    return {
        "name": p.name,
        "device": p.device,
        "file": p.file,
        "description": p.description,
        "decoder": p.decoder,
        "rate_hz": p.default_hz,
        "timing": p.timing.source,
        "user": p.user,
    }


def _step_json(c) -> dict:
    d = {"op": c.op, "char": c.char, "role": c.role, "note": c.note}
    if c.op == "write":
        d["hex"] = c.data.hex(" ")
        d["response"] = c.response
        if c.text:
            d["text"] = c.text
    if c.op == "wait":
        d["seconds"] = c.seconds
    return d


def _quantity_json(q, si_name: str) -> dict:
    return {
        "unit": q.unit,
        si_name: q.si,
        "axes": list(q.axes),
        "default_range": q.default_range,
        "ranges": [{"range": r.value or None, "scale": r.scale} for r in q.ranges],
    }


# Checks on real hardware (tracker check on a guided recording), per profile: "device,
# firmware, date" of each one that passed. None yet: the profiles are built from vendors'
# SDKs, datasheets and documentation (their ``sources``) and tested against simulated sensors.
HARDWARE_CHECKED: dict[str, list[str]] = {}


def hardware_text(p: FirmwareProfile) -> str:
    checked = HARDWARE_CHECKED.get(p.name)
    if checked:
        return "tried on real hardware: " + "; ".join(checked)
    return (
        "tried on real hardware: not yet (built from the sources above, tested on simulated "
        "sensors); to check it: docs/first-sensor.md"
    )


def profile_json(p: FirmwareProfile) -> dict:
    """Everything ``show`` explains, as JSON (commands with the default settings)."""
    t, b = p.timing, p.battery
    return {
        **summary(p),
        "sources": list(p.sources),
        "hardware_checked": list(HARDWARE_CHECKED.get(p.name, [])),
        "mtu": p.mtu,
        "advertising": {"names": list(p.names), "services": list(p.services)},
        "gatt": {"service": p.service, "characteristics": dict(p.chars)},
        "rates_hz": [r.hz for r in p.rates] or [p.default_hz],
        "acc": _quantity_json(p.acc, "m_s2_per_unit"),
        "gyr": _quantity_json(p.gyr, "rad_s_per_unit"),
        "timing_detail": {
            "source": t.source,
            "unit_s": t.unit_s or None,
            "bits": t.bits or None,
            "stamp": t.stamp if t.source != "none" else None,
            "epoch": t.epoch or None,
            "gap_s": t.gap_s if t.source == "none" else None,
        },
        "battery": {"source": b.source, "char": b.char or None, "request": b.request.hex(" ")},
        "layout": DECODERS[p.decoder].layout(p),
        "start": [_step_json(c) for c in p.start_commands()],
        "stop": [_step_json(c) for c in p.stop_commands()],
    }


def describe(p: FirmwareProfile) -> list[str]:
    """The readable explanation of one profile."""
    alias = {v: k for k, v in p.chars.items()}
    t = p.timing
    lines = [
        f"{p.name}: {p.device}",
        f"  {p.description}",
        f"  file: {p.file}",
        *[f"  source: {s}" for s in p.sources],
        f"  {hardware_text(p)}",
        "",
        "Recognised by: " + "; ".join(filter(None, [", ".join(p.names), ", ".join(p.services)])),
        f"GATT service {p.service} (MTU wanted {p.mtu})",
        *[f"  {k:<8} {v}" for k, v in p.chars.items()],
        "",
        "Start, in order (default settings):",
        *_steps(p.start_commands(), alias),
        "Stop:",
        *_steps(p.stop_commands(), alias),
        "",
        f"Layout ({p.decoder} decoder):",
        *[f"  {line}" for line in DECODERS[p.decoder].layout(p)],
        "",
        "Scaling to SI (sensor frame):",
        *_scaling("acc", p.acc, "m/s²"),
        *_scaling("gyr", p.gyr, "rad/s"),
        f"  rates: {', '.join(f'{r.hz:g}' for r in p.rates) or f'{p.default_hz:g}'} Hz "
        f"(default {p.default_hz:g})",
        "",
        "Timing: " + _timing(t),
        f"Battery: {p.battery.source}"
        + (
            f" (write {p.battery.request.hex(' ')}, reply {p.battery.reply.hex(' ')})"
            if p.battery.source == "register"
            else ""
        ),
    ]
    return lines


def _steps(commands, alias) -> list[str]:
    out = []
    for i, c in enumerate(commands, 1):
        target = alias.get(c.char, c.char)
        what = {
            "write": f"write {c.data.hex(' ')}{f' ({c.text!r})' if c.text else ''} to {target}",
            "wait": f"wait {c.seconds:g} s",
        }.get(c.op, f"{c.op} {target}")
        role = f" [{c.role}]" if c.role != "config" else ""
        note = f"  ({c.note})" if c.note else ""
        out.append(f"  {i}. {what}{role}{note}")
    return out


def _scaling(name: str, q, si: str) -> list[str]:
    axes = ", ".join(q.axes)
    lines = [f"  {name}: raw x scale in {q.unit}; 1 {q.unit} = {q.si:.8g} {si}; axes ({axes})"]
    for r in q.ranges:
        rng = f"±{r.value:g} {q.range_unit}: " if r.value else ""
        default = " (default)" if q.default_range and math.isclose(r.value, q.default_range) else ""
        lines.append(f"    {rng}{r.scale:.8g} {q.unit} per LSB{default}")
    return lines


def _timing(t) -> str:
    if t.source == "none":
        return (
            "no device time: nominal rate anchored at the first arrival, re-anchored when "
            f"packets arrive more than {t.gap_s:g} s late"
        )
    if t.source == "counter":
        return f"sample counter, {t.bits} bits, times the nominal period"
    return f"device clock, {t.unit_s:g} s ticks, {t.bits} bits, stamping the {t.stamp} sample" + (
        f"; epoch {t.epoch}" if t.epoch else ""
    )


def run_decode(args) -> int:
    from tracker.sensors.decode import decode_hex

    profile = get_profile(args.profile, args.profiles_dir)
    _check_not_split(args.profile, args.payloads)
    out = decode_hex(
        profile,
        args.payloads,
        rate_hz=args.rate,
        acc_range=args.acc_range,
        gyr_range=args.gyr_range,
    )
    r = out.result
    errors = out.bad_hex + list(r.errors)
    if args.json:
        body = {"samples": r.samples_json(), "errors": errors, "lost": r.lost}
        if r.battery_pct is not None:
            body["battery_pct"] = r.battery_pct
        _write_json(body)
    else:
        sys.stdout.write(format_table(profile, r, errors))
    return 2 if out.bad_hex else 0


def _check_not_split(profile: str, payloads: list[str]) -> None:
    """Refuse a notification's bytes given unquoted, as one argument each."""
    one_byte = [p for p in payloads if "=" not in p and len("".join(p.split()).strip(":")) == 2]
    if len(payloads) >= 3 and len(one_byte) == len(payloads):
        example = " ".join(payloads[:4])
        raise InputError(
            f"each HEX argument is one notification, and these {len(payloads)} are one byte "
            f"each: quote a notification's bytes as one argument, e.g. tracker decode "
            f"{profile} '{example} ...'"
        )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_table(profile, r, errors) -> str:
    lines = [f"{profile.name}: {_plural(len(r), 'sample')}, {_plural(len(errors), 'error')}"]
    if len(r):
        lines.append("  device t s     ax       ay       az  m/s²     gx       gy       gz  rad/s")
        for s in r.samples_json():
            t = "-" if s["t_s"] is None else f"{s['t_s']:.6f}"
            a = " ".join(f"{v:8.3f}" for v in s["acc_m_s2"])
            g = " ".join(f"{v:8.4f}" for v in s["gyr_rad_s"])
            lines.append(f"  {t:>10} {a}       {g}")
    if r.battery_pct is not None:
        volts = f" ({r.battery_v:.2f} V)" if r.battery_v is not None else ""
        lines.append(f"battery: {r.battery_pct:g} %{volts}")
    lines += [f"error: {e}" for e in errors]
    return "\n".join(lines) + "\n"
