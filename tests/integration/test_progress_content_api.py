"""Journaling prompts and the SCS-SF instrument through the catalog function's handler, with the events
API Gateway sends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.catalog_client import Response, ok_json, problem_of

# --- GET /v1/prompts ---


def test_prompts_are_listed_in_english_by_default_and_cacheable(catalog: Callable[..., Response]) -> None:
    response = catalog("/v1/prompts")

    items = ok_json(response)["items"]
    assert len(items) >= 48
    assert set(items[0]) == {"id", "text", "technique", "theme", "for_hard_moments"}
    assert response["headers"]["Content-Language"] == "en"
    assert response["headers"]["Vary"] == "Accept-Language"
    assert response["headers"]["Cache-Control"].startswith("public, max-age=")
    assert response["headers"]["ETag"].startswith('"')


def test_prompt_filters_combine_with_and(catalog: Callable[..., Response]) -> None:
    everything = ok_json(catalog("/v1/prompts"))["items"]

    items = ok_json(catalog("/v1/prompts", "theme=common_humanity&technique=common_humanity&for_hard_moments=true"))[
        "items"
    ]

    expected = [
        item["id"]
        for item in everything
        if item["theme"] == "common_humanity" and item["technique"] == "common_humanity" and item["for_hard_moments"]
    ]
    assert expected
    assert [item["id"] for item in items] == expected


def test_for_hard_moments_false_leaves_out_the_prompts_for_hard_moments(catalog: Callable[..., Response]) -> None:
    calm = ok_json(catalog("/v1/prompts", "for_hard_moments=false"))["items"]
    hard = ok_json(catalog("/v1/prompts", "for_hard_moments=true"))["items"]

    assert calm
    assert hard
    assert not any(item["for_hard_moments"] for item in calm)
    assert all(item["for_hard_moments"] for item in hard)
    assert len(calm) + len(hard) == len(ok_json(catalog("/v1/prompts"))["items"])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("theme=luck", "theme"),
        ("technique=hypnosis", "technique"),
        ("for_hard_moments=yes", "for_hard_moments"),
        ("for_hard_moments=1", "for_hard_moments"),
        ("for_hard_moments=TRUE", "for_hard_moments"),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_the_parameter(
    catalog: Callable[..., Response], query: str, parameter: str
) -> None:
    problem = problem_of(catalog("/v1/prompts", query), 400)

    assert [(error["location"], error["field"]) for error in problem["errors"]] == [("query", parameter)]
    assert parameter in problem["detail"]


def test_an_unknown_parameter_name_is_a_400_listing_the_filters_there_are(catalog: Callable[..., Response]) -> None:
    problem = problem_of(catalog("/v1/prompts", "mood=low"), 400)

    [error] = problem["errors"]
    assert (error["location"], error["field"]) == ("query", "")
    assert error["message"].endswith("it takes: technique, theme, for_hard_moments")
    assert "mood" not in problem["detail"]  # the client's own name is not repeated


def test_a_prompt_is_read_in_spanish_with_its_own_etag_and_a_304(catalog: Callable[..., Response]) -> None:
    english = catalog("/v1/prompts/a-letter-as-to-a-dear-friend")
    spanish = catalog("/v1/prompts/a-letter-as-to-a-dear-friend", **{"Accept-Language": "es-MX,es;q=0.9"})

    assert spanish["headers"]["Content-Language"] == "es"
    assert ok_json(spanish)["text"].startswith("Si quieres, escríbete una carta")
    assert ok_json(english)["text"].startswith("If you like, write a short letter")
    assert ok_json(spanish)["theme"] == "self_kindness_letter"
    assert spanish["headers"]["ETag"] != english["headers"]["ETag"]
    again = catalog(
        "/v1/prompts/a-letter-as-to-a-dear-friend",
        **{"Accept-Language": "es", "If-None-Match": spanish["headers"]["ETag"]},
    )
    assert again["statusCode"] == 304
    assert again["body"] == ""


def test_a_filtered_list_answers_304_to_its_etag(catalog: Callable[..., Response]) -> None:
    first = catalog("/v1/prompts", "theme=boundaries")

    again = catalog("/v1/prompts", "theme=boundaries", **{"If-None-Match": first["headers"]["ETag"]})

    assert again["statusCode"] == 304


def test_an_unknown_prompt_is_a_404_problem_that_does_not_repeat_the_id(catalog: Callable[..., Response]) -> None:
    problem = problem_of(catalog("/v1/prompts/no-such-prompt"), 404)

    assert problem["type"].endswith("/not-found")
    assert "no-such-prompt" not in problem["detail"]


# --- GET /v1/instruments/scs-sf ---


def test_the_scs_sf_is_served_whole_and_cacheable(catalog: Callable[..., Response]) -> None:
    response = catalog("/v1/instruments/scs-sf")

    instrument = ok_json(response)
    assert response["headers"]["Content-Language"] == "en"
    assert response["headers"]["Cache-Control"].startswith("public, max-age=")
    assert instrument["id"] == "scs-sf"
    assert (instrument["language"], instrument["languages"], instrument["language_note"]) == ("en", ["en"], None)
    assert [item["number"] for item in instrument["items"]] == list(range(1, 13))
    assert instrument["items"][0]["text"] == (
        "When I fail at something important to me I become consumed by feelings of inadequacy."
    )
    assert [item["number"] for item in instrument["items"] if item["reverse_keyed"]] == [1, 4, 8, 9, 11, 12]
    assert instrument["anchors"][0] == {"value": 1, "label": "Almost never"}
    assert instrument["anchors"][-1] == {"value": 5, "label": "Almost always"}
    assert instrument["scoring"]["reverse_keyed_items"] == [1, 4, 8, 9, 11, 12]
    assert instrument["scoring"]["reversed_answer"] == "6 - x"
    assert instrument["citation"]["doi"] == "10.1002/cpp.702"
    assert "not a diagnosis" in instrument["about"]
    assert "no subscale scores" in instrument["about"]
    again = catalog("/v1/instruments/scs-sf", **{"If-None-Match": response["headers"]["ETag"]})
    assert again["statusCode"] == 304


def test_a_spanish_request_gets_the_english_items_with_a_note_in_spanish(catalog: Callable[..., Response]) -> None:
    english = catalog("/v1/instruments/scs-sf")
    spanish = catalog("/v1/instruments/scs-sf", **{"Accept-Language": "es"})

    instrument = ok_json(spanish)
    # The items are in English (no validated Spanish version is served), and the header says so.
    assert spanish["headers"]["Content-Language"] == "en"
    assert instrument["language"] == "en"
    assert instrument["items"] == ok_json(english)["items"]
    assert instrument["language_note"]["language"] == "es"
    assert instrument["language_note"]["text"].startswith("La versión española validada de esta escala")
    assert "no un diagnóstico" in instrument["language_note"]["text"]
    assert spanish["headers"]["ETag"] != english["headers"]["ETag"]
    assert spanish["headers"]["Vary"] == "Accept-Language"
    again = catalog("/v1/instruments/scs-sf", **{"Accept-Language": "es", "If-None-Match": spanish["headers"]["ETag"]})
    assert again["statusCode"] == 304


def test_the_instrument_takes_no_query_parameters(catalog: Callable[..., Response]) -> None:
    problem = problem_of(catalog("/v1/instruments/scs-sf", "lang=es"), 400)

    assert problem["errors"][0]["message"].endswith("it takes none")


def test_an_instrument_the_app_does_not_serve_is_a_404(catalog: Callable[..., Response]) -> None:
    problem_of(catalog("/v1/instruments/scs"), 404)
