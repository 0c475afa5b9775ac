"""Protocol decoders by name; each module has ``Parser``, ``Encoder``, ``OPTIONS`` and ``layout``.

``fixed`` reads declarative layouts from the profile; the others are protocols
that need logic (frame reassembly, delta compression, text lines, checksums).
"""

from tracker.sensors.decoders import fixed, movesense, nus_binary, nus_csv, polar

DECODERS = {
    "fixed": fixed,
    "movesense-gsp": movesense,
    "nus-binary": nus_binary,
    "nus-csv": nus_csv,
    "polar-pmd": polar,
}
