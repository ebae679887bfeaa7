"""A local Azure for tests, in this process: ARM (groups, VMs, scale sets, extensions, user-assigned identities,
role assignments) and Entra ID tokens over HTTPS on a free loopback port, plus each VM's IMDS token endpoint.

Test your own script with no Azure, the way moto does for AWS::

    from msi_identity import emulator

    with emulator.Emulator() as emu, emulator.environment(emu):
        run_my_script()          # reads MSI_ARM_ENDPOINT, AZURE_*; azure-identity and requests trust the CA

``emu.client()`` and ``emu.aio_client()`` are ready clients; ``emu.imds_base_url(vm_id)`` is where code "running
on" that VM gets its managed identity's tokens.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator, Optional, Union

from ._native import Emulator

__all__ = ["Emulator", "environment", "start"]


def start(
    *,
    data_dir: Optional[Union[str, os.PathLike[str]]] = None,
    port: int = 0,
    lro_delay: float = 0.0,
    page_size: int = 100,
    imds_port: int = 0,
    enforce_rbac: bool = True,
    throttle: str = "arm",
) -> Emulator:
    """Start an emulator (in memory unless ``data_dir`` is given); stop it with ``stop()`` or a ``with`` block."""
    return Emulator(
        data_dir=None if data_dir is None else os.fspath(data_dir),
        port=port,
        lro_delay=lro_delay,
        page_size=page_size,
        imds_port=imds_port,
        enforce_rbac=enforce_rbac,
        throttle=throttle,
    )


@contextlib.contextmanager
def environment(emulator: Emulator) -> Iterator[dict[str, str]]:
    """Point ``os.environ`` at ``emulator`` (``emulator.env()``) for the ``with`` block, then restore it."""
    values = emulator.env()
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
