"""Clients built once per container, however many threads ask for one first."""

from __future__ import annotations

import threading
from collections.abc import Callable


class BuiltOnce[T]:
    """functools.cache for a client factory, made safe for a first call from many threads at once: with
    cache alone, each of the threads that miss together builds its own client, and a worker's or the
    scheduler's pool of 16 loaded a service model 16 times at a cold start (about 0.7 s measured)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._built: list[T] = []
        self.__doc__ = factory.__doc__

    def __call__(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._built.append(self._factory())
        return self._built[0]

    def cache_clear(self) -> None:
        with self._lock:
            self._built.clear()


def built_once[T](factory: Callable[[], T]) -> BuiltOnce[T]:
    return BuiltOnce(factory)
