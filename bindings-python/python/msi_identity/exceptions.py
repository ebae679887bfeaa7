"""The exceptions of ``msi_identity``: subclasses of azure-core's, so that code written for the Azure SDKs catches
them (``except azure.core.exceptions.ResourceNotFoundError``, ``except azure.core.exceptions.HttpResponseError``).

Every exception is a ``MsiIdentityError`` (an ``azure.core.exceptions.AzureError``) carrying ``kind``
(``invalid_argument``, ``bad_request``, ``not_found``, ``conflict``, ``authentication``, ``authorization``,
``credential_unavailable``, ``throttled``, ``service``, ``connection``, ``timeout``), ``status_code``,
``error_code`` (ARM ``error.code`` or Entra/IMDS ``error``), ``request_id`` (``x-ms-request-id``), ``message``
(the service's or core's message) and ``target``; and, as azure-core's ``HttpResponseError`` has them,
``reason`` (the HTTP reason phrase), ``error`` (an ``azure.core.exceptions.ODataV4Format`` with ``code``,
``message`` and ``target``) and ``response`` (always ``None``: the HTTP exchange stayed in the Rust core)::

    MsiIdentityError                        (azure.core.exceptions.AzureError)
    ├── InvalidArgumentError                also a ValueError: nothing was sent
    ├── HttpResponseError                   azure.core.exceptions.HttpResponseError
    │   ├── BadRequestError                 400
    │   ├── ClientAuthenticationError       401, or a credential failed: azure.core's ClientAuthenticationError
    │   │   └── CredentialUnavailableError  no managed identity here, or not the one asked for
    │   ├── ClientAuthorizationError        403 (error_code AuthorizationFailed / LinkedAuthorizationFailed)
    │   ├── ResourceNotFoundError           404: azure.core's ResourceNotFoundError
    │   ├── ResourceExistsError             409: azure.core's ResourceExistsError
    │   ├── ResourceModifiedError           412: azure.core's ResourceModifiedError
    │   └── ThrottledError                  429
    ├── ServiceRequestError                 no connection: azure.core's ServiceRequestError
    └── ServiceResponseError                azure.core's ServiceResponseError
        └── ServiceResponseTimeoutError     timed out: azure.core's ServiceResponseTimeoutError

``ERROR_KINDS`` is every ``kind``, as the core lists them. Which class an error of the core becomes is decided
in one place, the native module's ``error.rs``; this module imports azure-core, so ``import msi_identity``
imports it only when an error is raised or this module is imported.
"""

from __future__ import annotations

import http
from typing import Any, Optional

from azure.core import exceptions as _core

from ._native import ERROR_KINDS

__all__ = [
    "ERROR_KINDS",
    "BadRequestError",
    "ClientAuthenticationError",
    "ClientAuthorizationError",
    "CredentialUnavailableError",
    "HttpResponseError",
    "InvalidArgumentError",
    "MsiIdentityError",
    "ResourceExistsError",
    "ResourceModifiedError",
    "ResourceNotFoundError",
    "ServiceRequestError",
    "ServiceResponseError",
    "ServiceResponseTimeoutError",
    "ThrottledError",
]


def _reason(status: Optional[int]) -> Optional[str]:
    try:
        return http.HTTPStatus(status).phrase if status is not None else None
    except ValueError:
        return None


class MsiIdentityError(_core.AzureError):
    """Base of every msi_identity error. Attributes: kind, status_code, error_code, request_id, message, target,
    and azure-core's reason, error (ODataV4Format) and response (None)."""

    kind: Optional[str] = None
    status_code: Optional[int] = None
    error_code: Optional[str] = None
    request_id: Optional[str] = None
    target: Optional[str] = None
    reason: Optional[str] = None
    error: Optional[_core.ODataV4Format] = None
    response: Any = None

    def __init__(
        self,
        message: object = None,
        *args: Any,
        kind: Optional[str] = None,
        status_code: Optional[int] = None,
        error_code: Optional[str] = None,
        request_id: Optional[str] = None,
        detail: Optional[str] = None,
        target: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        # `message` (str(e)) is the whole text; `detail` the service's or core's message alone.
        super().__init__(message, *args, **kwargs)
        self.kind = kind
        self.status_code = status_code
        self.error_code = error_code
        self.request_id = request_id
        self.target = target
        self.reason = _reason(status_code)
        self.response = None
        if detail is not None:
            self.message = detail
        if error_code is not None or detail is not None:
            body = {"code": error_code, "message": self.message}
            if target is not None:
                body["target"] = target
            self.error = _core.ODataV4Format(body)
        else:
            self.error = None


class InvalidArgumentError(MsiIdentityError, ValueError):
    """Client-side validation failed (a bad name, ID or option); nothing was sent."""


class HttpResponseError(MsiIdentityError, _core.HttpResponseError):
    """The service answered with an error status (5xx, or one without a narrower class)."""


class BadRequestError(HttpResponseError):
    """HTTP 400: the service rejected the request (e.g. FailedIdentityOperation, InvalidParameter)."""


class ResourceNotFoundError(HttpResponseError, _core.ResourceNotFoundError):
    """HTTP 404."""


class ResourceExistsError(HttpResponseError, _core.ResourceExistsError):
    """HTTP 409: the resource exists, or conflicts with what exists."""


class ResourceModifiedError(HttpResponseError, _core.ResourceModifiedError):
    """HTTP 412: a precondition failed (the resource changed, or already exists when creating)."""


class ClientAuthenticationError(HttpResponseError, _core.ClientAuthenticationError):
    """HTTP 401, or a credential could not get a token (the credential's own exception is __cause__)."""


class CredentialUnavailableError(ClientAuthenticationError):
    """No managed identity is available here, or the one asked for is not assigned (IMDS 400)."""


class ClientAuthorizationError(HttpResponseError):
    """HTTP 403: error_code tells AuthorizationFailed from LinkedAuthorizationFailed."""


class ThrottledError(HttpResponseError):
    """HTTP 429 after the retries ran out."""


class ServiceRequestError(MsiIdentityError, _core.ServiceRequestError):
    """No connection could be made, or it broke before an answer."""


class ServiceResponseError(MsiIdentityError, _core.ServiceResponseError):
    """The service did not answer properly."""


class ServiceResponseTimeoutError(ServiceResponseError, _core.ServiceResponseTimeoutError):
    """The request or a long-running operation took too long."""
