"""Which routes serve a concrete path: the resolver's 405 (with Allow) against 404 for an unknown path.

The table itself (selfkind.api.route_table) is generated from the resolvers by `make openapi`; the
template declares the same routes (tests/template/test_template.py keeps the three equal).
"""

from __future__ import annotations

import re
from functools import cache

from selfkind.api.route_table import API_ROUTES

__all__ = ["API_ROUTES", "allowed_methods", "path_parameter_names"]


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
