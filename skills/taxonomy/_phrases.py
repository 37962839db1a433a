"""Skills named in free text (a job ad, a badge's description): phrases, then near misses.

:func:`extract_text_skills` finds skills in two passes over the text:

1. **phrase** – an Aho-Corasick automaton (``pyahocorasick``) over every label the
   :class:`~skills.taxonomy.Matcher` matches exactly (ESCO preferred and alternative
   labels, organisation skills and synonyms, reviewers' remembered decisions), searched
   in the text normalised as the matcher normalises labels (``match_key``: case,
   plurals, British and American spellings; word by word, so offsets map back to the
   original) on word boundaries; the longest non-overlapping matches
   win. Labels that would mostly find noise are left out or scored down
   (:func:`_key_score`): a label several skills share (unless exactly one of them has it
   as its preferred label), an alternative label that is one common word (a word found in
   more than :data:`GENERIC_DF` labels, ``"design"``), an alternative label that starts
   or ends with a function word (a fragment: ``"and procedures"``), and a label of three
   characters or fewer unless the text writes it in capitals or with a sign (``SQL``, ``C#``; not
   ``"try"``). A preferred label with a qualifier, ``"Python (computer programming)"``,
   is also found by its head, ``"Python"``, when written capitalised.
2. **matcher** – the words between the phrase hits (runs of up to :data:`MAX_WORDS`
   content words between punctuation, bullets and function words such as ``and``,
   ``or``, ``with``; ``of`` between two content words stays in: ``"management of IT
   security"``) go through :meth:`Matcher.match`, each as written and again without
   the words ads wrap around a skill's name at its ends (``"solid ... skills"``,
   ``"using ..."``, :data:`_EDGE_WORDS`); only accepted fuzzy matches are kept (exact
   ones were the phrase pass's to find, or to leave out as too generic).
   At most :data:`MAX_QUERIES` runs are sent, requirement-like lines (bullets, "experience
   with ...") first, so a long ad stays fast.

The automaton is built once per matcher (lazily, cached in a weak dictionary, so it goes
when the matcher goes).
"""

from __future__ import annotations

import bisect
import re
import threading
import weakref
from dataclasses import dataclass

import ahocorasick

from skills.taxonomy._matcher import Matcher
from skills.taxonomy._normalise import match_key

#: A one-word alternative label whose word occurs in more labels than this is generic.
GENERIC_DF = 30
#: Score of a generic one-word *preferred* label (``"communication"``): below acceptance.
GENERIC_SCORE = 0.6
#: Score of a qualified preferred label found by its head (``"Python"``).
HEAD_SCORE = 0.9
#: Words in one near-miss query, and queries sent to the matcher per text.
MAX_WORDS = 4
MAX_QUERIES = 300
#: Text beyond this many characters is not read (a job ad is far shorter).
MAX_CHARS = 200_000

_TOKEN = re.compile(r"\w+(?:[+#]+|['’`´]s\b)?|&")
_QUALIFIED = re.compile(r"^\s*([^()]+?)\s*\(([^()]+)\)\s*$")
# Between two words, these (without whitespace) keep them in one run: node.js, e-mail.
_JOINERS = frozenset("-./'’")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣+]|\d+[.)])\s+")
_CUES = re.compile(
    r"\b(?:experience|experienced|knowledge|skill|skills|proficien\w*|familiar\w*|"
    r"expert\w*|understanding|ability|able to|fluent|competen\w*|background in|"
    r"hands-on|must|required|requirements?|nice to have|plus|degree)\b",
    re.IGNORECASE,
)
# Words that end a near-miss query (they never start or end a skill's name).
# fmt: off
_FUNCTION_WORDS = frozenset([
    "a", "about", "above", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing",
    "during", "each", "either", "etc", "for", "from", "further", "had", "has", "have", "having",
    "he", "her", "here", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just",
    "least", "like", "may", "me", "more", "most", "must", "my", "no", "nor", "not", "of", "off",
    "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "per", "plus",
    "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
    "up", "us", "very", "via", "was", "we", "were", "what", "when", "where", "which", "while",
    "who", "whom", "why", "will", "with", "within", "without", "would", "you", "your", "yours",
    "year", "years", "least", "e", "g", "eg", "ie", "we", "re", "ll", "ve",
])
# Words an ad wraps around a skill's name ("solid ... skills", "experience ...") that may
# also belong to it ("use ...", "... requirements"): a run is sent both with and without
# them at its ends, and the better accepted match is kept.
_EDGE_WORDS = frozenset([
    "strong", "solid", "good", "great", "excellent", "proven", "demonstrated", "working",
    "work", "knowledge", "experience", "experienced", "skill", "ability", "able",
    "understanding", "familiarity", "familiar", "proficiency", "proficient", "expert",
    "expertise", "use", "using", "ideally", "preferably", "required", "nice",
    "bonus", "including", "new", "role", "team", "candidate", "comfortable", "hands",
])
# An alternative label that starts or ends with one of these is a fragment of a phrase.
_DANGLING = frozenset(["a", "an", "and", "or", "of", "the", "to", "for", "with", "in", "on"])
# Words kept inside a run between two content words: "management of it security".
_LINKS = frozenset(["of"])
# fmt: on


