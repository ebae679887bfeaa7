# Stubs of the compiled module (bindings-python/src/*.rs). Checked against it by `python -m mypy.stubtest
# msi_identity` (bindings-python/test.sh): edit both together.
from collections.abc import Callable, Iterator, Sequence
from os import PathLike
from typing import Any, Awaitable, Optional, Protocol, Union, final

from azure.core.credentials import AccessTokenInfo, TokenRequestOptions
from azure.core.polling import AsyncLROPoller, LROPoller
from typing_extensions import Self

from ._bulk import AsyncBulkRun, BulkProgress, BulkResult, DesiredPlan, ProgressCallback

__version__: str
RUNTIME_THREAD_NAME: str
# Every `kind` an msi_identity.exceptions.MsiIdentityError can carry (core's ErrorKind::ALL, in the CLI's exit-code order).
ERROR_KINDS: tuple[str, ...]

def drain(timeout: float) -> int: ...

__all__ = [
    "__version__",
    "RUNTIME_THREAD_NAME",
    "ERROR_KINDS",
    "drain",
    "resume_operation",
    "ManagedIdentityClient",
    "AsyncManagedIdentityClient",
    "AccessToken",
    "ClientSecretCredential",
    "AsyncClientSecretCredential",
    "DefaultAzureCredential",
    "AsyncDefaultAzureCredential",
    "ManagedIdentityCredential",
    "AsyncManagedIdentityCredential",
    "Identity",
    "UserAssignedIdentity",
    "IdentityUpdate",
    "UserIdentity",
    "RoleAssignment",
    "Operation",
    "BulkRun",
    "Emulator",
]

# ARM JSON comes back as plain Python values (dict, list, str, int, float, bool, None).

class _AccessTokenLike(Protocol):
    @property
    def token(self) -> str: ...
    @property
    def expires_on(self) -> int: ...

class _TokenCredential(Protocol):
    """azure-core's ``TokenCredential``: e.g. any ``azure.identity`` credential."""

    def get_token(self, *scopes: str, **kwargs: Any) -> _AccessTokenLike: ...

