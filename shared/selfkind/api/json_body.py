"""Reading a JSON request body within bounds: its size, its nesting depth and the length of its numbers.

Python's json module recurses once per nesting level and turns any run of digits into an int, so a body
nested 100,000 levels deep or an integer of 5,000 digits would raise deep inside parsing (a 500). Here
each is a 400 (or a 413 for size) before any model sees the document. Only strict JSON is read: NaN and
Infinity are not JSON numbers, and a number too large for a float is refused rather than read as inf.
Numbers read as JavaScript reads them: 1.0 is the integer 1.
"""

from __future__ import annotations

import json
import math
from typing import Any

from selfkind.models.exceptions import InvalidInputError, PayloadTooLargeError

MAX_BODY_BYTES = 6 * 1024 * 1024  # Lambda's synchronous payload limit: no larger body can reach a function
MAX_DEPTH = 32  # the deepest body the API takes is 5 levels
MAX_NUMBER_CHARS = 40  # a double needs at most 24 characters; millisecond timestamps 15 digits


def _body_issue(message: str) -> InvalidInputError:
    return InvalidInputError.single("body", "", message)


def _number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise _body_issue(f"holds a number longer than {MAX_NUMBER_CHARS} characters")
    return text


def _parse_int(text: str) -> int:
    return int(_number_text(text))


_EXACT_INTEGERS = 2**53  # a double holds every integer below this exactly


def _parse_float(text: str) -> float | int:
    value = float(_number_text(text))
    if not math.isfinite(value):
        raise _body_issue("holds a number too large for a double")
    if value.is_integer() and abs(value) < _EXACT_INTEGERS:
        return int(value)  # 1.0 is the integer 1, as in JavaScript and JSON Schema
    return value


def _reject_constant(_: str) -> Any:
    raise _body_issue("is not JSON: NaN and Infinity are not numbers")


def _check_depth(document: Any) -> None:
    # Iterative: the document itself may be as deep as the parser allowed.
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise _body_issue(f"is nested more than {MAX_DEPTH} levels deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def load_json_body(body: str) -> Any:
    """The body's JSON document; InvalidInputError (400) or PayloadTooLargeError (413) when out of bounds,
    json.JSONDecodeError when it is not JSON at all."""
    if len(body) > MAX_BODY_BYTES or len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"The body is over {MAX_BODY_BYTES // (1024 * 1024)} MB.")
    try:
        document = json.loads(body, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_reject_constant)
    except RecursionError as error:
        raise _body_issue(f"is nested more than {MAX_DEPTH} levels deep") from error
    _check_depth(document)
    return document
