"""Simulated Bluetooth LE sensors behind the real bleak API: peripherals, backends and their clock.

``simulated_ble_source`` puts a simulated sensor behind the same ``BleakScanner``/
``BleakClient`` code as a real one, through bleak's ``backend=`` argument (the in-process
``fake`` backend or bumble's virtual controllers), for the demo and the tests.
"""

from tracker.sim.ble.simulation import demo_radio, simulated_ble_source

__all__ = ["demo_radio", "simulated_ble_source"]
