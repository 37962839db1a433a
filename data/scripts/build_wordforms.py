"""Derive ``data/esco/wordforms.parquet``: words a badge tag may use for a word of the
ESCO labels, from Princeton WordNet 3.0.

For every word of the ESCO preferred and alternative labels (as the matcher folds it,
:func:`skills.taxonomy._normalise.match_key`), the words WordNet relates to it:

- ``derived``: derivationally related forms and pertainyms of the word's lemmas
  (``persuasion`` -> ``persuade``, ``negotiation`` -> ``negotiate``, ``solution`` ->
  ``solve``, ``creativity`` -> ``creative``);
- ``synonym``: the other one-word lemmas of the word's first :data:`SENSES` senses per
  part of speech (``collaborate`` -> ``cooperate``).

One row per (word a tag may use, ESCO word, relation); both sides are one match-key
word. The matcher reads the file at run time (:mod:`skills.taxonomy._tags`); WordNet
itself is needed only to rebuild it.

Usage (WordNet from the Debian package ``wordnet-base``)::

    apt-get install wordnet-base
    python data/scripts/build_wordforms.py [--wordnet /usr/share/wordnet]

WordNet 3.0 licence: "WordNet 3.0 Copyright 2006 by Princeton University. All rights
reserved." Permission to use, copy, modify and distribute it for any purpose is given
with that notice (https://wordnet.princeton.edu/license-and-commercial-use); it is
repeated in ``data/esco/SOURCE.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from skills.taxonomy._normalise import match_key  # noqa: E402

#: Senses per part of speech whose synonyms are kept (WordNet orders senses by use).
SENSES = 2
_POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}


def read_wordnet(
    folder: Path,
) -> tuple[
    dict[tuple[str, int], list[tuple[str, str, int, int]]],
    dict[tuple[str, int], list[str]],
    dict[str, dict[str, list[int]]],
]:
    """Parse WordNet's ``data.*`` and ``index.*`` files (format: wndb(5)).

    Returns each synset's pointers ``(symbol, pos, offset, source/target word numbers)``,
    each synset's words, and each lemma's synset offsets per part of speech in sense
    order. A small parser: NLTK's reader refuses Debian's layout (no ``lexnames``, a
    version check that wants a download)."""
    pointers: dict[tuple[str, int], list[tuple[str, str, int, int]]] = {}
    words: dict[tuple[str, int], list[str]] = {}
    senses: dict[str, dict[str, list[int]]] = {}
    for name, pos in _POS.items():
        for line in (folder / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue  # licence header
            parts = line.split(" | ")[0].split()
            offset = int(parts[0])
            n_words = int(parts[3], 16)
            ws = [parts[4 + 2 * i].lower() for i in range(n_words)]
            i = 4 + 2 * n_words
            n_ptr = int(parts[i])
            ptrs = []
            for k in range(n_ptr):
                sym, off, ppos, st = parts[i + 1 + 4 * k : i + 5 + 4 * k]
                ptrs.append((sym, "a" if ppos == "s" else ppos, int(off), int(st, 16)))
            key = (pos, offset)
            words[key] = [w.split("(")[0] for w in ws]
            pointers[key] = ptrs
        for line in (folder / f"index.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            parts = line.split()
            n_synsets, n_ptr = int(parts[2]), int(parts[3])
            offsets = [int(x) for x in parts[4 + n_ptr + 2 :][:n_synsets]]
            senses.setdefault(parts[0].lower(), {})[pos] = offsets
    return pointers, words, senses


def build(wordnet_dir: Path) -> pd.DataFrame:
    pointers, synset_words, senses = read_wordnet(wordnet_dir)
    esco = ROOT / "data" / "esco"
    labels = pd.concat(
        [
            pd.read_parquet(esco / "skills.parquet")["label"],
            pd.read_parquet(esco / "alt_labels.parquet")["label"],
        ]
    )
    words = sorted({w for label in labels for w in match_key(label).split() if w.isalpha()})
    # WordNet lemmas by the matcher's key (spelling folded), so "organise" finds "organize".
    lemmas: dict[str, set[str]] = {}
    for lemma in senses:
        lemmas.setdefault(match_key(lemma.replace("_", " ")), set()).add(lemma)
    rows: set[tuple[str, str, str]] = set()

    def add(other: str, word: str, relation: str) -> None:
        key = match_key(other.replace("_", " "))
        if key and " " not in key and key.isalpha() and key != word:
            rows.add((key, word, relation))

    for word in words:
        for lemma in lemmas.get(word, ()):
            for pos, offsets in senses[lemma].items():
                for rank, offset in enumerate(offsets):
                    members = synset_words[(pos, offset)]
                    if rank < SENSES:
                        for other in members:
                            add(other, word, "synonym")
                    for sym, ppos, poff, st in pointers[(pos, offset)]:
                        if sym not in ("+", "\\"):
                            continue  # derivationally related form, pertainym
                        source, target = st >> 8, st & 0xFF
                        if source and members[source - 1] == lemma and target:
                            add(synset_words[(ppos, poff)][target - 1], word, "derived")
    frame = pd.DataFrame(sorted(rows), columns=["word", "esco_word", "relation"])
    # A pair both derived and synonym keeps "derived".
    frame = frame.sort_values("relation").drop_duplicates(["word", "esco_word"], keep="first")
    return frame.sort_values(["word", "esco_word"]).reset_index(drop=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "esco" / "wordforms.parquet")
    args = parser.parse_args(argv)
    if not (args.wordnet / "data.noun").exists():
        print(f"no WordNet at {args.wordnet}: apt-get install wordnet-base", file=sys.stderr)
        return 1
    frame = build(args.wordnet)
    frame.to_parquet(args.out, compression="zstd", index=False)
    counts = frame["relation"].value_counts().to_dict()
    print(f"{args.out}: {len(frame)} rows {counts}, {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
