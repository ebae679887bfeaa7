"""Bulk changes and desired-state applies: the shapes of their results, progress and plans, and the asyncio run.

``ManagedIdentityClient.bulk_vm`` / ``bulk_vmss`` return a native ``BulkRun`` (a sync iterator); the same methods of
``msi_identity.aio.ManagedIdentityClient`` return ``AsyncBulkRun``, an async iterator over the same native run,
written here so that ``on_progress`` runs on the event loop as each progress event arrives. ``apply_desired``
returns the same runs. Imported on first use.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, TypedDict, Union

if TYPE_CHECKING:
    from typing_extensions import NotRequired, Self

    from ._native import BulkRun
    from .exceptions import MsiIdentityError


class BulkResult(TypedDict):
    """One target's result: ``status`` is ``changed``, ``unchanged`` or ``failed``; ``identity`` the identity after
    an identity change, ``detail`` the role assignment or extension the action produced, ``error`` the exception
    (``msi_identity.exceptions``, by kind, with ``status_code``, ``error_code``, ``request_id``) of a failed one."""

    id: str
    status: str
    identity: NotRequired[dict[str, Any]]
    detail: NotRequired[Any]
    error: NotRequired[MsiIdentityError]


BulkProgress = TypedDict(
    "BulkProgress",
    {
        "total": int,
        "done": int,
        "changed": int,
        "unchanged": int,
        "failed": int,
        "inFlight": int,
        "elapsedSeconds": float,
        "ratePerSecond": float,
        "etaSeconds": Optional[float],
        "waitedForBudget": int,
        "throttled": int,
    },
)
"""Where a bulk change stands."""

DesiredPlan = TypedDict(
    "DesiredPlan",
    {
        "source": str,
        "changes": bool,
        "summary": dict[str, int],
        "targets": list[dict[str, Any]],
        "text": str,
    },
)
"""``plan_desired``'s result: core's plan JSON (docs/desired-state.md: ``source``, ``changes`` — whether applying
would write anything, ``summary`` — ``create``/``update``/``noChange``/``error`` counts, ``targets`` — per target
``id``, ``kind``, ``entry``, ``status`` and ``changes`` or ``error``) and ``text``, the readable diff ``msi plan``
prints."""

ProgressCallback = Callable[[BulkProgress], Union[None, Awaitable[None]]]


class AsyncBulkRun:
    """``async for result in client.bulk_vm(...)``: one result dict per target as each completes.

    The run starts at the first ``__anext__`` (or at ``await run``, which returns the run itself): bad input raises
    there, before anything is written. ``on_progress`` (a function or a coroutine function) gets each progress
    dict; ``progress`` is the last one and ``total`` the number of targets (``None`` until started). ``aclose()``
    (or leaving ``async with``) stops the change.
    """

    def __init__(self, start: Awaitable[BulkRun], on_progress: Optional[ProgressCallback] = None) -> None:
        self._start: Optional[Awaitable[BulkRun]] = start
        self._run: Optional[BulkRun] = None
        self._on_progress = on_progress
        self.progress: Optional[BulkProgress] = None
        self.total: Optional[int] = None

    async def _started(self) -> Optional[BulkRun]:
        if self._run is None and self._start is not None:
            start, self._start = self._start, None
            self._run = await start
            self.total = self._run.total
        return self._run

    def __await__(self) -> Any:
        async def started() -> AsyncBulkRun:
            await self._started()
            return self

        return started().__await__()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> BulkResult:
        run = await self._started()
        while run is not None:
            event = await run._next_event()
            if event is None:
                break
            kind, value = event
            if kind == "result":
                result: BulkResult = value
                return result
            self.progress = value
            if self._on_progress is not None:
                called = self._on_progress(value)
                if inspect.isawaitable(called):
                    await called
        self._run = None
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Stop the change (targets in flight may or may not finish; running it again completes the rest)."""
        self._start = None
        if self._run is not None:
            self._run.close()
            self._run = None

    async def __aenter__(self) -> Self:
        await self._started()
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        done = self.progress["done"] if self.progress else 0
        return f"AsyncBulkRun(total={self.total}, done={done})"