@dataclass(frozen=True)
class TextSkill:
    """A skill named in a text.

    ``mention`` is the text as written, at ``text[start:end]``; ``score`` in [0, 1];
    ``method`` is ``"phrase"`` (a label, alternative label or synonym found as written)
    or ``"matcher"`` (a near miss the matcher accepted); ``accepted`` is True when the
    score reaches the matcher's acceptance threshold.
    """

    uri: str
    label: str
    mention: str
    start: int
    end: int
    score: float
    method: str
    accepted: bool


@dataclass(frozen=True)
class _Key:
    skill: int  # index into matcher.skill_uris
    words: int
    score: float
    short: bool  # three characters or fewer: the mention must be in capitals or have a sign
    capitalised: bool  # a qualified label's head: the mention must start with a capital


class _Phrases:
    """The automaton of one matcher: padded normalised label -> :class:`_Key`."""

    def __init__(self, matcher: Matcher) -> None:
        owners: dict[str, dict[int, bool]] = dict(matcher._exact_keys)
        remembered: dict[str, int | None] = dict(matcher._remembered)
        df: dict[str, int] = {}
        for key in owners:
            for w in set(key.split()):
                df[w] = df.get(w, 0) + 1
        keys: dict[str, _Key] = {}
        for key, who in owners.items():
            k = _key_score(key, who, df)
            if k is not None:
                keys[key] = k
        for i, label in enumerate(matcher.skill_labels):
            m = _QUALIFIED.match(label)
            head = match_key(m.group(1)) if m else ""
            if len(head) > 2 and head not in owners and head not in keys:
                keys[head] = _Key(i, len(head.split()), HEAD_SCORE, False, True)
        for key, decided in remembered.items():
            if decided is None:
                keys.pop(key, None)  # a reviewer said: not a skill
            elif key:
                keys[key] = _Key(decided, len(key.split()), 1.0, len(key) <= 3, False)
        automaton = ahocorasick.Automaton()
        for key, k in keys.items():
            automaton.add_word(f" {key} ", (len(key) + 2, k))
        automaton.make_automaton()
        self.automaton = automaton


def _key_score(key: str, owners: dict[int, bool], df: dict[str, int]) -> _Key | None:
    """The phrase key for a normalised label and the skills that have it, or None."""
    if not key:
        return None
    if len(owners) == 1:
        (skill, preferred), *_ = owners.items()
    else:
        pref = [i for i, p in owners.items() if p]
        if len(pref) != 1:
            return None  # several skills share it: a job ad cannot say which
        skill, preferred = pref[0], True
    words = key.split()
    if not preferred and (words[0] in _DANGLING or words[-1] in _DANGLING):
        return None  # a fragment, not a name: "and procedures"
    score = 1.0
    if len(words) == 1 and df.get(key, 0) > GENERIC_DF:
        if not preferred:
            return None
        score = GENERIC_SCORE
    return _Key(skill, len(words), score, len(key) <= 3, False)


_CACHE: weakref.WeakKeyDictionary[Matcher, _Phrases] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _phrases(matcher: Matcher) -> _Phrases:
    with _LOCK:
        found = _CACHE.get(matcher)
        if found is None:
            found = _CACHE[matcher] = _Phrases(matcher)
        return found


@dataclass(frozen=True)
class _Words:
    """The text's words: normalised, with their original offsets and run boundaries."""

    norm: list[str]
    spans: list[tuple[int, int]]
    breaks_before: list[bool]  # a run of content words cannot continue across here
    line_of: list[int]


def _words(text: str) -> _Words:
    norm: list[str] = []
    spans: list[tuple[int, int]] = []
    breaks: list[bool] = []
    lines: list[int] = []
    line = 0
    prev_end = 0
    for m in _TOKEN.finditer(text):
        gap = text[prev_end : m.start()]
        newline = "\n" in gap
        line += gap.count("\n")
        hard = newline or bool(gap.strip() and not (set(gap) <= _JOINERS))
        for w in match_key(m.group()).split():
            norm.append(w)
            spans.append((m.start(), m.end()))
            breaks.append(hard)
            lines.append(line)
            hard = False
        prev_end = m.end()
    return _Words(norm, spans, breaks, lines)


