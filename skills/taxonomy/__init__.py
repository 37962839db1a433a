"""ESCO skills plus organisation skills, and the matcher that maps badge labels to them.

::

    from skills.taxonomy import load_taxonomy
    matcher = load_taxonomy().matcher()
    m = matcher.match(["python programming"])[0]
    m.skill_uri, m.label, m.score, m.accepted, m.method, m.candidates
    found = extract_text_skills("Senior Python developer: SQL, Docker", matcher)

ESCO data: :data:`ESCO_CREDIT` must be shown wherever it is displayed.
"""

from skills.taxonomy._data import ESCO_CREDIT, Taxonomy, load_taxonomy, read_esco
from skills.taxonomy._matcher import ACCEPT_THRESHOLD, IndexEntry, Matcher
from skills.taxonomy._model import (
    Candidate,
    Group,
    Match,
    Method,
    OrgSkill,
    Remembered,
    Skill,
    Synonym,
)
from skills.taxonomy._normalise import ORG_SKILL_PREFIX, esco_uri, normalise, org_skill_uri
from skills.taxonomy._phrases import TextSkill, extract_text_skills

__all__ = [
    "ACCEPT_THRESHOLD",
    "ESCO_CREDIT",
    "ORG_SKILL_PREFIX",
    "Candidate",
    "Group",
    "IndexEntry",
    "Match",
    "Matcher",
    "Method",
    "OrgSkill",
    "Remembered",
    "Skill",
    "Synonym",
    "Taxonomy",
    "TextSkill",
    "esco_uri",
    "extract_text_skills",
    "load_taxonomy",
    "normalise",
    "org_skill_uri",
    "read_esco",
]
