"""The README's "test your script with the emulator" example: run quickstart.py, unchanged, against a local Azure."""

import os
import subprocess
import sys
from pathlib import Path

from msi_identity import emulator


def test_quickstart() -> None:
    with emulator.Emulator() as emu:
        script = Path(__file__).with_name("quickstart.py")
        out = subprocess.run([sys.executable, str(script)], env={**os.environ, **emu.env()},
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "SystemAssigned, UserAssigned"
        identity = emu.client().vm_identity_show("myResourceGroup", "myVM")
        assert identity.type == "SystemAssigned" and identity.principal_id
