"""``python -m skills map``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from skills.cli import PROG_NAME, cli


@pytest.mark.slow  # loads ESCO and its fitted matcher (fits it when data/cache has none)
def test_map_prints_json_and_exits_1_when_a_label_needs_review() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "map",
            "--json",
            "http://data.europa.eu/esco/skill/000f1d3d-220f-4789-9c0a-cc742521fb02",
            "lunch break",
        ],
        prog_name=PROG_NAME,
    )
    out = json.loads(result.stdout)
    assert result.exit_code == 1
    assert out[0]["label"] == "Haskell" and out[0]["accepted"] and out[0]["method"] == "uri"
    assert out[1]["skill_uri"] is None and not out[1]["accepted"]
    assert len(out[1]["candidates"]) == 5