class _AsyncTokenCredential(Protocol):
    """azure-core's ``AsyncTokenCredential``: e.g. any ``azure.identity.aio`` credential."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> _AccessTokenLike: ...

# ---- results (identity.rs, compute.rs, user_identity.rs, roles.rs)

@final
class Identity:
    @property
    def type(self) -> str: ...
    @property
    def system_assigned(self) -> bool: ...
    @property
    def principal_id(self) -> Optional[str]: ...
    @property
    def tenant_id(self) -> Optional[str]: ...
    @property
    def user_assigned_identities(self) -> list[UserAssignedIdentity]: ...
    def as_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class UserAssignedIdentity:
    @property
    def id(self) -> str: ...
    @property
    def principal_id(self) -> Optional[str]: ...
    @property
    def client_id(self) -> Optional[str]: ...
    def as_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class IdentityUpdate:
    @property
    def changed(self) -> bool: ...
    @property
    def identity(self) -> Identity: ...
    @property
    def resource(self) -> dict[str, Any]: ...
    @property
    def role_assignment(self) -> Optional[RoleAssignment]: ...
    def as_dict(self) -> dict[str, Any]: ...

@final
class UserIdentity:
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def resource_group(self) -> str: ...
    @property
    def tenant_id(self) -> Optional[str]: ...
    @property
    def principal_id(self) -> Optional[str]: ...
    @property
    def client_id(self) -> Optional[str]: ...
    def as_dict(self) -> dict[str, Any]: ...

@final
class RoleAssignment:
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def role_definition_id(self) -> str: ...
    @property
    def principal_id(self) -> str: ...
    @property
    def principal_type(self) -> Optional[str]: ...
    def as_dict(self) -> dict[str, Any]: ...

# ---- credentials (credential.rs, managed_identity.rs)

@final
class AccessToken:
    def __new__(cls, token: str, expires_on: int) -> Self: ...
    @property
    def token(self) -> str: ...
    @property
    def expires_on(self) -> int: ...
    def __len__(self) -> int: ...
    def __getitem__(self, i: int, /) -> Union[str, int]: ...
    def __iter__(self) -> Iterator[Union[str, int]]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class ClientSecretCredential:
    def __new__(
        cls,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        authority: Optional[str] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
    ) -> Self: ...
    def get_token(
        self,
        *scopes: str,
        claims: Optional[str] = None,
        tenant_id: Optional[str] = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken: ...
    def get_token_info(self, *scopes: str, options: Optional[TokenRequestOptions] = None) -> AccessTokenInfo: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...

@final
class AsyncClientSecretCredential:
    def __new__(
        cls,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        authority: Optional[str] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
    ) -> Self: ...
    async def get_token(
        self,
        *scopes: str,
        claims: Optional[str] = None,
        tenant_id: Optional[str] = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken: ...
    async def get_token_info(
        self, *scopes: str, options: Optional[TokenRequestOptions] = None
    ) -> AccessTokenInfo: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *args: object) -> None: ...

@final
class ManagedIdentityCredential:
    def __new__(
        cls,
        *,
        client_id: Optional[str] = None,
        object_id: Optional[str] = None,
        resource_id: Optional[str] = None,
        imds_endpoint: Optional[str] = None,
        msi_extension_port: Optional[int] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
    ) -> Self: ...
    def get_token(
        self,
        *scopes: str,
        claims: Optional[str] = None,
        tenant_id: Optional[str] = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken: ...
    def get_token_info(self, *scopes: str, options: Optional[TokenRequestOptions] = None) -> AccessTokenInfo: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...

@final
class AsyncManagedIdentityCredential:
    def __new__(
        cls,
        *,
        client_id: Optional[str] = None,
        object_id: Optional[str] = None,
        resource_id: Optional[str] = None,
        imds_endpoint: Optional[str] = None,
        msi_extension_port: Optional[int] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
    ) -> Self: ...
    async def get_token(
        self,
        *scopes: str,
        claims: Optional[str] = None,
        tenant_id: Optional[str] = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken: ...
    async def get_token_info(
        self, *scopes: str, options: Optional[TokenRequestOptions] = None
    ) -> AccessTokenInfo: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *args: object) -> None: ...

@final
class DefaultAzureCredential:
    def __new__(
        cls,
        *,
        authority: Optional[str] = None,
        exclude_environment_credential: bool = False,
        exclude_workload_identity_credential: bool = False,
        exclude_managed_identity_credential: bool = False,
        exclude_cli_credential: bool = False,
        process_timeout: Optional[float] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
    ) -> Self: ...
    def get_token(
        self,
        *scopes: str,
        claims: Optional[str] = None,
        tenant_id: Optional[str] = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken: ...
    def get_token_info(self, *scopes: str, options: Optional[TokenRequestOptions] = None) -> AccessTokenInfo: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...

@final
class AsyncDefaultAzureCredential:
    def __new__(
        cls,
        *,
        authority: Optional[str] = None,
        exclude_environment_credential: bool = False,
        exclude_workload_identity_credential: bool = False,
        exclude_managed_identity_credential: bool = False,
        exclude_cli_credential: bool = False,
        process_timeout: Optional[float] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
    ) -> Self: ...
    async def get_token(
        self,
        *scopes: str,
        claims: Optional[str] = None,
        tenant_id: Optional[str] = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken: ...
    async def get_token_info(
        self, *scopes: str, options: Optional[TokenRequestOptions] = None
    ) -> AccessTokenInfo: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *args: object) -> None: ...

_Credential = Union[
    _TokenCredential,
    ManagedIdentityCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    AsyncManagedIdentityCredential,
    AsyncClientSecretCredential,
    AsyncDefaultAzureCredential,
]
_AnyCredential = Union[_Credential, _AsyncTokenCredential]

# ---- clients (client.rs; the methods come from compute.rs, user_identity.rs, roles.rs)

@final
class ManagedIdentityClient:
    def __new__(
        cls,
        credential: Optional[_Credential] = None,
        subscription_id: Optional[str] = None,
        *,
        endpoint: Optional[str] = None,
        tenant_id: Optional[str] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        authority: Optional[str] = None,
        access_token: Optional[str] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
        retry_total: Optional[int] = None,
        retry_backoff_factor: Optional[float] = None,
        retry_backoff_max: Optional[float] = None,
        polling_timeout: Optional[float] = None,
        max_conflict_retries: Optional[int] = None,
        use_environment: bool = True,
    ) -> Self: ...
    @property
    def subscription_id(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...
    # bulk changes (bulk.rs): `action` is core's action JSON, e.g. {"action": "assign", "identities": [...]}
    def bulk_vm(
        self,
        action: dict[str, Any],
        *,
        ids: Optional[Sequence[str]] = None,
        resource_group: Optional[str] = None,
        subscriptions: Optional[Sequence[str]] = None,
        tag: Optional[str] = None,
        concurrency: Optional[int] = None,
        on_progress: Optional[Callable[[BulkProgress], object]] = None,
    ) -> BulkRun: ...
    def bulk_vmss(
        self,
        action: dict[str, Any],
        *,
        ids: Optional[Sequence[str]] = None,
        resource_group: Optional[str] = None,
        subscriptions: Optional[Sequence[str]] = None,
        tag: Optional[str] = None,
        concurrency: Optional[int] = None,
        on_progress: Optional[Callable[[BulkProgress], object]] = None,
    ) -> BulkRun: ...
    # desired state from a file (desired.rs): the file's text and its name, as given to core
    def plan_desired(self, text: str, *, source: Optional[str] = None, concurrency: Optional[int] = None) -> DesiredPlan: ...
    def apply_desired(
        self,
        text: str,
        *,
        source: Optional[str] = None,
        concurrency: Optional[int] = None,
        on_progress: Optional[Callable[[BulkProgress], object]] = None,
    ) -> BulkRun: ...
    # resource groups
    def create_resource_group(self, name: str, location: str) -> dict[str, Any]: ...
    def get_resource_group(self, name: str) -> dict[str, Any]: ...
    # VM and scale set identity
    def vm_identity_show(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> Identity: ...
    def vmss_identity_show(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> Identity: ...
    def vm_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    def vmss_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    def vm_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    def vmss_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    def vm_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: str,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    def vmss_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: str,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    # VMs and scale sets
    def create_vm(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    def create_vmss(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    def get_vm(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> dict[str, Any]: ...
    def get_vmss(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> dict[str, Any]: ...
    def delete_vm(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> bool: ...
    def delete_vmss(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> bool: ...
    # the MSI VM extension
    def set_msi_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        extension_type: Optional[str] = None,
        vmss_name: Optional[str] = None,
        name: Optional[str] = None,
        publisher: Optional[str] = None,
        version: Optional[str] = None,
        settings: Optional[dict[str, Any]] = None,
        port: Optional[int] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    def get_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        name: str,
        vmss_name: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    def delete_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        name: str,
        vmss_name: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> bool: ...
    # long-running operations as azure-core pollers (or resumed from continuation_token)
    def begin_vm_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[IdentityUpdate]: ...
    def begin_vm_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[IdentityUpdate]: ...
    def begin_vm_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: Optional[str] = None,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[IdentityUpdate]: ...
    def begin_create_vm(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[dict[str, Any]]: ...
    def begin_delete_vm(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[bool]: ...
    def begin_vmss_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[IdentityUpdate]: ...
    def begin_vmss_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[IdentityUpdate]: ...
    def begin_vmss_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: Optional[str] = None,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[IdentityUpdate]: ...
    def begin_create_vmss(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[dict[str, Any]]: ...
    def begin_delete_vmss(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[bool]: ...
    def begin_set_msi_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        extension_type: Optional[str] = None,
        vmss_name: Optional[str] = None,
        name: Optional[str] = None,
        publisher: Optional[str] = None,
        version: Optional[str] = None,
        settings: Optional[dict[str, Any]] = None,
        port: Optional[int] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[dict[str, Any]]: ...
    def begin_delete_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        name: Optional[str] = None,
        vmss_name: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> LROPoller[bool]: ...
    # user-assigned identities
    def create_user_identity(
        self, resource_group: str, name: str, *, location: Optional[str] = None, tags: Optional[dict[str, str]] = None
    ) -> UserIdentity: ...
    def get_user_identity(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> UserIdentity: ...
    def list_user_identities(self, resource_group: Optional[str] = None) -> list[UserIdentity]: ...
    def delete_user_identity(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> bool: ...
    # role assignments
    def create_role_assignment(
        self, scope: str, role: str, principal_id: str, *, principal_type: Optional[str] = None
    ) -> RoleAssignment: ...
    def list_role_assignments(
        self, scope: Optional[str] = None, *, principal_id: Optional[str] = None
    ) -> list[RoleAssignment]: ...
    def delete_role_assignment(self, role_assignment_id: str) -> bool: ...
    def delete_role_assignments(
        self, scope: Optional[str] = None, *, principal_id: Optional[str] = None, role: Optional[str] = None
    ) -> list[str]: ...

@final
class AsyncManagedIdentityClient:
    def __new__(
        cls,
        credential: Optional[_AnyCredential] = None,
        subscription_id: Optional[str] = None,
        *,
        endpoint: Optional[str] = None,
        tenant_id: Optional[str] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        authority: Optional[str] = None,
        access_token: Optional[str] = None,
        ca_cert_pem: Optional[str] = None,
        ca_cert_path: Optional[str] = None,
        retry_total: Optional[int] = None,
        retry_backoff_factor: Optional[float] = None,
        retry_backoff_max: Optional[float] = None,
        polling_timeout: Optional[float] = None,
        max_conflict_retries: Optional[int] = None,
        use_environment: bool = True,
    ) -> Self: ...
    @property
    def subscription_id(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *args: object) -> None: ...
    # bulk changes (bulk.rs): `action` is core's action JSON, e.g. {"action": "assign", "identities": [...]}
    def bulk_vm(
        self,
        action: dict[str, Any],
        *,
        ids: Optional[Sequence[str]] = None,
        resource_group: Optional[str] = None,
        subscriptions: Optional[Sequence[str]] = None,
        tag: Optional[str] = None,
        concurrency: Optional[int] = None,
        on_progress: Optional[ProgressCallback] = None,
    ) -> AsyncBulkRun: ...
    def bulk_vmss(
        self,
        action: dict[str, Any],
        *,
        ids: Optional[Sequence[str]] = None,
        resource_group: Optional[str] = None,
        subscriptions: Optional[Sequence[str]] = None,
        tag: Optional[str] = None,
        concurrency: Optional[int] = None,
        on_progress: Optional[ProgressCallback] = None,
    ) -> AsyncBulkRun: ...
    # desired state from a file (desired.rs): the file's text and its name, as given to core
    async def plan_desired(
        self, text: str, *, source: Optional[str] = None, concurrency: Optional[int] = None
    ) -> DesiredPlan: ...
    def apply_desired(
        self,
        text: str,
        *,
        source: Optional[str] = None,
        concurrency: Optional[int] = None,
        on_progress: Optional[ProgressCallback] = None,
    ) -> AsyncBulkRun: ...
    async def create_resource_group(self, name: str, location: str) -> dict[str, Any]: ...
    async def get_resource_group(self, name: str) -> dict[str, Any]: ...
    async def vm_identity_show(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> Identity: ...
    async def vmss_identity_show(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> Identity: ...
    async def vm_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    async def vmss_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    async def vm_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    async def vmss_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    async def vm_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: str,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    async def vmss_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: str,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
    ) -> IdentityUpdate: ...
    async def create_vm(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    async def create_vmss(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    async def get_vm(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> dict[str, Any]: ...
    async def get_vmss(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> dict[str, Any]: ...
    async def delete_vm(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> bool: ...
    async def delete_vmss(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> bool: ...
    async def set_msi_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        extension_type: Optional[str] = None,
        vmss_name: Optional[str] = None,
        name: Optional[str] = None,
        publisher: Optional[str] = None,
        version: Optional[str] = None,
        settings: Optional[dict[str, Any]] = None,
        port: Optional[int] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    async def get_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        name: str,
        vmss_name: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    async def delete_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        name: str,
        vmss_name: Optional[str] = None,
        resource_id: Optional[str] = None,
    ) -> bool: ...
    # long-running operations as azure-core pollers (or resumed from continuation_token)
    async def begin_vm_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[IdentityUpdate]: ...
    async def begin_vm_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[IdentityUpdate]: ...
    async def begin_vm_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: Optional[str] = None,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[IdentityUpdate]: ...
    async def begin_create_vm(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[dict[str, Any]]: ...
    async def begin_delete_vm(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[bool]: ...
    async def begin_vmss_identity_assign(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        role: Optional[str] = None,
        scope: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[IdentityUpdate]: ...
    async def begin_vmss_identity_remove(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identities: Optional[Sequence[str]] = None,
        system_assigned: Optional[bool] = None,
        all_user_assigned: bool = False,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[IdentityUpdate]: ...
    async def begin_vmss_identity_set(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        identity_type: Optional[str] = None,
        identities: Optional[Sequence[str]] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[IdentityUpdate]: ...
    async def begin_create_vmss(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        model: Optional[dict[str, Any]] = None,
        *,
        image: Optional[str] = None,
        size: Optional[str] = None,
        admin_username: Optional[str] = None,
        admin_password: Optional[str] = None,
        ssh_public_key: Optional[str] = None,
        generate_ssh_keys: bool = False,
        location: Optional[str] = None,
        instance_count: Optional[int] = None,
        system_assigned: Optional[bool] = None,
        assign_identity: Optional[Sequence[str]] = None,
        identity_type: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[dict[str, Any]]: ...
    async def begin_delete_vmss(
        self,
        resource_group: Optional[str] = None,
        name: Optional[str] = None,
        *,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[bool]: ...
    async def begin_set_msi_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        extension_type: Optional[str] = None,
        vmss_name: Optional[str] = None,
        name: Optional[str] = None,
        publisher: Optional[str] = None,
        version: Optional[str] = None,
        settings: Optional[dict[str, Any]] = None,
        port: Optional[int] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[dict[str, Any]]: ...
    async def begin_delete_extension(
        self,
        resource_group: Optional[str] = None,
        vm_name: Optional[str] = None,
        *,
        name: Optional[str] = None,
        vmss_name: Optional[str] = None,
        resource_id: Optional[str] = None,
        continuation_token: Optional[str] = None,
    ) -> AsyncLROPoller[bool]: ...
    async def create_user_identity(
        self, resource_group: str, name: str, *, location: Optional[str] = None, tags: Optional[dict[str, str]] = None
    ) -> UserIdentity: ...
    async def get_user_identity(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> UserIdentity: ...
    async def list_user_identities(self, resource_group: Optional[str] = None) -> list[UserIdentity]: ...
    async def delete_user_identity(
        self, resource_group: Optional[str] = None, name: Optional[str] = None, *, resource_id: Optional[str] = None
    ) -> bool: ...
    async def create_role_assignment(
        self, scope: str, role: str, principal_id: str, *, principal_type: Optional[str] = None
    ) -> RoleAssignment: ...
    async def list_role_assignments(
        self, scope: Optional[str] = None, *, principal_id: Optional[str] = None
    ) -> list[RoleAssignment]: ...
    async def delete_role_assignment(self, role_assignment_id: str) -> bool: ...
    async def delete_role_assignments(
        self, scope: Optional[str] = None, *, principal_id: Optional[str] = None, role: Optional[str] = None
    ) -> list[str]: ...

# ---- long-running operations (operation.rs): what the begin_* methods' pollers drive (msi_identity/_lro.py)

def resume_operation(
    client: Union[ManagedIdentityClient, AsyncManagedIdentityClient], continuation_token: str
) -> Operation: ...
@final
class Operation:
    @property
    def kind(self) -> str: ...
    @property
    def resource_id(self) -> str: ...
    def status(self) -> str: ...
    def done(self) -> bool: ...
    def continuation_token(self) -> str: ...
    def wait(self) -> None: ...
    def wait_async(self) -> Awaitable[None]: ...
    def result(self) -> Any: ...

# ---- bulk changes (bulk.rs)

@final
class BulkRun:
    @property
    def total(self) -> int: ...
    @property
    def progress(self) -> Optional[BulkProgress]: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> BulkResult: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...
    def _next_event(self) -> Awaitable[Optional[tuple[str, Any]]]: ...

# ---- the emulator (emulator.rs)

@final
class Emulator:
    def __new__(
        cls,
        *,
        data_dir: Optional[Union[str, PathLike[str]]] = None,
        port: int = 0,
        lro_delay: float = 0.0,
        page_size: int = 100,
        imds_port: int = 0,
        enforce_rbac: bool = True,
        throttle: str = "arm",
    ) -> Self: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def ca_cert_pem(self) -> str: ...
    @property
    def ca_cert_path(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def subscription_id(self) -> str: ...
    @property
    def admin_client_id(self) -> str: ...
    @property
    def admin_client_secret(self) -> str: ...
    @property
    def running(self) -> bool: ...
    @property
    def imds_endpoint(self) -> str: ...
    def env(self) -> dict[str, str]: ...
    def imds_base_url(self, compute_resource_id: str, instance: Optional[int] = None) -> str: ...
    def app_service_env(self, compute_resource_id: str) -> dict[str, str]: ...
    def client(self, credential: Optional[_Credential] = None) -> ManagedIdentityClient: ...
    def aio_client(self, credential: Optional[_AnyCredential] = None) -> AsyncManagedIdentityClient: ...
    def credential(self) -> ClientSecretCredential: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...
