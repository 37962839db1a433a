"""Mentions from credentials and their mapping to skills."""

from __future__ import annotations

from pathlib import Path

from skills.extract import Mention, extract_mentions, map_credential
from skills.verify._model import Achievement, Alignment, Credential, Issuer, Recipient
from tests.unit.test_taxonomy import PM, PY, TL, small


def cred(
    *,
    alignments: tuple[Alignment, ...] = (),
    extensions: tuple[dict[str, object], ...] = (),
    tags: tuple[str, ...] = (),
    name: str = "Badge",
) -> Credential:
    return Credential(
        id="urn:uuid:1",
        issuer=Issuer(id="https://issuer.example"),
        achievement=Achievement(name=name, tags=tags),
        recipient=Recipient(identity="a@example.org"),
        alignments=alignments,
        extensions=extensions,
    )


def test_alignment_gives_a_mention_with_its_reference() -> None:
    c = cred(
        alignments=(Alignment(target_name="Python", target_url=PY + "/", target_framework="ESCO"),)
    )
    assert extract_mentions(c) == [Mention("Python", "alignment", PY + "/", None, "ESCO")]


def test_competency_extension_with_esco_id_and_tags(tmp_path: Path) -> None:
    ext: dict[str, object] = {
        "_key": "extensions:CompetencyExtension",
        "type": ["Extension", "extensions:CompetencyExtension"],
        "competencies": [{"escoID": PM.rsplit("/", 1)[1], "name": "Projektmanagement"}],
    }
    c = cred(extensions=(ext,), tags=("teamwork",), name="Great")
    mentions = extract_mentions(c)
    assert Mention("Projektmanagement", "extension", uri=PM.rsplit("/", 1)[1]) in mentions
    assert Mention("teamwork", "tag") in mentions
    assert all(m.source != "title" for m in mentions)  # the title is only a last resort
    mapped = {m.skill_uri: m for m in map_credential(c, small(tmp_path).matcher())}
    assert mapped[PM].method == "uri" and mapped[PM].source == "extension"


def test_title_is_used_only_alone_and_marked_inferred(tmp_path: Path) -> None:
    c = cred(name="Team Leadership")
    assert extract_mentions(c) == [Mention("Team Leadership", "title")]
    (mapping,) = map_credential(c, small(tmp_path).matcher())
    assert mapping.skill_uri == TL and mapping.inferred and mapping.source == "title"


def test_map_credential_keeps_one_mapping_per_skill_with_the_best_confidence(
    tmp_path: Path,
) -> None:
    c = cred(
        alignments=(Alignment(target_name="Python scripting", target_url=PY),),
        tags=("python", "leading teams", "zzqx"),
    )
    mappings = map_credential(c, small(tmp_path).matcher())
    by_uri = {m.skill_uri: m for m in mappings}
    assert by_uri[PY].method == "uri" and by_uri[PY].source == "alignment"
    assert by_uri[PY].confidence == 1.0 and not by_uri[PY].inferred
    assert by_uri[TL].source == "tag"
    assert len([m for m in mappings if m.skill_uri == PY]) == 1
    pending = [m for m in mappings if m.skill_uri is None]
    assert [m.mention for m in pending] == ["zzqx"]
