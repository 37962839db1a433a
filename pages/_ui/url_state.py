"""Filters that live in the URL: a link reproduces the view, and Back returns to it.

Streamlit binds a widget to a query parameter itself (``bind="query-params"``, the widget's
key being the parameter's name): a value in the URL initialises the widget, a change
updates the URL, a value equal to the default is left out, and a value that is not one of
the widget's options is ignored and removed, so a link can never choose what the page does
not offer (another team, an unknown profile). These helpers give every page the same
calls: the parameter name is the widget's key (a ``key`` argument is ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

import streamlit as st


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
    """A selectbox over ``options`` bound to the URL parameter ``param``."""
    options = list(options)
    if not options:
        return None
    kwargs.pop("key", None)
    index = options.index(default) if default in options else 0
    value: str | None = container.selectbox(
        label,
        options,
        index=index,
        format_func=format_func,
        key=param,
        bind="query-params",
        **kwargs,
    )
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
    """A multiselect over ``options`` bound to ``param`` (one URL value per choice)."""
    options = list(options)
    kwargs.pop("key", None)
    values: list[str] = container.multiselect(
        label,
        options,
        default=[v for v in default if v in options],
        format_func=format_func,
        key=param,
        bind="query-params",
        **kwargs,
    )
    return values


def text_input(
    label: str, *, param: str, container: Any = st, max_chars: int = 200, **kwargs: Any
) -> str:
    """A text input bound to ``param``."""
    kwargs.pop("key", None)
    value: str = container.text_input(
        label, key=param, max_chars=max_chars, bind="query-params", **kwargs
    )
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
    """A radio group over ``options`` bound to ``param``."""
    options = list(options)
    kwargs.pop("key", None)
    index = options.index(default) if default in options else 0
    value: str = container.radio(
        label,
        options,
        index=index,
        format_func=format_func,
        key=param,
        bind="query-params",
        **kwargs,
    )
    return value


def value(param: str) -> str | None:
    """The URL value of a parameter no widget is bound to (e.g. the Profile page's
    ``person`` and ``credential``), for a page that checks it against what it may show."""
    found = st.query_params.get(param)
    return found if isinstance(found, str) else None


def query_string(values: Mapping[str, object]) -> str:
    """A query string that reopens a page with ``values`` (parameter -> the value as its
    bound widget shows it: an option's label, a list for a multiselect, a bool, a number).

    Built from the widgets' values, not from ``st.query_params``: the browser updates the
    URL after a widget change, and the server's copy may not have it yet in this run.
    """
    pairs: list[tuple[str, str]] = []
    for key, raw in values.items():
        items = raw if isinstance(raw, list | tuple) else [raw]
        for item in items:
            if item is None:
                continue
            pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return urlencode(pairs)


def with_back(link: str, back: str) -> str:
    """``link`` (a relative page link with parameters) carrying ``back``, the query
    string of the page it leaves, so the page it opens can link back to this view."""
    return f"{link}&{urlencode({'back': back})}" if back else link


def back_params(prefix: str, param: str = "back") -> list[tuple[str, str]] | None:
    """The parameters in this page's ``back`` URL value that belong to the page to
    return to (names starting with ``prefix``, e.g. ``cand_``), for ``st.page_link``'s
    ``query_params``; None when there is no ``back``. Anything else in it is dropped,
    and the target page's bound widgets ignore values they do not offer, so a crafted
    link cannot make the Back link do more than open that page with its own filters."""
    raw = value(param)
    if raw is None:
        return None
    return [(k, v) for k, v in parse_qsl(raw, keep_blank_values=False) if k.startswith(prefix)]
