from __future__ import annotations

from selfkind.api.caching import entity_tag, localized_json_response
from selfkind.models.catalog import Affirmation, InLanguage, Theme
from selfkind.models.language import Language


def _model() -> Affirmation:
    return Affirmation(id="a", text="hola", themes=[Theme.REST], for_hard_moments=False)


def test_a_fresh_request_gets_the_body_with_validators() -> None:
    response = localized_json_response(_model(), Language.ES, None, max_age_seconds=60)

    assert response.status_code == 200
    assert response.body
    assert response.headers["ETag"] == entity_tag(Language.ES, response.body)
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Vary"] == "Accept-Language"
    assert response.headers["Content-Language"] == "es"


def test_the_same_body_in_another_language_has_another_tag() -> None:
    body = _model().model_dump_json()
    assert entity_tag(Language.ES, body) != entity_tag(Language.EN, body)


def test_a_matching_if_none_match_gets_304_without_body() -> None:
    etag = str(localized_json_response(_model(), Language.EN, None, 60).headers["ETag"])

    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = localized_json_response(_model(), Language.EN, header, 60)
        assert response.status_code == 304
        assert response.body == ""
        assert response.headers["ETag"] == etag


def test_a_stale_if_none_match_gets_the_body() -> None:
    response = localized_json_response(_model(), Language.EN, '"stale"', 60)
    assert response.status_code == 200
    assert response.body


def test_an_answer_that_states_its_language_is_sent_with_that_content_language() -> None:
    class Served(InLanguage):
        text: str

    # Asked in Spanish, answered in English (an instrument with no validated Spanish version).
    response = localized_json_response(Served(language=Language.EN, text="x"), Language.ES, None, 60)

    assert response.headers["Content-Language"] == "en"
    assert response.headers["Vary"] == "Accept-Language"
    assert response.headers["ETag"] == entity_tag(Language.ES, str(response.body))  # one tag per language asked
