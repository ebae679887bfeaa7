"""The stubs are what users type-check against: the examples pass `mypy --strict`, and they run as documented.
(`python -m mypy.stubtest msi_identity`, which checks the stubs against the compiled module, runs in test.sh.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from msi_identity import emulator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_examples_type_check_strictly():
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(EXAMPLES)],
        capture_output=True, text=True, cwd=EXAMPLES,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_catches_misuse(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import msi_identity\n"
        "c = msi_identity.ManagedIdentityClient()\n"
        "c.vm_identity_set('rg', 'vm')\n"  # identity_type is required
        "x: int = c.vm_identity_show('rg', 'vm').principal_id\n"  # Optional[str]
    )
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(bad)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1 and "identity_type" in out.stdout and "int" in out.stdout, out.stdout


def test_examples_run_against_the_emulator():
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLES / "test_quickstart.py")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    with emulator.Emulator() as emu:
        out = subprocess.run([sys.executable, str(EXAMPLES / "aio_quickstart.py")], env={**os.environ, **emu.env()},
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == str(["SystemAssigned"] * 4)
