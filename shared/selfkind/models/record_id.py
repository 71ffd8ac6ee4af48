"""A synced record's id: a module of its own, so what refers to records (shares name journal entries)
does not build the sync protocol's models."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

RecordId = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
