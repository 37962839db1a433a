"""The taxonomy: ESCO from ``data/esco/`` plus organisation additions passed in."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from skills.config import DATA_DIR
from skills.errors import ConfigError
from skills.taxonomy._matcher import IndexEntry, Matcher
from skills.taxonomy._model import Group, OrgSkill, Remembered, Skill, Synonym

ESCO_DIR = DATA_DIR / "esco"
CACHE_DIR = DATA_DIR / "cache"
ESCO_CREDIT = (
    "© European Union, ESCO classification, reuse authorised with acknowledgement of the source"
)
_FILES = ("skills", "alt_labels", "groups", "occupations", "skill_groups", "wordforms")


def read_esco(folder: Path = ESCO_DIR) -> dict[str, pd.DataFrame]:
    """Read the derived ESCO Parquet files (see ``data/scripts/build_taxonomy.py``).

    Raises :class:`ConfigError` when a file is missing or unreadable.
    """
    frames: dict[str, pd.DataFrame] = {}
    for name in _FILES:
        path = folder / f"{name}.parquet"
        try:
            frames[name] = pd.read_parquet(path)
        except (OSError, ValueError) as err:
            raise ConfigError(
                f"The ESCO file {path} is missing or unreadable; "
                "run `python data/scripts/build_taxonomy.py` to rebuild it."
            ) from err
    return frames


class Taxonomy:
    """ESCO skills, groups and occupations, plus the organisation's skills, synonyms and
    remembered review decisions. Immutable after construction; :meth:`matcher` fits
    (or loads from the disk cache) the matcher once per instance."""

    def __init__(
        self,
        skills: pd.DataFrame,
        alt_labels: pd.DataFrame,
        groups: pd.DataFrame,
        occupations: pd.DataFrame,
        *,
        org_skills: Iterable[OrgSkill] = (),
        org_synonyms: Iterable[Synonym] = (),
        remembered: Iterable[Remembered] = (),
        cache_dir: Path | None = CACHE_DIR,
        skill_groups: pd.DataFrame | None = None,
        wordforms: pd.DataFrame | None = None,
    ) -> None:
        self.org_skills = tuple(org_skills)
        self.org_synonyms = tuple(org_synonyms)
        self.remembered = tuple(remembered)
        self.cache_dir = cache_dir
        self._groups = groups.reset_index(drop=True)
        self._group_label = dict(zip(groups["code"], groups["label"], strict=True))
        self._occupations = occupations.reset_index(drop=True)
        self._alt = alt_labels.reset_index(drop=True)
        frame = skills.assign(source="esco").reset_index(drop=True)
        if self.org_skills:
            frame = pd.concat([frame, self._org_frame()], ignore_index=True)
        frame = frame.drop_duplicates("uri", keep="first").reset_index(drop=True)
        self._skills = frame
        self._row = {u: i for i, u in enumerate(frame["uri"])}
        alts: dict[str, list[str]] = {}
        for uri, label in zip(alt_labels["uri"], alt_labels["label"], strict=True):
            alts.setdefault(uri, []).append(label)
        for s in self.org_skills:
            alts.setdefault(s.uri, []).extend(s.alt_labels)
        self._alts = alts
        # What the tag ranker knows of a skill: "T" transversal (an ESCO transversal
        # group, or the attitudes pillar), "K" a knowledge concept.
        facets = {u: "K" for u in frame.loc[frame["pillar"] == "K", "uri"]}
        facets.update((u, "T") for u in frame.loc[frame["pillar"] == "A", "uri"])
        if skill_groups is not None:
            facets.update((u, "T") for u in skill_groups.loc[skill_groups["pillar"] == "T", "uri"])
        self._facets = facets
        # Words a tag may use for a word of the labels (WordNet, data/esco/wordforms.parquet).
        related: dict[str, dict[str, str]] = {}
        if wordforms is not None:
            for word, esco_word, relation in wordforms.itertuples(index=False):
                related.setdefault(word, {})[esco_word] = relation
        self._related = related
        self._matcher: Matcher | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        *,
        skills: pd.DataFrame | None = None,
        alt_labels: pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> Taxonomy:
        """A taxonomy from :func:`read_esco`'s frames, with every derived file (the
        skills' groups and WordNet's word forms, which the tag model reads).
        ``skills``/``alt_labels`` replace ESCO's (benchmarks and tests hold some out);
        ``kwargs`` go to the constructor."""
        return cls(
            frames["skills"] if skills is None else skills,
            frames["alt_labels"] if alt_labels is None else alt_labels,
            frames["groups"],
            frames["occupations"],
            skill_groups=frames.get("skill_groups"),
            wordforms=frames.get("wordforms"),
            **kwargs,
        )

    def _org_frame(self) -> pd.DataFrame:
        rows = []
        for s in self.org_skills:
            path: list[str | None] = [None, None, None]
            pillar = None
            if s.group_code and s.group_code in self._group_label:
                level = int(self._groups.loc[self._groups["code"] == s.group_code, "level"].iloc[0])
                code: str | None = s.group_code
                parents = dict(zip(self._groups["code"], self._groups["parent"], strict=True))
                while code is not None and level >= 1:
                    path[level - 1] = code
                    code = parents.get(code)
                    level -= 1
                    if isinstance(code, float):  # NaN parent
                        code = None
                pillar = s.group_code[0]
            rows.append(
                {
                    "uri": s.uri,
                    "uuid": None,
                    "label": s.label,
                    "pillar": pillar,
                    "level1_code": path[0],
                    "level1_label": self._group_label.get(path[0]) if path[0] else None,
                    "level2_code": path[1],
                    "level2_label": self._group_label.get(path[1]) if path[1] else None,
                    "level3_code": path[2],
                    "level3_label": self._group_label.get(path[2]) if path[2] else None,
                    "source": "org",
                }
            )
        return pd.DataFrame(rows)

    # ---- lookups ------------------------------------------------------------
    def skill(self, uri: str) -> Skill | None:
        """The skill with this URI (ESCO or organisation), or None."""
        row = self._row.get(uri)
        if row is None:
            return None
        r = self._skills.iloc[row]
        groups = tuple(
            Group(str(r[f"level{lv}_code"]), str(r[f"level{lv}_label"]), lv)
            for lv in (1, 2, 3)
            if isinstance(r[f"level{lv}_code"], str)
        )
        pillar = r["pillar"] if isinstance(r["pillar"], str) else None
        return Skill(
            uri=uri,
            label=str(r["label"]),
            pillar=pillar,
            groups=groups,
            alt_labels=tuple(self._alts.get(uri, ())),
            source="org" if r["source"] == "org" else "esco",
        )

    def __len__(self) -> int:
        return len(self._skills)

    def skills_frame(self) -> pd.DataFrame:
        """One row per skill: uri, uuid, label, pillar, level{1,2,3}_{code,label}, source
        (``esco``/``org``). A copy: callers may change it."""
        return self._skills.copy()

    def alt_labels_frame(self) -> pd.DataFrame:
        """ESCO alternative labels: uri, label."""
        return self._alt.copy()

    def groups_frame(self) -> pd.DataFrame:
        """Hierarchy groups: code, label, level (0 pillar, 1-3), parent, pillar."""
        return self._groups.copy()

    def occupations_frame(self) -> pd.DataFrame:
        """ESCO ICT occupations: uri, label, alt_labels, description, essential_skill_uris."""
        return self._occupations.copy()

    # ---- matching -----------------------------------------------------------
    def index_entries(self) -> list[IndexEntry]:
        """Every label the matcher indexes: preferred, alternative, organisation labels
        and synonyms."""
        entries = [
            IndexEntry(u, label, True)
            for u, label in zip(self._skills["uri"], self._skills["label"], strict=True)
        ]
        entries.extend(
            IndexEntry(u, label)
            for u, label in zip(self._alt["uri"], self._alt["label"], strict=True)
        )
        for s in self.org_skills:
            entries.extend(IndexEntry(s.uri, label) for label in s.alt_labels)
        entries.extend(IndexEntry(s.skill_uri, s.label) for s in self.org_synonyms)
        return entries

    def matcher(self) -> Matcher:
        """The fitted matcher (built once per taxonomy; the fuzzy index is cached on disk
        under ``cache_dir`` keyed by the content hash and rebuilt only when it changes)."""
        with self._lock:
            if self._matcher is None:
                self._matcher = Matcher.fit(
                    self._skills["uri"].tolist(),
                    self._skills["label"].tolist(),
                    self.index_entries(),
                    remembered={r.label: r.skill_uri for r in self.remembered},
                    cache_dir=self.cache_dir,
                    facets=self._facets,
                    related=self._related,
                )
            return self._matcher


@functools.lru_cache(maxsize=1)
def _esco_frames() -> dict[str, pd.DataFrame]:
    return read_esco()


@functools.lru_cache(maxsize=8)
def _cached(
    org_skills: tuple[OrgSkill, ...],
    org_synonyms: tuple[Synonym, ...],
    remembered: tuple[Remembered, ...],
) -> Taxonomy:
    return Taxonomy.from_frames(
        _esco_frames(),
        org_skills=org_skills,
        org_synonyms=org_synonyms,
        remembered=remembered,
    )


def load_taxonomy(
    org_skills: Iterable[OrgSkill] = (),
    org_synonyms: Iterable[Synonym] = (),
    remembered: Iterable[Remembered] = (),
) -> Taxonomy:
    """ESCO from ``data/esco/`` plus the given organisation additions (read from the
    store by the caller). Cached per distinct set of additions (LRU, 8 entries), so
    repeated calls return the same :class:`Taxonomy` and its fitted matcher.

    Raises :class:`ConfigError` when the ESCO files are missing.
    """
    return _cached(tuple(org_skills), tuple(org_synonyms), tuple(remembered))
