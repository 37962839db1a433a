"""JSON as every stage reads it: strict parsing of untrusted data, and two shape helpers.

- :func:`loads_strict` parses untrusted bytes or text (below).
- :func:`as_list` reads a value that may be one item or a list.
- :func:`types_of` reads a JSON-LD node's types.

Strict parsing:

:func:`loads_strict` accepts only what an honest badge contains and refuses, with
one readable sentence, the tricks that make two parsers disagree or a server
fall over: text that is not UTF-8, duplicate keys, ``NaN``/``Infinity``, numbers
with absurdly many digits, and nesting deeper than a limit. Depth is measured by
a linear scan before parsing, so a 10,000-level document never reaches the
(recursive) JSON decoder.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from skills.errors import InputTooLarge, MalformedInput

MAX_NUMBER_DIGITS = 100
"""Longest number (in digits) accepted anywhere in a document."""

# A complete string literal, an opening/closing bracket, or the quote that opens an
# unterminated string (everything after it is string content: the scan stops).
_TOKEN = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[\[\]{}]|"', re.DOTALL)
_BOM = "\ufeff"


class _Refused(Exception):
    """Raised from inside the json hooks; carries the sentence for MalformedInput."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"The JSON repeats the key {key[:80]!r} within one object.")
            seen.add(key)
    return obj


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _parse_int(text: str) -> int:
    if _digits(text) > MAX_NUMBER_DIGITS:
        raise _Refused(f"The JSON contains a number with more than {MAX_NUMBER_DIGITS} digits.")
    return int(text)


def _parse_float(text: str) -> float:
    if _digits(text) > MAX_NUMBER_DIGITS:
        raise _Refused(f"The JSON contains a number with more than {MAX_NUMBER_DIGITS} digits.")
    value = float(text)
    if math.isinf(value):
        raise _Refused("The JSON contains a number too large to represent.")
    return value


def _parse_constant(name: str) -> Any:
    raise _Refused(f"The JSON contains {name}, which is not a valid JSON number.")


def _deeper_than(text: str, limit: int) -> bool:
    """True when brackets outside string literals nest deeper than ``limit``.

    Linear time and no recursion; stops as soon as the limit is passed.
    """
    depth = 0
    for match in _TOKEN.finditer(text):
        lexeme = match.group()
        if lexeme[0] == '"':
            if len(lexeme) == 1:
                return False
            continue
        if lexeme in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads_strict(data: bytes | str, *, max_depth: int = 64, max_bytes: int | None = None) -> Any:
    """Parse JSON text from an untrusted source.

    ``data`` is UTF-8 bytes (a leading byte-order mark is tolerated) or text.
    Returns the parsed value (any JSON type; callers check for an object).

    Raises :class:`InputTooLarge` when ``data`` is longer than ``max_bytes`` or nests
    deeper than ``max_depth`` arrays/objects, and :class:`MalformedInput` when the
    bytes are not UTF-8, the JSON is invalid, an object repeats a key, or a
    number is ``NaN``/``Infinity``, overflows, or has more than 100 digits.
    Nothing else escapes.
    """
    if isinstance(data, bytes | bytearray):
        if max_bytes is not None and len(data) > max_bytes:
            raise InputTooLarge(f"The JSON is larger than the limit of {max_bytes:,} bytes.")
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput(
                "The JSON is not UTF-8 text (byte "
                f"{exc.start} cannot be decoded), and only UTF-8 is accepted."
            ) from None
    else:
        text = data
        if max_bytes is not None and len(text) > max_bytes:
            raise InputTooLarge(f"The JSON is larger than the limit of {max_bytes:,} bytes.")
    if text.startswith(_BOM):
        text = text[1:]
    if text.count("[") + text.count("{") > max_depth and _deeper_than(text, max_depth):
        raise InputTooLarge(f"The JSON nests deeper than the limit of {max_depth} levels.")
    try:
        return json.loads(
            text,
            object_pairs_hook=_pairs_hook,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _Refused as exc:
        raise MalformedInput(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise MalformedInput(
            f"The JSON is not valid ({exc.msg}, line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise InputTooLarge(
            f"The JSON nests deeper than the limit of {max_depth} levels."
        ) from None
    except ValueError as exc:  # e.g. int() digit limits set lower than ours
        raise MalformedInput(f"The JSON contains an unusable value ({exc}).") from None


def as_list(value: Any) -> list[Any]:
    """``value`` as a new list: a list's items, None as [], anything else as [value]."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def types_of(node: Any, *, keyword: bool = False) -> list[str]:
    """The string members of a JSON-LD node's ``type``, in document order.

    ``type`` is the alias every Open Badges and VC context gives the ``@type`` keyword.
    With ``keyword`` a node without ``type`` is read from ``@type`` too (OB 2.0 documents
    may spell the keyword; OB 3.0 and VC documents must say ``type``). A value that is not
    an object has no types.
    """
    if not isinstance(node, Mapping):
        return []
    raw = node.get("type") if "type" in node or not keyword else node.get("@type")
    return [t for t in as_list(raw) if isinstance(t, str)]
