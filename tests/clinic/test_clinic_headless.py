"""The clinic core imports neither textual nor bleak."""

from __future__ import annotations

import subprocess
import sys


def test_clinic_core_is_headless():
    code = (
        "import sys, tracker.clinic.assessment, tracker.clinic.export, tracker.files.history, "
        "tracker.clinic.report, tracker.clinic.norms, tracker.commands.assess; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'bleak')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
