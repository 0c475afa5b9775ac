"""`tracker assess` without a subcommand: the clinic's test battery in the dashboard.

Patient → protocol → per condition: instructions, countdown, GO (screen and bell), the
live hold timer with the stabilogram (or the stands), the automatic stop, end or discard
with a reason, practice trials, redo; the condition's results with norms and sources;
the visit's results and its report. ``--simulate`` puts the simulated patient behind the
real Bluetooth code (``tracker.sim.ble.patient_sensor``); they follow the protocol's cues.
"""

from __future__ import annotations

import argparse
import secrets

from tracker.core.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The interactive options of ``tracker assess`` (the subcommands have their own)."""
    g = p.add_argument_group("interactive assessment (tracker assess without a subcommand)")
    g.add_argument("--patient", help="the patient's pseudonymous ID (new: added on screen)")
    g.add_argument("--visit", type=int, metavar="N", help="continue visit N (default: a new one)")
    g.add_argument("--assessor", default="", help="who assesses (printed on the report)")
    g.add_argument("--protocol", metavar="NAME", help="the protocol (a name or a .toml file)")
    g.add_argument("--device", help="the sensor's name or address (default: the first found)")
    g.add_argument("--profile", help="the sensor's firmware profile (default: by its name)")
    g.add_argument("--no-bell", action="store_true", help="no terminal bell at GO and STOP")
    g.add_argument(
        "--simulate", action="store_true", help="a simulated patient and sensor (over BLE)"
    )
    g.add_argument("--seed", type=int, help="simulation seed (default: a new one)")
    g.add_argument(
        "--ending",
        choices=("foot_down", "step", "lowered", "none"),
        help="how the simulated patient's stances end (default: a mix; none: held to the limit)",
    )
    g.add_argument("--speed", type=float, default=1.0, help="simulated time's speed (default 1)")
    g.add_argument("--drop-at", type=float, metavar="S", help="lose the simulated sensor at S s")


def _protocols(args) -> dict:
    from tracker.clinic.protocols import load_protocols, user_dir

    extra = getattr(args, "protocols", None)
    return load_protocols([user_dir(), *extra] if extra else None)


def _protocol(args, protocols: dict):
    from tracker.clinic.protocols import load_protocol_file

    name = args.protocol
    if name is None:
        return None
    if name.endswith(".toml") or "/" in name:
        return load_protocol_file(name)
    if name not in protocols:
        raise InputError(f"unknown protocol {name!r} (known: {', '.join(protocols)})")
    return protocols[name]


def build(args, *, person=None, open_source=None):
    """The app for ``args`` (tests pass a ``person`` or a ``open_source`` of their own).

    With ``open_source=False`` nothing streams: samples are handed to ``app.driver.feed``.
    """
    from tracker.clinic.driver import AssessDriver
    from tracker.files.history import History
    from tracker.screens.clinic.app import AssessApp

    if args.speed <= 0:
        raise InputError("--speed must be positive")
    protocols = _protocols(args)
    protocol = _protocol(args, protocols)
    if protocol is not None:
        protocols.setdefault(protocol.name, protocol)
    history = History.open(getattr(args, "db", None))
    simulated = bool(args.simulate) or person is not None
    if simulated and person is None:
        from tracker.sim.patient import SimulatedPerson

        seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
        first = protocol or next(iter(protocols.values()))
        person = SimulatedPerson(first, seed=seed, ending=args.ending)
    if open_source is None and person is not None:

        async def open_source():
            from tracker.sim.ble.patient_sensor import person_source

            return person_source(person, speed=args.speed, drop_at_s=args.drop_at)

    elif open_source is None:

        async def open_source():
            from tracker.sensors.ble import find_source

            return await find_source(device=args.device, profile=args.profile)

    driver = AssessDriver(
        history,
        protocols,
        open_source=open_source or None,
        simulated=simulated,
        person=person,
    )
    driver.assessor = args.assessor
    return AssessApp(
        driver,
        patient=args.patient,
        visit=args.visit,
        protocol=protocol,
        bell=not args.no_bell,
    )


def run(args) -> int:
    """Run the screens; afterwards, say where the visit's results are."""
    app = build(args)
    try:
        app.run()
    finally:
        app.driver.history.close()
    if app.return_code:  # the screens failed (Textual printed why): not a success
        return app.return_code
    visit = app.driver.visit
    if visit is not None:
        print(
            f"Visit {visit['id']} of {visit['patient_id']}: "
            f"tracker assess results {visit['id']} · tracker report {visit['id']}"
        )
    for path in app.reports_written:
        print(f"Report written: {path}")
    if app.driver.problem and app.driver.assessment is None:
        from tracker.core.errors import DeviceError

        raise DeviceError(app.driver.problem)
    return 0
