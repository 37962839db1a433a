"""Open Badges 0.5, 1.0 and 1.1 documents upgraded to the 2.0 model.

The upgrade only renames and reshapes: it never adds a claim the original does not make.
- 0.5: ``recipient`` is a (hashed) string with a top-level ``salt``; ``badge`` is embedded and
  its ``issuer`` is an object with ``origin``; dates are ``issued_on``/``expires``.
- 1.0/1.1: ``verify: {type: hosted|signed, url}``; ``recipient`` is an object with ``type``,
  ``hashed``, ``salt``, ``identity``; ``badge`` is a URL (or embedded); alignments use
  ``name``/``url``/``description``; 1.1 carries the ``https://w3id.org/openbadges/v1`` context.
"""

from __future__ import annotations

from typing import Any

from skills.verify.ob2._vocab import OB_V1_CONTEXTS, OB_V2_CONTEXT_ALIASES


def _contexts(doc: dict[str, Any]) -> list[Any]:
    ctx = doc.get("@context")
    if ctx is None:
        return []
    return list(ctx) if isinstance(ctx, list) else [ctx]


def legacy_version(doc: dict[str, Any]) -> str | None:
    """``"0.5"``, ``"1.0"``, ``"1.1"`` for a legacy assertion, None for OB 2.0 (or unknown)."""
    contexts = _contexts(doc)
    if any(isinstance(c, str) and c in OB_V2_CONTEXT_ALIASES for c in contexts):
        return None
    if isinstance(doc.get("recipient"), str) and isinstance(doc.get("badge"), dict):
        return "0.5"
    if isinstance(doc.get("verify"), dict):
        if any(isinstance(c, str) and c in OB_V1_CONTEXTS for c in contexts):
            return "1.1"
        return "1.0"
    return None


def _alignment(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = dict(item)
    for old, new in (
        ("name", "targetName"),
        ("url", "targetUrl"),
        ("description", "targetDescription"),
    ):
        if old in out and new not in out:
            out[new] = out.pop(old)
    return out


def upgrade_issuer(doc: dict[str, Any]) -> dict[str, Any]:
    """A 0.5/1.x issuer organisation as an OB 2.0 Issuer (``origin`` becomes id/url)."""
    out = dict(doc)
    out.setdefault("type", "Issuer")
    if "origin" in out:
        origin = out.pop("origin")
        out.setdefault("url", origin)
        out.setdefault("id", origin)
    if "contact" in out:
        out.setdefault("email", out.pop("contact"))
    if "org" in out and "name" in out:
        out["name"] = f"{out['name']} ({out.pop('org')})"
    return out


def upgrade_badge_class(doc: dict[str, Any]) -> dict[str, Any]:
    """A 0.5/1.x badge class as an OB 2.0 BadgeClass."""
    out = dict(doc)
    out.setdefault("type", "BadgeClass")
    out.pop("version", None)
    if isinstance(out.get("issuer"), dict):
        out["issuer"] = upgrade_issuer(out["issuer"])
    align = out.get("alignment")
    if isinstance(align, list):
        out["alignment"] = [_alignment(a) for a in align]
    elif isinstance(align, dict):
        out["alignment"] = [_alignment(align)]
    return out


def upgrade_assertion(doc: dict[str, Any], version: str) -> dict[str, Any]:
    """A 0.5/1.0/1.1 assertion in the OB 2.0 shape (``verification``, recipient object ...)."""
    out: dict[str, Any] = {"type": "Assertion"}
    if version == "0.5":
        identity = doc.get("recipient")
        hashed = isinstance(identity, str) and identity.lower().startswith(("sha256$", "md5$"))
        out["recipient"] = {
            "type": "email",
            "hashed": hashed,
            "identity": identity,
            **({"salt": doc["salt"]} if isinstance(doc.get("salt"), str) else {}),
        }
        badge = doc.get("badge")
        out["badge"] = upgrade_badge_class(badge) if isinstance(badge, dict) else badge
        if "issued_on" in doc:
            out["issuedOn"] = doc["issued_on"]
        for key in ("expires", "evidence", "image"):
            if key in doc:
                out[key] = doc[key]
        out["verification"] = {"type": "HostedBadge"}
        return out
    raw_verify = doc.get("verify")
    verify: dict[str, Any] = raw_verify if isinstance(raw_verify, dict) else {}
    vtype = str(verify.get("type", "")).lower()
    url = verify.get("url")
    uid = doc.get("uid")
    if vtype == "signed":
        out["verification"] = {"type": "SignedBadge", **({"creator": url} if url else {})}
        out["id"] = doc.get("id") or (f"urn:uuid:{uid}" if uid else None)
    else:
        out["verification"] = {"type": "HostedBadge"}
        out["id"] = url if isinstance(url, str) else doc.get("id")
    if uid is not None:
        out["uid"] = uid
    recipient = doc.get("recipient")
    out["recipient"] = dict(recipient) if isinstance(recipient, dict) else recipient
    badge = doc.get("badge")
    out["badge"] = upgrade_badge_class(badge) if isinstance(badge, dict) else badge
    for key in ("issuedOn", "expires", "evidence", "image", "revoked", "revocationReason"):
        if key in doc:
            out[key] = doc[key]
    for key, value in doc.items():
        if key.startswith("extensions:"):
            out[key] = value
    return out


def upgrade_fetched(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """Upgrade a fetched 1.x badge class (``kind="badge"``) or issuer (``"issuer"``) if legacy."""
    contexts = _contexts(doc)
    if any(isinstance(c, str) and c in OB_V2_CONTEXT_ALIASES for c in contexts):
        return doc
    return upgrade_badge_class(doc) if kind == "badge" else upgrade_issuer(doc)
