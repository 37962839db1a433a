"""skills.jsondata: the one as_list and the one types_of every stage uses."""

from __future__ import annotations

from skills.jsondata import as_list, types_of


def test_as_list_reads_one_item_or_a_list_and_copies() -> None:
    items = ["a", "b"]
    assert as_list(None) == [] and as_list("a") == ["a"] and as_list(items) == items
    assert as_list(items) is not items


def test_types_of_reads_type_and_only_with_keyword_the_at_type_keyword() -> None:
    assert types_of({"type": ["VerifiableCredential", 3, "OpenBadgeCredential"]}) == [
        "VerifiableCredential",
        "OpenBadgeCredential",
    ]
    # OB 3.0 / VC documents must say "type": "@type" alone is no type there ...
    assert types_of({"@type": "OpenBadgeCredential"}) == []
    # ... while OB 2.0 documents may spell the JSON-LD keyword.
    assert types_of({"@type": "Assertion"}, keyword=True) == ["Assertion"]
    assert types_of({"type": "BadgeClass", "@type": "Issuer"}, keyword=True) == ["BadgeClass"]
    assert types_of("Assertion") == [] and types_of(None, keyword=True) == []
