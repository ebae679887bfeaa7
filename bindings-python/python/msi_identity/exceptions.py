"""The exceptions of ``msi_identity``, named as azure-core names them.

Every exception is a ``MsiIdentityError`` carrying ``kind`` (``invalid_argument``, ``bad_request``, ``not_found``,
``conflict``, ``authentication``, ``authorization``, ``credential_unavailable``, ``throttled``, ``service``,
``connection``, ``timeout``), ``status_code``, ``error_code`` (ARM ``error.code`` or Entra/IMDS ``error``),
``request_id`` (``x-ms-request-id``), ``message`` and ``target``::

    MsiIdentityError
    ├── InvalidArgumentError (also a ValueError: nothing was sent)
    ├── HttpResponseError
    │   ├── BadRequestError                 400
    │   ├── ClientAuthenticationError       401, or a credential failed (its exception is __cause__)
    │   │   └── CredentialUnavailableError  no managed identity here, or not the one asked for
    │   ├── ClientAuthorizationError        403 (error_code AuthorizationFailed / LinkedAuthorizationFailed)
    │   ├── ResourceNotFoundError           404
    │   ├── ResourceExistsError             409
    │   ├── ResourceModifiedError           412
    │   └── ThrottledError                  429
    ├── ServiceRequestError                 no connection
    └── ServiceResponseError
        └── ServiceResponseTimeoutError     timed out

``ERROR_KINDS`` is every ``kind``, as the core lists them. The classes are declared in the compiled module and
re-exported here.
"""

from ._native import (
    ERROR_KINDS,
    BadRequestError,
    ClientAuthenticationError,
    ClientAuthorizationError,
    CredentialUnavailableError,
    HttpResponseError,
    InvalidArgumentError,
    MsiIdentityError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
    ThrottledError,
)

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
