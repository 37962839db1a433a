"""What a re-verification plan adds for issue 14, pure: a notice per status change of a
badge with a person (none for an unbound badge; its sentence is built when shown, in
words), re-mapped skills that replace the old ones, audited only when the skills a badge
gives changed, and unmapped mentions queued for review as for a new badge. A plan pruned
against the store drops everything of a credential gone since and a stale status change."""

from __future__ import annotations

from skills.explain import plain
from skills.ingest._plan import SkillRow, plan_reverify, prune_plan
from skills.services._notice_text import change_sentence
from tests.unit.test_ingest_plan import ACME, GENUINE, NOT_HERS, NOW, PY, REVOKED, cred, report


def _skill(uri: str | None, mention: str) -> SkillRow:
    return SkillRow(uri, mention, mention, "tag", 0.97 if uri else 0.2, "synonym", False, ())


def test_a_status_change_of_a_persons_badge_is_a_notice() -> None:
    p = plan_reverify(
        [("k1", "verified", "e1"), ("k2", "verified", None), ("k3", "verified", "e3")],
        [
            report(cred(id="urn:uuid:1"), REVOKED, sha="1"),
            report(cred(id="urn:uuid:2"), REVOKED, sha="2"),
            report(cred(id="urn:uuid:3"), GENUINE, sha="3"),
        ],
        now=NOW,
    )
    assert [(n["person_id"], n["credential_key"], n["new_status"]) for n in p.notices] == [
        ("e1", "k1", "revoked")
    ]
    notice = p.notices[0]
    assert notice["old_status"] == "verified" and notice["kind"] == "status_change"
    assert notice["created_at"] == NOW
    # Only the statuses are stored: the sentence is the reader's, in words.
    assert "message" not in notice


def test_sentences_for_each_direction_say_words_never_codes() -> None:
    assert change_sentence("Cloud", "revoked", "verified", escape=plain) == (
        "Your badge “Cloud” verifies again; its skills count again."
    )
    assert change_sentence(None, "verified", "expired", escape=plain).startswith(
        "One of your badges has expired"
    )
    assert change_sentence("X", "recipient_mismatch", "weird_state", escape=plain) == (
        "Your badge “X” changed from issued to someone else to weird state."
    )
    assert "recipient_mismatch" not in change_sentence(
        "X", "verified", "recipient_mismatch", escape=plain
    )
    # The badge name is untrusted: escaped for Markdown.
    assert "\\[Click\\]" in change_sentence("[Click](https://evil.example)", "a", "b", escape=plain)


def test_a_remap_queues_unmapped_mentions_for_review_only_from_an_authentic_badge() -> None:
    """Like a new badge: an unmapped mention with candidates (an inferred one below the
    threshold, say) goes to HR's queue, but never from a badge issued to someone else."""
    low = SkillRow(
        None, None, "py stuff", "description", 0.4, "inferred", True, ((PY, "Python", 0.4),)
    )
    rows = [("k1", "verified", "e1"), ("k2", "verified", "e2")]
    reports = [
        report(cred(id="urn:uuid:1"), GENUINE, sha="1"),
        report(cred(id="urn:uuid:2"), NOT_HERS, sha="2"),
    ]
    p = plan_reverify(rows, reports, now=NOW, remapped={"k1": [low], "k2": [low]}, mapped_with="fp")
    assert [(r["label_norm"], r["occurrences"], r["first_credential_key"]) for r in p.reviews] == [
        ("py stuff", 1, "k1")
    ]
    # A self-issued badge (its issuer is one of the person's identities) queues nothing.
    mine = plan_reverify(
        rows[:1], reports[:1], now=NOW, identities={"e1": [ACME]}, remapped={"k1": [low]}
    )
    assert mine.reviews == []


def test_a_pruned_plan_writes_nothing_for_a_credential_gone_or_a_stale_status() -> None:
    low = SkillRow(
        None, None, "py stuff", "description", 0.4, "inferred", True, ((PY, "Python", 0.4),)
    )
    rows = [("k1", "verified", "e1"), ("k2", "verified", "e2"), ("k3", "verified", "e3")]
    reports = [report(cred(id=f"urn:uuid:{i}"), REVOKED, sha=str(i)) for i in (1, 2, 3)]
    p = plan_reverify(
        rows, reports, now=NOW, remapped={k: [_skill(PY, "python"), low] for k in ("k1", "k2")}
    )
    # k1 is gone (withdrawn, erased); k3 was found revoked by somebody else meanwhile.
    pruned = prune_plan(p, {"k2": "verified", "k3": "revoked"})
    for rows_of in ("status_updates", "history", "notices"):
        assert [r["credential_key"] for r in getattr(pruned, rows_of)] == ["k2"], rows_of
    assert {r["credential_key"] for r in pruned.skills} == {"k2"}
    assert [r["credential_key"] for r in pruned.remapped] == ["k2"]
    assert [(r["occurrences"], r["first_credential_key"]) for r in pruned.reviews] == [(1, "k2")]
    assert {a.subject for a in pruned.audits} == {"k2"}
    # Nothing gone, nothing stale: the plan as it was.
    assert prune_plan(p, {"k1": "verified", "k2": "verified", "k3": "verified"}) is p


def test_remapped_skills_replace_the_old_ones_and_a_change_is_audited() -> None:
    rows = [("k1", "verified", "e1"), ("k2", "verified", "e2")]
    reports = [report(cred(id="urn:uuid:1"), GENUINE, sha="1")] * 2
    p = plan_reverify(
        rows,
        reports,
        now=NOW,
        remapped={"k1": [_skill(PY, "py stuff")], "k2": [_skill(PY, "python")]},
        previous_skills={"k1": frozenset(), "k2": frozenset({PY})},
        mapped_with="fp",
    )
    assert p.remapped == [
        {"credential_key": "k1", "mapped_with": "fp"},
        {"credential_key": "k2", "mapped_with": "fp"},
    ]
    assert [(s["credential_key"], s["skill_uri"]) for s in p.skills] == [("k1", PY), ("k2", PY)]
    # Only k1 gives a different skill now: one audit entry, saying what was added.
    assert [(a.action, a.subject, a.person_id, dict(a.detail)) for a in p.audits] == [
        ("credential.remap", "k1", "e1", {"added": [PY], "removed": []})
    ]
    assert p.notices == []
