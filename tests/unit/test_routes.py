from __future__ import annotations

from selfkind.api.routes import allowed_methods


def test_a_known_path_lists_its_methods() -> None:
    assert allowed_methods("/v1/exercises") == ["GET"]
    assert allowed_methods("/v1/exercises/box-breathing") == ["GET"]


def test_an_unknown_path_has_no_methods() -> None:
    assert allowed_methods("/v1/exercise") == []
    assert allowed_methods("/v1/exercises/a/b") == []


def test_a_path_is_matched_whole_so_a_final_newline_is_another_path() -> None:
    assert allowed_methods("/v1/exercises\n") == []
    assert allowed_methods("/v1/me/settings\n") == []
    assert allowed_methods("/v1/exercises/box-breathing\n") == ["GET"]  # the route is there; its id is not
