"""Powertools Tracer without the X-Ray SDK's import at cold start when there is nothing to trace.

Powertools' Tracer imports aws_xray_sdk.core on construction and opens a subsegment on every call even
with tracing disabled; that import builds a botocore X-Ray client (hundreds of milliseconds). Here the
SDK is imported on first use, and not at all where Powertools disables tracing (outside Lambda, tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import cached_property
from typing import Any, cast

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
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


Dimensions = tuple[tuple[str, str], ...]


def emit_counts(metrics: Metrics, name: str, counts: Mapping[Dimensions, int]) -> None:
    """One EMF record per dimension set: outcomes and reasons are dimensions, never part of a name.

    Powertools' Metrics carries one dimension set per flush; single_metric writes its own record, with
    the function's service dimension kept, so `name` can be broken down by outcome in CloudWatch.
    """
    service = {"service": metrics.service} if metrics.service else {}
    for dimensions, value in counts.items():
        if not value:
            continue
        with single_metric(
            name=name,
            unit=MetricUnit.Count,
            value=value,
            namespace=metrics.namespace,
            default_dimensions={**service, **metrics.default_dimensions},
        ) as metric:
            for key, dimension_value in dimensions:
                metric.add_dimension(key, dimension_value)
