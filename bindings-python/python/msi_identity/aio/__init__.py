"""The asyncio API: the same names as ``msi_identity``, with methods that return awaitables.

The work runs on the binding's tokio runtime, off the event loop; ``await`` gives its result. Credentials may be
sync or async (``azure.identity.aio``); an async ``get_token`` is awaited on the calling loop.
"""

from .._native import AsyncClientSecretCredential as ClientSecretCredential
from .._native import AsyncDefaultAzureCredential as DefaultAzureCredential
from .._native import AsyncManagedIdentityClient as ManagedIdentityClient
from .._native import AsyncManagedIdentityCredential as ManagedIdentityCredential

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from .._bulk import AsyncBulkRun as BulkRun
else:

    def __getattr__(name):  # type: ignore[no-untyped-def]
        # BulkRun (msi_identity._bulk, which imports typing) on first use, so that the import stays light.
        if name == "BulkRun":
            from .._bulk import AsyncBulkRun

            globals()["BulkRun"] = AsyncBulkRun
            return AsyncBulkRun
        raise AttributeError(f"module 'msi_identity.aio' has no attribute '{name}'")


__all__ = ["BulkRun", "ClientSecretCredential", "DefaultAzureCredential", "ManagedIdentityClient", "ManagedIdentityCredential"]
