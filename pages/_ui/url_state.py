"""Filters that live in the URL: a link reproduces the view, and Back returns to it.

Each helper draws one Streamlit widget whose first value comes from ``st.query_params``
(when the URL names an allowed value) and which writes its value back to the URL on every
run, so the address bar always holds the view. Values are plain strings in the URL; a
value the viewer may not choose (another team, an unknown profile) is ignored, never
trusted: the helpers only pick among the ``options`` the page offers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

SEPARATOR = ","


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if isinstance(value, str) else None


def _write(name: str, value: str | None) -> None:
    if value is None or value == "":
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def selectbox(
    label: str,
    options: Sequence[str],
    *,
    param: str,
    default: str | None = None,
    format_func: Callable[[str], str] = str,
    container: Any = st,
    **kwargs: Any,
) -> str | None:
    """A selectbox over ``options`` kept in the URL parameter ``param``."""
    options = list(options)
    if not options:
        return None
    key = kwargs.pop("key", f"url_{param}")
    wanted = _param(param)
    if key not in st.session_state:
        first = wanted if wanted in options else default if default in options else options[0]
        st.session_state[key] = first
    elif st.session_state[key] not in options:
        st.session_state[key] = options[0]
    value: str = container.selectbox(label, options, format_func=format_func, key=key, **kwargs)
    _write(param, value)
    return value


def multiselect(
    label: str,
    options: Sequence[str],
    *,
    param: str,
    default: Sequence[str] = (),
    format_func: Callable[[str], str] = str,
    container: Any = st,
    **kwargs: Any,
) -> list[str]:
    """A multiselect over ``options`` kept in ``param`` (comma-separated)."""
    options = list(options)
    key = kwargs.pop("key", f"url_{param}")
    if key not in st.session_state:
        wanted = _param(param)
        chosen = [v for v in wanted.split(SEPARATOR) if v in options] if wanted else list(default)
        st.session_state[key] = [v for v in chosen if v in options]
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    values: list[str] = container.multiselect(
        label, options, format_func=format_func, key=key, **kwargs
    )
    _write(param, SEPARATOR.join(values))
    return values


def text_input(
    label: str, *, param: str, container: Any = st, max_chars: int = 200, **kwargs: Any
) -> str:
    """A text input kept in ``param``."""
    key = kwargs.pop("key", f"url_{param}")
    if key not in st.session_state:
        st.session_state[key] = (_param(param) or "")[:max_chars]
    value: str = container.text_input(label, key=key, max_chars=max_chars, **kwargs)
    _write(param, value.strip())
    return value


def radio(
    label: str,
    options: Sequence[str],
    *,
    param: str,
    default: str | None = None,
    format_func: Callable[[str], str] = str,
    container: Any = st,
    **kwargs: Any,
) -> str:
    """A radio group over ``options`` kept in ``param``."""
    options = list(options)
    key = kwargs.pop("key", f"url_{param}")
    if key not in st.session_state or st.session_state[key] not in options:
        wanted = _param(param)
        st.session_state[key] = (
            wanted if wanted in options else default if default in options else options[0]
        )
    value: str = container.radio(label, options, format_func=format_func, key=key, **kwargs)
    _write(param, value)
    return value


def value(param: str) -> str | None:
    """The raw URL value of ``param`` (for a page that checks it against what it may show)."""
    return _param(param)
