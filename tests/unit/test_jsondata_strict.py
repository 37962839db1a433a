"""Strict JSON: what honest badges contain parses; the parser-confusion tricks are refused."""

from __future__ import annotations

import json

import pytest

from skills.errors import InputTooLarge, MalformedInput
from skills.jsondata import loads_strict


def test_plain_json_parses_like_the_standard_library() -> None:
    text = '{"a": [1, 2.5, -3e2, true, false, null, "x\\u00e9"], "b": {"c": "[{"}}'
    assert loads_strict(text) == json.loads(text)
    assert loads_strict(text.encode()) == json.loads(text)


def test_byte_order_mark_is_tolerated() -> None:
    assert loads_strict(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert loads_strict('\ufeff{"a": 1}') == {"a": 1}


def test_non_utf8_bytes_are_refused() -> None:
    with pytest.raises(MalformedInput, match="not UTF-8 text"):
        loads_strict('{"name": "Zoë"}'.encode("latin-1"))
    with pytest.raises(MalformedInput, match="not UTF-8 text"):
        loads_strict('{"a": 1}'.encode("utf-16"))


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(MalformedInput, match="repeats the key 'id'"):
        loads_strict('{"id": "a", "nested": {"x": 1}, "id": "b"}')
    with pytest.raises(MalformedInput, match="repeats the key 'x'"):
        loads_strict('[{"x": 1, "x": 1}]')


@pytest.mark.parametrize("text", ["[NaN]", "[Infinity]", "[-Infinity]", '{"a": NaN}'])
def test_non_finite_numbers_are_refused(text: str) -> None:
    with pytest.raises(MalformedInput, match="not a valid JSON number"):
        loads_strict(text)


def test_overflowing_float_is_refused() -> None:
    with pytest.raises(MalformedInput, match="too large"):
        loads_strict("[1e400]")


def test_numbers_with_more_than_100_digits_are_refused() -> None:
    assert loads_strict("[" + "9" * 100 + "]") == [int("9" * 100)]
    with pytest.raises(MalformedInput, match="more than 100 digits"):
        loads_strict("[" + "9" * 101 + "]")
    with pytest.raises(MalformedInput, match="more than 100 digits"):
        loads_strict("[0." + "1" * 100 + "]")
    with pytest.raises(MalformedInput, match="more than 100 digits"):
        loads_strict("[" + "7" * 100_000 + "]")


def test_nesting_limit() -> None:
    assert loads_strict("[" * 64 + "]" * 64) is not None
    with pytest.raises(InputTooLarge, match="deeper than the limit of 64"):
        loads_strict("[" * 65 + "]" * 65)
    assert loads_strict('{"a":' * 10 + "1" + "}" * 10, max_depth=10) is not None
    with pytest.raises(InputTooLarge):
        loads_strict('{"a":' * 11 + "1" + "}" * 11, max_depth=10)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"text": "[" * 1000 + '\\"{' * 100})
    assert loads_strict(text) == json.loads(text)


def test_very_deep_nesting_is_refused_not_crashing() -> None:
    with pytest.raises(InputTooLarge):
        loads_strict("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputTooLarge):
        loads_strict('{"a":' * 50_000 + "1" + "}" * 50_000)


def test_size_limit() -> None:
    with pytest.raises(InputTooLarge, match="larger than the limit"):
        loads_strict(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=50)


@pytest.mark.parametrize("text", ["", "{", '{"a" 1}', "[1,]", "{'a': 1}", '{"a": 1} x'])
def test_invalid_json_says_where(text: str) -> None:
    with pytest.raises(MalformedInput, match="not valid"):
        loads_strict(text)
