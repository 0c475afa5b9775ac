"""`tracker check RECORDING [--json]`: does a firmware profile read this sensor right?"""

from __future__ import annotations

import json

import numpy as np

GUIDE = "docs/first-sensor.md"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check",
        help="check a sensor's profile on a short guided recording",
        description=(
            "Check how a firmware profile reads a real sensor, from a short recording made "
            "while following the script in docs/first-sensor.md: the sensor lies still on a "
            "table, is turned slowly onto its side, and lies still again (tracker record "
            "--device D --duration 40 -o check.trk). Says whether the rate, lost samples, "
            "gravity at rest, the gyroscope at rest and the gyroscope's turn against the "
            "accelerometer's look right. Send the output (and the recording) back to the "
            "project: it is how a profile gets checked on real hardware."
        ),
    )
    p.add_argument("recording", metavar="RECORDING", help="a .trk (or interchange CSV)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    from tracker.files.replay import load_replay
    from tracker.sensors.check import check

    data = load_replay(args.recording)
    dt = np.diff(data.block.t_s)
    step = float(np.median(dt)) if len(dt) else 0.0
    lost = int(np.maximum(np.round(dt / step) - 1, 0).sum()) if step > 0 else 0
    meta = data.meta
    result = check(data.block, nominal_hz=meta.get("rate_hz"), lost=lost)
    device = meta.get("device") if isinstance(meta.get("device"), dict) else {}
    result = {
        "recording": args.recording,
        "profile": (data.header.get("profile") or {}).get("name"),
        "device": device,
        "simulated": data.simulated,
        **result,
    }
    if args.json:
        print(json.dumps(result, indent=1, default=float))
        return 0
    print(f"{args.recording}: {result['samples']} samples in {result['duration_s']:g} s")
    who = ", ".join(f"{k} {v}" for k, v in device.items() if v)
    print(
        f"profile {result['profile'] or '(none: not a Bluetooth recording)'}"
        + (f" · {who}" if who else "")
    )
    if result["simulated"]:
        print("SIMULATED: a simulated sensor, not real hardware")
    for f in result["findings"]:
        mark = {True: "ok  ", False: "FAIL", None: "?   "}[f["ok"]]
        print(f"  {mark} {f['check']:10} {f['text']}")
    unsure = any(f["ok"] is None for f in result["findings"])
    verdict = (
        "something is off: see the lines marked FAIL"
        if not result.get("ok")
        else "not everything could be checked: see the lines marked ?"
        if unsure
        else "the profile reads this sensor right"
    )
    print(f"{verdict}. Send this output (tracker check --json) to the project ({GUIDE}).")
    return 0
