"""Azure managed identities for VMs and VM scale sets, from Python.

Enable and disable system-assigned identities, create user-assigned identities and attach or detach them, add or
remove the legacy MSI VM extension, grant roles, and get managed-identity tokens: ``ManagedIdentityClient`` (and
``msi_identity.aio.ManagedIdentityClient`` for asyncio) over the Rust core ``msi-identity``. Every error is an
``msi_identity.exceptions.MsiIdentityError``, a subclass of azure-core's exceptions; long-running operations have
``begin_*`` methods returning azure-core pollers; the core logs to the ``msi_identity`` logger;
``msi_identity.emulator`` runs a local Azure for tests.

azure-core is imported only when first needed (an error, a poller, ``get_token_info``, or one of the names
below that are azure-core's), so that ``import msi_identity`` stays fast.
"""

TYPE_CHECKING = False  # as typing's, without importing typing at start-up

from ._native import (
    AccessToken,
    BulkRun,
    ClientSecretCredential,
    DefaultAzureCredential,
    Identity,
    IdentityUpdate,
    ManagedIdentityClient,
    ManagedIdentityCredential,
    RoleAssignment,
    UserAssignedIdentity,
    UserIdentity,
    __version__,
)

if TYPE_CHECKING:
    from azure.core.credentials import AccessTokenInfo

    from ._bulk import BulkProgress, BulkResult, DesiredPlan

    from .exceptions import InvalidArgumentError, MsiIdentityError
else:
    # Imported on first use: they import azure-core.
    _LAZY = {
        "InvalidArgumentError": ("msi_identity.exceptions", "InvalidArgumentError"),
        "MsiIdentityError": ("msi_identity.exceptions", "MsiIdentityError"),
        "AccessTokenInfo": ("azure.core.credentials", "AccessTokenInfo"),
        "BulkProgress": ("msi_identity._bulk", "BulkProgress"),
        "BulkResult": ("msi_identity._bulk", "BulkResult"),
        "DesiredPlan": ("msi_identity._bulk", "DesiredPlan"),
    }

    def __getattr__(name):  # type: ignore[no-untyped-def]
        try:
            module, attr = _LAZY[name]
        except KeyError:
            raise AttributeError(f"module 'msi_identity' has no attribute '{name}'") from None
        import importlib

        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value

import atexit as _atexit

from ._native import drain as _drain

# Let asyncio results still being handed over from runtime threads finish before the interpreter goes away.
_atexit.register(_drain, 2.0)

__all__ = [
    "AccessToken",
    "AccessTokenInfo",
    "BulkProgress",
    "BulkResult",
    "BulkRun",
    "ClientSecretCredential",
    "DefaultAzureCredential",
    "DesiredPlan",
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
