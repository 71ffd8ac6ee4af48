"""Crisis and support lines, guides and programs over HTTP on the local stack: public, no token."""

from __future__ import annotations

from tests.local_stack import LocalStack


def test_support_lines_are_public_cacheable_and_in_the_requested_language(stack: LocalStack) -> None:
    first = stack.request("GET", "/v1/support?country=nz", headers={"Accept-Language": "es"})

    assert first.status == 200
    assert first.headers["content-language"] == "es"
    support = first.json()
    assert support["country"] == "NZ"
    assert support["emergency_number"] == "111"
    assert support["message"].startswith("Si estás en peligro ahora, llama al 111.")
    assert all(line["source"].startswith("https://") and line["verified_on"] for line in support["lines"])
    again = stack.request(
        "GET", "/v1/support?country=nz", headers={"Accept-Language": "es", "If-None-Match": first.headers["etag"]}
    )
    assert again.status == 304


def test_a_country_without_an_entry_still_gets_help_and_a_bad_code_is_a_problem(stack: LocalStack) -> None:
    unlisted = stack.request("GET", "/v1/support?country=PE")
    malformed = stack.request("GET", "/v1/support?country=Peru")

    assert unlisted.status == 200
    assert unlisted.json()["directory"]["url"].startswith("https://findahelpline.com")
    assert malformed.status == 400
    assert malformed.headers["content-type"] == "application/problem+json"
    assert malformed.json()["errors"][0]["field"] == "country"


def test_guides_and_programs_are_served_without_a_token(stack: LocalStack) -> None:
    guides = stack.request("GET", "/v1/guides")
    guide = stack.request("GET", "/v1/guides/what-is-self-compassion", headers={"Accept-Language": "es"})
    programs = stack.request("GET", "/v1/programs")
    program = stack.request("GET", "/v1/programs/hard-days")
    missing = stack.request("GET", "/v1/programs/nope")

    assert guides.status == 200
    assert len(guides.json()["items"]) >= 3
    assert guide.json()["title"] == "Qué es la autocompasión"
    assert programs.status == 200
    assert [day["day"] for day in program.json()["days"]] == [1, 2, 3, 4, 5]
    assert missing.status == 404
    assert missing.headers["content-type"] == "application/problem+json"
