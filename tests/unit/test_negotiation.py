from __future__ import annotations

import pytest

from selfkind.api.negotiation import negotiate_language
from selfkind.models.language import Language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Language.EN),
        ("", Language.EN),
        ("es", Language.ES),
        ("es-MX", Language.ES),
        ("ES-es", Language.ES),
        ("fr, es;q=0.5", Language.ES),
        ("en;q=0.3, es;q=0.8", Language.ES),
        ("es;q=0.8, en", Language.EN),
        ("es;q=0, en;q=0.1", Language.EN),
        ("es;q=0", Language.EN),
        ("de, fr", Language.EN),
        ("*", Language.EN),
        ("es;q=abc, en;q=0.2", Language.EN),
        ("es, en", Language.ES),
        ("en, es", Language.EN),
    ],
)
def test_language_follows_the_highest_quality_supported_tag(header: str | None, expected: Language) -> None:
    assert negotiate_language(header) is expected
