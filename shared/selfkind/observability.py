"""Powertools Tracer without the X-Ray SDK's import at cold start when there is nothing to trace.

Powertools' Tracer imports aws_xray_sdk.core on construction and opens a subsegment on every call even
with tracing disabled; that import builds a botocore X-Ray client (hundreds of milliseconds). Here the
SDK is imported on first use, and not at all where Powertools disables tracing (outside Lambda, tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import cached_property
from typing import Any, cast

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.tracing.base import BaseProvider


class _DeferredXRayProvider:
    @cached_property
    def _recorder(self) -> Any:
        from aws_xray_sdk.core import patch, patch_all, xray_recorder

        xray_recorder.patch = patch
        xray_recorder.patch_all = patch_all
        return xray_recorder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._recorder, name)


class _Unrecorded:
    """A subsegment that records nothing (tracing is off)."""

    def put_annotation(self, key: str, value: Any) -> None: ...

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None: ...


class _DisabledProvider:
    @contextmanager
    def in_subsegment(self, name: str | None = None, **_: Any) -> Iterator[_Unrecorded]:
        yield _Unrecorded()

    @asynccontextmanager
    async def in_subsegment_async(self, name: str | None = None, **_: Any) -> AsyncIterator[_Unrecorded]:
        yield _Unrecorded()

    def put_annotation(self, key: str, value: Any) -> None: ...

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...

    def patch(self, modules: Sequence[str]) -> None: ...

    def patch_all(self) -> None: ...


def create_tracer() -> Tracer:
    tracer = Tracer(provider=cast(BaseProvider, _DeferredXRayProvider()))
    if tracer.disabled:
        tracer.provider = cast(BaseProvider, _DisabledProvider())
    return tracer
