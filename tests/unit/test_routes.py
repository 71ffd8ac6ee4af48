from __future__ import annotations

from selfkind.api.routes import allowed_methods


def test_a_known_path_lists_its_methods() -> None:
    assert allowed_methods("/v1/exercises") == ["GET"]
    assert allowed_methods("/v1/exercises/box-breathing") == ["GET"]


def test_an_unknown_path_has_no_methods() -> None:
    assert allowed_methods("/v1/exercise") == []
    assert allowed_methods("/v1/exercises/a/b") == []
