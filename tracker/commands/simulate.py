"""`tracker simulate KIND -o FILE`: a simulated session as a recording, with its ground truth."""

from __future__ import annotations

from tracker.core.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="write a simulated session (recording + truth)",
        description=(
            "Simulate a session of a thigh-worn IMU with a physics-based body and sensor "
            "model, and write it as a recording (.trk or interchange .csv) with its ground "
            "truth next to it (FILE.truth.json). The data are simulated, not a person's."
        ),
    )
    p.add_argument(
        "kind", metavar="KIND", nargs="?", help="what the session holds (--list shows them)"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="a .trk or .csv path (needed)")
    p.add_argument("--list", action="store_true", help="list the kinds of session and exit")
    p.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
    p.add_argument("--rate", type=float, default=100.0, metavar="HZ", help="sensor rate (100)")
    p.add_argument("--duration", type=float, metavar="S", help="total length to fill")
    p.add_argument("--reps", type=int, metavar="N", help="reps per set")
    p.add_argument("--sets", type=int, metavar="N", help="number of sets")
    p.add_argument("--depth", type=float, metavar="DEG", help="thigh inclination at the bottom")
    p.add_argument("--tempo", type=float, metavar="S", help="seconds down and seconds up")
    p.add_argument("--shake", type=float, metavar="DEG", help="frontal shake RMS during reps")
    p.add_argument("--sway", type=float, metavar="DEG", help="sway RMS in single-leg stance")
    p.add_argument("--hold", type=float, metavar="S", help="seconds per hold (holds)")
    p.add_argument("--leg", choices=("left", "right"), help="the leg wearing the sensor")
    p.add_argument(
        "--mounting",
        choices=("front", "side", "back", "aligned"),
        help="where the sensor sits (default: anywhere, turned at random)",
    )
    p.add_argument(
        "--sides",
        choices=("alternate", "sensor"),
        help="rehab sets: alternate legs (default) or all on the sensor's leg",
    )
    p.add_argument(
        "--ending",
        choices=("foot_down", "step", "lowered", "none"),
        help="how a stance ends (single-leg-stance: foot_down, step, lowered; "
        "tandem-stance: none, step); default: a mix",
    )
    p.add_argument("--no-noise", action="store_true", help="an ideal sensor and clock")
    p.add_argument("--no-loss", action="store_true", help="no lost packets")
    _add_real_world(p)
    p.set_defaults(func=run)


def _add_real_world(p) -> None:
    """The sensor's imperfections and the hard kinds' movements (as in real recordings)."""
    g = p.add_argument_group(
        "real-world sensor and movement",
        "A board's imperfections (each replaces the preset's value) and the options of the "
        "hard kinds (continuous-squats, squats-and-walks, loose-walk, high-chair-*, "
        "swaying-stance, shaky-stance), which default to the cheap board on soft tissue.",
    )
    g.add_argument(
        "--sensor",
        choices=("typical", "ideal", "cheap"),
        help="board preset: typical (default for everyday kinds), ideal, or cheap "
        "(±2 g, ±250 °/s, accelerometer offset 0.2-0.6 g)",
    )
    g.add_argument("--acc-offset", type=float, metavar="G", help="accelerometer offset size")
    g.add_argument("--acc-scale", type=float, metavar="PCT", help="largest scale error, %%")
    g.add_argument("--gyro-bias", type=float, metavar="DEG_S", help="largest gyro bias per axis")
    g.add_argument("--acc-range", type=float, metavar="G", help="accelerometer range: 2, 4, 8, 16")
    g.add_argument(
        "--gyro-range", type=float, metavar="DEG_S", help="gyro range: 125, 250 ... 2000"
    )
    g.add_argument("--bandwidth", type=float, metavar="HZ", help="the sensor's low-pass filter")
    g.add_argument(
        "--strap",
        choices=("rigid", "soft", "loose"),
        help="the sensor on soft tissue: rigid (default for everyday kinds), soft, loose",
    )
    g.add_argument("--lead-in", type=float, metavar="S", help="first movement after the start")
    g.add_argument(
        "--tops",
        choices=("level", "short", "extended", "wander"),
        help="continuous reps: where the tops sit against the posture before the set",
    )
    g.add_argument("--travel", type=float, metavar="DEG", help="chair rises: seated thigh angle")
    g.add_argument("--shake-hz", type=float, metavar="HZ", help="shaky stance: shake frequency")


_OPTION_OF_ARG = {
    "duration": "duration",
    "reps": "reps",
    "sets": "sets",
    "depth": "depth",
    "tempo": "tempo",
    "shake": "shake_rms_deg",
    "sway": "sway_rms_deg",
    "hold": "hold_s",
    "leg": "leg",
    "mounting": "mounting",
    "sides": "sides",
    "ending": "ending",
    "sensor": "sensor",
    "acc_offset": "acc_offset_g",
    "acc_scale": "acc_scale_pct",
    "gyro_bias": "gyro_bias_deg_s",
    "acc_range": "acc_range_g",
    "gyro_range": "gyro_range_deg_s",
    "bandwidth": "bandwidth_hz",
    "strap": "strap",
    "lead_in": "lead_in_s",
    "tops": "tops",
    "travel": "travel_deg",
    "shake_hz": "shake_hz",
}


def run(args) -> int:
    from tracker.sim import KINDS, simulate

    if args.list:
        width = max(map(len, KINDS))
        for name, kind in KINDS.items():
            print(f"{name:{width}}  {kind.description}")
        return 0
    if args.kind is None:
        raise InputError(f"name a KIND: {', '.join(KINDS)} (tracker simulate --list)")
    if args.kind not in KINDS:
        raise InputError(f"unknown kind {args.kind!r}; kinds: {', '.join(KINDS)}")
    if not args.output:
        raise InputError(f"say where to write it: tracker simulate {args.kind} -o FILE.trk")
    if not 1.0 <= args.rate <= 2000.0:
        raise InputError(f"--rate must be between 1 and 2000 Hz, not {args.rate:g}")
    options = {opt: getattr(args, arg) for arg, opt in _OPTION_OF_ARG.items()}
    options = {k: v for k, v in options.items() if v is not None}
    for name in ("duration", "reps", "sets", "tempo", "hold_s"):
        if name in options and options[name] <= 0:
            raise InputError(f"{name} must be positive, not {options[name]:g}")
    session = simulate(
        args.kind,
        seed=args.seed,
        rate_hz=args.rate,
        noise=not args.no_noise,
        loss=not args.no_loss,
        **options,
    )
    written = session.write(args.output)
    print(
        f"wrote {' and '.join(map(str, written))}: simulated {args.kind} "
        f"(seed {args.seed}, {session.sensor.rate_hz:g} Hz, {session.duration_s:.1f} s, "
        f"{len(session.block)} samples); simulated data, not a recording of a person"
    )
    return 0