def _closed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span ``start:end``, taking in the closing brackets a mention opened
    ("Python (computer programming" becomes "Python (computer programming)")."""
    opened = text.count("(", start, end) - text.count(")", start, end)
    while opened > 0 and end < len(text) and text[end] == ")":
        end, opened = end + 1, opened - 1
    return start, end


def _mention_ok(mention: str, key: _Key) -> bool:
    if key.short and not (mention.isupper() or not mention.isalpha()):
        return False
    return not (key.capitalised and not mention[:1].isupper())


def _phrase_hits(text: str, words: _Words, phrases: _Phrases) -> list[tuple[int, int, _Key]]:
    """Longest non-overlapping phrase hits as (first word, last word + 1, key)."""
    padded = " " + " ".join(words.norm) + " "
    starts: list[int] = []
    pos = 1
    for w in words.norm:
        starts.append(pos)
        pos += len(w) + 1
    found: list[tuple[int, int, _Key]] = []
    for end, (length, key) in phrases.automaton.iter(padded):
        first = bisect.bisect_left(starts, end - length + 2)
        last = first + key.words
        mention = text[words.spans[first][0] : words.spans[last - 1][1]]
        if _mention_ok(mention, key):
            found.append((first, last, key))
    found.sort(key=lambda h: (-(h[1] - h[0]), -h[2].score, h[0]))
    taken = [False] * len(words.norm)
    hits: list[tuple[int, int, _Key]] = []
    for first, last, key in found:
        if not any(taken[first:last]):
            taken[first:last] = [True] * (last - first)
            hits.append((first, last, key))
    return hits


def _runs(text: str, words: _Words, covered: list[bool]) -> list[tuple[int, int]]:
    """Near-miss runs (first word, last word + 1): up to :data:`MAX_WORDS` content words
    (a link word such as ``of`` between two of them kept), requirement-like lines first,
    at most :data:`MAX_QUERIES`."""
    n = len(words.norm)

    def content(i: int) -> bool:
        w = words.norm[i]
        return not (covered[i] or w in _FUNCTION_WORDS or w.isdigit())

    def link(i: int) -> bool:
        return (
            words.norm[i] in _LINKS
            and not covered[i]
            and i + 1 < n
            and content(i + 1)
            and not words.breaks_before[i]
            and not words.breaks_before[i + 1]
        )

    runs: list[tuple[int, int]] = []
    start: int | None = None
    size = 0
    for i in range(n):
        joined = start is not None and i > start and link(i)
        ok = content(i) or joined
        if start is not None and (not ok or words.breaks_before[i] or size == MAX_WORDS):
            runs.append((start, i))
            start = None
        if start is None and content(i):
            start, size = i, 0
        if start is not None and content(i):
            size += 1
    if start is not None:
        runs.append((start, n))
    lines = text.split("\n")

    def cue(run: tuple[int, int]) -> int:
        line_no = words.line_of[run[0]]
        line = lines[line_no] if line_no < len(lines) else ""
        return 0 if (_BULLET.match(line) or _CUES.search(line)) else 1

    runs.sort(key=lambda r: (cue(r), r[0]))
    return sorted(runs[:MAX_QUERIES])


def _trimmed(words: list[str], a: int, b: int) -> tuple[int, int]:
    """The run without :data:`_EDGE_WORDS` at its ends (empty when nothing else is left)."""
    while a < b and words[a] in _EDGE_WORDS:
        a += 1
    while b > a and words[b - 1] in _EDGE_WORDS | _LINKS:
        b -= 1
    return a, b


def extract_text_skills(text: str, matcher: Matcher, *, limit: int = 60) -> list[TextSkill]:
    """Skills named in free text, best first, one per URI (see the module docstring).

    Pure apart from the per-matcher automaton cache; thread-safe."""
    text = text[:MAX_CHARS]
    words = _words(text)
    if not words.norm:
        return []
    phrases = _phrases(matcher)
    uris, labels, threshold = matcher.skill_uris, matcher.skill_labels, matcher.threshold
    best: dict[str, TextSkill] = {}

    def keep(found: TextSkill) -> None:
        old = best.get(found.uri)
        if old is None or (found.score, -found.start) > (old.score, -old.start):
            best[found.uri] = found

    covered = [False] * len(words.norm)
    for first, last, key in _phrase_hits(text, words, phrases):
        covered[first:last] = [True] * (last - first)
        s, e = _closed(text, words.spans[first][0], words.spans[last - 1][1])
        keep(
            TextSkill(
                uris[key.skill],
                labels[key.skill],
                text[s:e],
                s,
                e,
                key.score,
                "phrase",
                key.score >= threshold,
            )
        )
    # Each run as written and without the words an ad wraps around a skill's name.
    spans: list[tuple[int, int]] = []
    for a, b in _runs(text, words, covered):
        spans.append((a, b))
        t = _trimmed(words.norm, a, b)
        if t != (a, b) and t[0] < t[1]:
            spans.append(t)
    queries = [" ".join(words.norm[a:b]) for a, b in spans]
    for (a, b), m in zip(spans, matcher.match(queries, tags=False) if queries else [], strict=True):
        # Exact matches were the phrase pass's to find (or to leave out as too generic).
        if m.accepted and m.method == "fuzzy" and m.skill_uri is not None and m.label:
            s, e = _closed(text, words.spans[a][0], words.spans[b - 1][1])
            keep(TextSkill(m.skill_uri, m.label, text[s:e], s, e, m.score, "matcher", True))
    ranked = sorted(best.values(), key=lambda t: (-t.score, t.start))
    return ranked[:limit]
