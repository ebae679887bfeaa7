"""The asyncio API: the same names as ``msi_identity``, with methods that return awaitables.

The work runs on the binding's tokio runtime, off the event loop; ``await`` gives its result. Credentials may be
sync or async (``azure.identity.aio``); an async ``get_token`` is awaited on the calling loop.
"""

from .._native import AsyncClientSecretCredential as ClientSecretCredential
from .._native import AsyncDefaultAzureCredential as DefaultAzureCredential
from .._native import AsyncManagedIdentityClient as ManagedIdentityClient
from .._native import AsyncManagedIdentityCredential as ManagedIdentityCredential

__all__ = ["ClientSecretCredential", "DefaultAzureCredential", "ManagedIdentityClient", "ManagedIdentityCredential"]
