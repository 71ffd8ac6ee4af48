from __future__ import annotations

import pytest
from pydantic import ValidationError

from selfkind.settings import CatalogSettings


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_CACHE_MAX_AGE_SECONDS", "120")
    assert CatalogSettings.from_environment().cache_max_age_seconds == 120


def test_a_missing_setting_fails_at_cold_start_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CATALOG_CACHE_MAX_AGE_SECONDS", raising=False)
    with pytest.raises(ValidationError, match="CATALOG_CACHE_MAX_AGE_SECONDS"):
        CatalogSettings.from_environment()
