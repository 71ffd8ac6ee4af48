"""The catalog function through its handler, with the events API Gateway sends."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pytest_mock import MockerFixture

from devstack.events import http_api_event
from tests.conftest import Handler

Response = dict[str, Any]


@pytest.fixture
def catalog(invoke: Callable[[str], Handler]) -> Callable[..., Response]:
    handler = invoke("CatalogFunction")

    def get(path: str, query: str = "", method: str = "GET", **headers: str) -> Response:
        return handler(http_api_event(method, path, query=query, headers=headers))

    return get


def _json(response: Response) -> Any:
    return json.loads(response["body"])


def _assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = _json(response)
    assert problem["status"] == status
    assert {"type", "title", "status", "detail"} <= problem.keys()
    return problem


def test_exercises_are_listed_in_english_by_default(catalog: Callable[..., Response]) -> None:
    response = catalog("/v1/exercises")

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Language"] == "en"
    assert response["headers"]["Vary"] == "Accept-Language"
    assert "max-age=3600" in response["headers"]["Cache-Control"]
    items = _json(response)["items"]
    assert len(items) >= 30
    assert set(items[0]) == {
        "id",
        "title",
        "summary",
        "category",
        "techniques",
        "approaches",
        "duration_minutes",
        "steps",
        "journal_prompts",
        "benefits",
        "cautions",
        "suitable_time",
        "for_hard_moments",
    }


def test_spanish_is_negotiated_from_accept_language(catalog: Callable[..., Response]) -> None:
    english = catalog("/v1/exercises/self-compassion-break")
    spanish = catalog("/v1/exercises/self-compassion-break", **{"Accept-Language": "fr;q=1, es-AR;q=0.8, en;q=0.2"})

    assert spanish["headers"]["Content-Language"] == "es"
    assert _json(spanish)["title"] != _json(english)["title"]
    assert spanish["headers"]["ETag"] != english["headers"]["ETag"]


def test_filters_combine(catalog: Callable[..., Response]) -> None:
    items = _json(catalog("/v1/exercises", "technique=breathing&max_minutes=5&approach=MSC"))["items"]

    assert items
    assert all(
        "breathing" in i["techniques"] and i["duration_minutes"] <= 5 and "MSC" in i["approaches"] for i in items
    )


def test_a_matching_etag_answers_304(catalog: Callable[..., Response]) -> None:
    first = catalog("/v1/affirmations", "theme=rest")

    again = catalog("/v1/affirmations", "theme=rest", **{"If-None-Match": first["headers"]["ETag"]})

    assert again["statusCode"] == 304
    assert again["body"] == ""
    assert again["headers"]["ETag"] == first["headers"]["ETag"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("category=nope", "category"),
        ("technique=hypnosis", "technique"),
        ("approach=DBT", "approach"),
        ("max_minutes=ten", "max_minutes"),
        ("max_minutes=0", "max_minutes"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(catalog: Callable[..., Response], query: str, parameter: str) -> None:
    problem = _assert_problem(catalog("/v1/exercises", query), 400)

    assert parameter in problem["detail"]
    assert [error["field"] for error in problem["errors"]] == [parameter]


def test_an_unknown_theme_is_a_400(catalog: Callable[..., Response]) -> None:
    problem = _assert_problem(catalog("/v1/affirmations", "theme=luck"), 400)
    assert problem["errors"][0]["field"] == "theme"


def test_an_unknown_exercise_is_a_404(catalog: Callable[..., Response]) -> None:
    problem = _assert_problem(catalog("/v1/exercises/no-such-practice"), 404)
    assert "no-such-practice" not in problem["detail"]  # the client's own id is never repeated


def test_an_unknown_route_is_a_404_and_a_wrong_method_a_405(catalog: Callable[..., Response]) -> None:
    _assert_problem(catalog("/v1/nothing-here"), 404)

    wrong_method = catalog("/v1/exercises", method="DELETE")

    _assert_problem(wrong_method, 405)
    assert wrong_method["headers"]["Allow"] == "GET"


def test_an_unexpected_failure_is_a_problem_without_internals(
    catalog: Callable[..., Response], mocker: MockerFixture
) -> None:
    mocker.patch("selfkind.domain.catalog.list_affirmations", side_effect=RuntimeError("secret internals"))

    response = catalog("/v1/affirmations")

    problem = _assert_problem(response, 500)
    assert "secret internals" not in response["body"]
    assert "Traceback" not in response["body"]
    assert problem["title"] == "Internal Server Error"
