"""`tracker scan`: nearby Bluetooth LE sensors, their address, signal and firmware profile."""

from __future__ import annotations

import asyncio
import json
import sys

from tracker.commands import folder
from tracker.core.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "scan",
        help="list nearby Bluetooth LE sensors and the profile that matches each",
        description=(
            "Scan for Bluetooth LE devices and match each to a firmware profile "
            "(`tracker profiles` lists them). Shows the sensors a profile matches; "
            "--all shows every device heard."
        ),
    )
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds (5)")
    p.add_argument("--all", action="store_true", help="also devices no profile matches")
    p.add_argument("--json", action="store_true", help="a JSON list on stdout")
    p.add_argument(
        "--simulate",
        action="store_true",
        help="scan simulated sensors (one per shipped profile) instead of the radio",
    )
    p.add_argument("--profiles-dir", type=folder, metavar="DIR", help="a folder of extra profiles")
    p.set_defaults(func=run)


def run(args) -> int:
    from tracker.sensors.ble import PLATFORM, scan
    from tracker.sensors.catalog import load_profiles
    from tracker.sim.ble import demo_radio

    if not 0 < args.timeout <= 600:
        raise InputError(f"--timeout must be between 0 and 600 s, not {args.timeout:g}")
    profiles = load_profiles(None if args.profiles_dir is None else [args.profiles_dir])
    transport = demo_radio(profiles).transport() if args.simulate else PLATFORM
    timeout_s = min(args.timeout, 0.2) if args.simulate else args.timeout
    found = asyncio.run(scan(timeout_s, profiles, transport))
    shown = found if args.all else [f for f in found if f.profile is not None]
    if args.json:
        json.dump([f.to_json() for f in shown], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    if not shown:
        others = len(found) - len(shown)
        more = f"; {others} other device(s) heard (--all lists them)" if others else ""
        print(f"no sensors found in {timeout_s:g} s{more}", file=sys.stderr)
        return 0
    rows = [("NAME", "ADDRESS", "RSSI", "PROFILE")]
    for f in shown:
        rssi = "-" if f.rssi is None else str(f.rssi)
        rows.append((f.name or "-", f.address, rssi, f.profile.name if f.profile else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if args.simulate:
        print("(simulated sensors: `tracker record --simulate` streams one)", file=sys.stderr)
    return 0
