"""Support lines, guides and programs through the catalog function's handler, with the events API
Gateway sends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.catalog_client import Response, ok_json, problem_of

# --- GET /v1/support ---


def test_support_lists_sourced_lines_and_the_emergency_number(catalog: Callable[..., Response]) -> None:
    support = ok_json(catalog("/v1/support", "country=US"))

    assert support["country"] == "US"
    assert support["emergency_number"] == "911"
    assert support["emergency_source"].startswith("https://")
    assert support["message"].startswith("If you are in danger now, call 911.")
    assert support["directory"] is None
    line = support["lines"][0]
    assert {"name", "phone", "sms", "chat_url", "hours", "languages", "source", "verified_on"} <= line.keys()
    assert line["phone"] == "988"
    assert line["source"].startswith("https://988lifeline.org/")


def test_support_speaks_spanish_and_is_cacheable(catalog: Callable[..., Response]) -> None:
    english = catalog("/v1/support", "country=US")
    spanish = catalog("/v1/support", "country=US", **{"Accept-Language": "es-MX,es;q=0.9"})

    assert spanish["headers"]["Content-Language"] == "es"
    assert ok_json(spanish)["message"].startswith("Si estás en peligro ahora, llama al 911.")
    assert spanish["headers"]["ETag"] != english["headers"]["ETag"]
    assert "public" in spanish["headers"]["Cache-Control"]
    again = catalog(
        "/v1/support", "country=US", **{"Accept-Language": "es", "If-None-Match": spanish["headers"]["ETag"]}
    )
    assert again["statusCode"] == 304


def test_a_lower_case_code_is_read_as_the_country(catalog: Callable[..., Response]) -> None:
    assert ok_json(catalog("/v1/support", "country=gb"))["country"] == "GB"


@pytest.mark.parametrize("country", ["ZZ", "BR"])
def test_a_country_without_an_entry_gets_the_emergency_guidance_and_a_directory(
    catalog: Callable[..., Response], country: str
) -> None:
    support = ok_json(catalog("/v1/support", f"country={country}"))

    assert support["emergency_number"] is None
    assert support["lines"] == []
    assert support["message"].startswith("If you are in danger now, call your local emergency number.")
    assert support["directory"]["url"] == "https://findahelpline.com/"
    assert support["directory"]["verified_on"]


@pytest.mark.parametrize(("country", "phone"), [("ES", "024"), ("MX", "800 911 2000")])
def test_spain_and_mexico_answer_a_sourced_line_in_spanish(
    catalog: Callable[..., Response], country: str, phone: str
) -> None:
    support = ok_json(catalog("/v1/support", f"country={country}", **{"Accept-Language": "es"}))

    line = support["lines"][0]
    assert line["phone"] == phone
    assert line["source"].startswith("https://")
    assert line["verified_on"]
    assert "es" in line["languages"]


def test_spain_names_112_with_its_source(catalog: Callable[..., Response]) -> None:
    support = ok_json(catalog("/v1/support", "country=ES", **{"Accept-Language": "es"}))

    assert support["emergency_number"] == "112"
    assert support["emergency_source"].startswith("https://")
    assert support["message"].startswith("Si estás en peligro ahora, llama al 112.")


@pytest.mark.parametrize("query", ["country=USA", "country=1A", "country=", "country=U", ""])
def test_a_malformed_or_missing_country_is_a_400_naming_it(catalog: Callable[..., Response], query: str) -> None:
    problem = problem_of(catalog("/v1/support", query), 400)

    assert [error["field"] for error in problem["errors"]] == ["country"]


# --- guides ---


def test_guides_are_listed_and_read_in_either_language(catalog: Callable[..., Response]) -> None:
    items = ok_json(catalog("/v1/guides"))["items"]
    assert {"what-is-self-compassion", "backdraft", "how-to-start"} <= {item["id"] for item in items}

    guide = ok_json(catalog("/v1/guides/backdraft", **{"Accept-Language": "es"}))
    assert guide["title"].startswith("Cuando la amabilidad")
    assert guide["sections"]
    assert guide["related_exercises"]


def test_an_unknown_guide_is_a_404_problem(catalog: Callable[..., Response]) -> None:
    assert problem_of(catalog("/v1/guides/no-such-guide"), 404)["type"].endswith("/not-found")


# --- programs ---


def test_programs_are_listed_with_their_length(catalog: Callable[..., Response]) -> None:
    items = {item["id"]: item for item in ok_json(catalog("/v1/programs"))["items"]}

    assert items["start-here"]["days"] >= 7
    assert len(items) >= 3


def test_a_program_lists_its_days_with_each_exercise_and_a_note(catalog: Callable[..., Response]) -> None:
    program = ok_json(catalog("/v1/programs/start-here", **{"Accept-Language": "es"}))

    first = program["days"][0]
    assert first["day"] == 1
    step = first["steps"][0]
    assert step["exercise_id"] == "self-compassion-break"
    assert step["exercise_title"] == "Pausa de autocompasión"
    assert step["note"]
    assert sum(s["duration_minutes"] for s in first["steps"]) <= first["minutes"]


def test_an_unknown_program_is_a_404_problem(catalog: Callable[..., Response]) -> None:
    assert problem_of(catalog("/v1/programs/nope"), 404)["status"] == 404


def test_care_routes_reject_unknown_query_parameters(catalog: Callable[..., Response]) -> None:
    problem = problem_of(catalog("/v1/guides", "lang=es"), 400)

    # The parameter the client chose is not repeated: the error says what the endpoint takes instead.
    [error] = problem["errors"]
    assert (error["location"], error["field"]) == ("query", "")
    assert error["message"].endswith("it takes none")
    assert "lang" not in problem["detail"]
