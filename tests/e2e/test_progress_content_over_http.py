"""Journaling prompts and the SCS-SF instrument over HTTP on the local stack: public, no token, cacheable."""

from __future__ import annotations

from tests.local_stack import LocalStack


def test_prompts_are_filtered_served_in_spanish_and_cacheable(stack: LocalStack) -> None:
    first = stack.request(
        "GET", "/v1/prompts?theme=boundaries&for_hard_moments=false", headers={"Accept-Language": "es"}
    )

    assert first.status == 200
    assert first.headers["content-language"] == "es"
    items = first.json()["items"]
    assert len(items) >= 4
    assert all(item["theme"] == "boundaries" and not item["for_hard_moments"] for item in items)
    again = stack.request(
        "GET",
        "/v1/prompts?theme=boundaries&for_hard_moments=false",
        headers={"Accept-Language": "es", "If-None-Match": first.headers["etag"]},
    )
    assert again.status == 304


def test_a_prompt_by_id_and_the_problems_of_a_bad_filter_and_an_unknown_id(stack: LocalStack) -> None:
    prompt = stack.request("GET", "/v1/prompts/name-what-you-feel")
    bad_filter = stack.request("GET", "/v1/prompts?for_hard_moments=maybe")
    missing = stack.request("GET", "/v1/prompts/nope")

    assert prompt.status == 200
    assert prompt.json()["for_hard_moments"] is True
    assert bad_filter.status == 400
    assert bad_filter.headers["content-type"] == "application/problem+json"
    assert bad_filter.json()["errors"][0]["field"] == "for_hard_moments"
    assert missing.status == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_the_scs_sf_asked_in_spanish_is_the_english_original_with_a_spanish_note(stack: LocalStack) -> None:
    response = stack.request("GET", "/v1/instruments/scs-sf", headers={"Accept-Language": "es-ES,es;q=0.9"})

    assert response.status == 200
    assert response.headers["content-language"] == "en"
    assert response.headers["vary"] == "Accept-Language"
    instrument = response.json()
    assert len(instrument["items"]) == 12
    assert instrument["languages"] == ["en"]
    assert instrument["language_note"]["language"] == "es"
    again = stack.request(
        "GET", "/v1/instruments/scs-sf", headers={"Accept-Language": "es", "If-None-Match": response.headers["etag"]}
    )
    assert again.status == 304
