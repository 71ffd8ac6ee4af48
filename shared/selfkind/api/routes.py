"""Every route of the deployed HTTP API, by method and path template.

The template declares the same routes (a template test keeps the two equal); the resolver uses this
table to tell a wrong method (405 with Allow) from an unknown path (404).
"""

from __future__ import annotations

import re
from functools import cache

API_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/v1/exercises"),
        ("GET", "/v1/exercises/{exercise_id}"),
        ("GET", "/v1/affirmations"),
        ("GET", "/v1/support"),
        ("GET", "/v1/guides"),
        ("GET", "/v1/guides/{guide_id}"),
        ("GET", "/v1/programs"),
        ("GET", "/v1/programs/{program_id}"),
        ("GET", "/v1/prompts"),
        ("GET", "/v1/prompts/{prompt_id}"),
        ("GET", "/v1/instruments/scs-sf"),
        ("GET", "/v1/sync"),
        ("POST", "/v1/sync"),
        ("GET", "/v1/insights"),
        ("GET", "/v1/suggestions"),
        ("GET", "/v1/me/export"),
        ("DELETE", "/v1/me"),
        ("PUT", "/v1/devices/{device_id}"),
        ("GET", "/v1/devices"),
        ("DELETE", "/v1/devices/{device_id}"),
        ("PUT", "/v1/reminders/{reminder_id}"),
        ("GET", "/v1/reminders"),
        ("DELETE", "/v1/reminders/{reminder_id}"),
        ("GET", "/v1/me/settings"),
        ("PUT", "/v1/me/settings"),
        ("GET", "/v1/notifications/{notification_id}"),
        ("POST", "/v1/notifications/{notification_id}/opened"),
    }
)


@cache
def _compiled_routes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Matched whole (fullmatch): `$` would also match before a final newline.
    return tuple((method, re.compile(re.sub(r"\{[^/}]+\}", "[^/]+", path))) for method, path in API_ROUTES)


def path_parameter_names(method: str, path: str) -> list[str]:
    """The path parameters of the route serving this method at this concrete path (none if no route)."""
    for route_method, template in API_ROUTES:
        pattern = re.sub(r"\{[^/}]+\}", "[^/]+", template)
        if route_method == method and re.fullmatch(pattern, path):
            return re.findall(r"\{([^/}]+)\}", template)
    return []


def allowed_methods(path: str) -> list[str]:
    """The methods the API serves at this concrete path; empty when the path is unknown."""
    return sorted({method for method, pattern in _compiled_routes() if pattern.fullmatch(path)})
