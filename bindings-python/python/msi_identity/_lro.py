"""azure-core pollers over the core's long-running operations: what the ``begin_*`` methods return.

``OperationPolling`` and ``AsyncOperationPolling`` are azure-core polling methods over a native
``msi_identity.Operation`` (a write the core sent and can poll: ``ArmClient::begin_*``). How to poll (the status
URL, ``Retry-After``, backoff, the client's ``polling_timeout``) is the core's; these classes only hand
azure-core's calls (``run``, ``status``, ``finished``, ``resource``, the continuation token) to it. This module
imports azure-core, and is imported by the first ``begin_*`` call.
"""

from __future__ import annotations

from typing import Any, Callable, Tuple

from azure.core.polling import AsyncLROPoller, AsyncPollingMethod, LROPoller, PollingMethod

from ._native import Operation, resume_operation

__all__ = ["AsyncOperationPolling", "OperationPolling", "async_poller", "poller"]


def _as_is(value: Any) -> Any:
    return value


def _resume(continuation_token: str, kwargs: dict[str, Any]) -> Tuple[Any, Operation, Callable[[Any], Any]]:
    try:
        client = kwargs["client"]
    except KeyError:
        raise ValueError("resuming from a continuation token needs client= (an msi_identity client)") from None
    return client, resume_operation(client, continuation_token), _as_is


class OperationPolling(PollingMethod[Any]):
    """azure-core ``PollingMethod`` over an ``msi_identity.Operation`` (sync clients)."""

    _operation: Operation

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        self._operation = initial_response

    def run(self) -> None:
        self._operation.wait()

    def status(self) -> str:
        return self._operation.status()

    def finished(self) -> bool:
        return self._operation.done()

    def resource(self) -> Any:
        return self._operation.result()

    def get_continuation_token(self) -> str:
        return self._operation.continuation_token()

    @classmethod
    def from_continuation_token(
        cls, continuation_token: str, **kwargs: Any
    ) -> Tuple[Any, Operation, Callable[[Any], Any]]:
        return _resume(continuation_token, kwargs)

    def __repr__(self) -> str:
        return f"OperationPolling({getattr(self, '_operation', None)!r})"


class AsyncOperationPolling(AsyncPollingMethod[Any]):
    """azure-core ``AsyncPollingMethod`` over an ``msi_identity.Operation`` (``msi_identity.aio`` clients)."""

    _operation: Operation

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        self._operation = initial_response

    async def run(self) -> None:
        await self._operation.wait_async()

    def status(self) -> str:
        return self._operation.status()

    def finished(self) -> bool:
        return self._operation.done()

    def resource(self) -> Any:
        return self._operation.result()

    def get_continuation_token(self) -> str:
        return self._operation.continuation_token()

    @classmethod
    def from_continuation_token(
        cls, continuation_token: str, **kwargs: Any
    ) -> Tuple[Any, Operation, Callable[[Any], Any]]:
        return _resume(continuation_token, kwargs)

    def __repr__(self) -> str:
        return f"AsyncOperationPolling({getattr(self, '_operation', None)!r})"


def poller(operation: Operation) -> LROPoller[Any]:
    """The ``LROPoller`` of a sync client's ``begin_*`` call."""
    return LROPoller(None, operation, _as_is, OperationPolling())


def async_poller(operation: Operation) -> AsyncLROPoller[Any]:
    """The ``AsyncLROPoller`` of an ``aio`` client's ``begin_*`` call."""
    return AsyncLROPoller(None, operation, _as_is, AsyncOperationPolling())
