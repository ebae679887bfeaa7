"""Azure managed identities for VMs and VM scale sets, from Python.

Enable and disable system-assigned identities, create user-assigned identities and attach or detach them, add or
remove the legacy MSI VM extension, grant roles, and get managed-identity tokens: ``ManagedIdentityClient`` (and
``msi_identity.aio.ManagedIdentityClient`` for asyncio) over the Rust core ``msi-identity``. Every error is an
``msi_identity.exceptions.MsiIdentityError``; ``msi_identity.emulator`` runs a local Azure for tests.
"""

from ._native import (
    AccessToken,
    ClientSecretCredential,
    Identity,
    IdentityUpdate,
    ManagedIdentityClient,
    ManagedIdentityCredential,
    RoleAssignment,
    UserAssignedIdentity,
    UserIdentity,
    __version__,
)
from .exceptions import InvalidArgumentError, MsiIdentityError

import atexit as _atexit

from ._native import drain as _drain

# Let asyncio results still being handed over from runtime threads finish before the interpreter goes away.
_atexit.register(_drain, 2.0)

__all__ = [
    "AccessToken",
    "ClientSecretCredential",
    "Identity",
    "IdentityUpdate",
    "InvalidArgumentError",
    "ManagedIdentityClient",
    "ManagedIdentityCredential",
    "MsiIdentityError",
    "RoleAssignment",
    "UserAssignedIdentity",
    "UserIdentity",
    "__version__",
]
