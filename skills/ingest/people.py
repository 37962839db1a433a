"""People and teams from an HR export: ``python -m skills people import FILE.csv``.

The CSV (UTF-8, a header row, comma-separated) has these columns; the first
three are required, the others may be absent or empty:

=================== ===========================================================
``person_id``       stable id from the HR system (letters, digits, ``-_.@:``)
``name``            display name
``kind``            ``employee`` or ``candidate``
``email``           e-mail addresses, ``;``-separated (badge recipients are matched to them)
``team``            team name; the team is created under ``department``
``department``      department of the team, created when new
``parent_department`` the department above ``department`` (optional hierarchy)
``role``            role title
``manager_id``      ``person_id`` of the manager (in this file or already stored)
``location``        office or country
``availability``    when a candidate can start (e.g. ``immediately``, ``within 1 month``)
``start_date``      ``YYYY-MM-DD``
``urls``            profile URLs used as badge recipients, ``;``-separated
``dids``            DIDs used as badge recipients, ``;``-separated
``telephone``       telephone numbers used as badge recipients, ``;``-separated
``leads``           team or department names this person leads, ``;``-separated
=================== ===========================================================

Behaviour: people are added or updated by ``person_id``; the identities of every
imported person are replaced by those listed (an address the person added and confirmed
on their profile is kept, and is fixed: a row giving it to anybody else is a bad row
"belongs to", even when its owner is in the file too). A team without a ``leads`` entry
gets as lead the member who manages most of its members (else the manager most
of them report to); a department, the manager most of its team leads report to.
Everything happens in one transaction: any bad row (missing value, unknown
kind, bad date, unknown manager, duplicated person, an identity that belongs to
someone else, a team in two departments) rejects the whole file with
:class:`ImportRowsError` listing every bad row, and nothing is changed.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from skills.errors import ImportRowsError
from skills.store import Store, Tx, audit
from skills.verify import normalise_identity

REQUIRED_COLUMNS = ("person_id", "name", "kind")
OPTIONAL_COLUMNS = (
    "email",
    "team",
    "department",
    "parent_department",
    "role",
    "manager_id",
    "location",
    "availability",
    "start_date",
    "urls",
    "dids",
    "telephone",
    "leads",
)
_PERSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}")
_EMAIL = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{4,}")


@dataclass(frozen=True)
class ImportSummary:
    """What an import changed."""

    people_added: int
    people_updated: int
    teams_created: int
    identities: int


def slug(name: str) -> str:
    """A lower-case, dash-separated id from a name (``"Data & AI"`` -> ``"data-ai"``)."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "unnamed"


def team_id_for(name: str) -> str:
    return "team-" + slug(name)


def department_id_for(name: str) -> str:
    return "dept-" + slug(name)


@dataclass(frozen=True)
class IdentityProblem:
    """Why a text is not an identity of the kind asked for (one sentence fragment)."""

    reason: str


IDENTITY_KINDS = ("email", "url", "did", "telephone")
"""The kinds of recipient identity a person may have (table ``identities``)."""
_IDENTITY_COLUMNS = (
    ("email", "email"),
    ("urls", "url"),
    ("dids", "did"),
    ("telephone", "telephone"),
)


def parse_identity(kind: str, text: str) -> tuple[str, str] | IdentityProblem:
    """``(kind, value)`` normalised as ``identities`` stores it, or why ``text`` is not one.

    The one normaliser of identities a person states (this import, and the addresses a
    person adds on their profile): e-mails lose ``mailto:`` and are lower-cased, telephone
    numbers lose ``tel:``, spaces, brackets and dashes; URLs must be http(s), DIDs
    ``did:method:id``.
    """
    value = text.strip()
    if kind == "email":
        if _EMAIL.fullmatch(value.removeprefix("mailto:")):
            return "email", normalise_identity(value)
        return IdentityProblem(f"{value!r} is not an e-mail address")
    if kind == "url":
        if value.lower().startswith(("http://", "https://")) and not any(
            c.isspace() for c in value
        ):
            return "url", value
        return IdentityProblem(f"{value!r} is not an http(s) URL")
    if kind == "did":
        if (
            value.startswith("did:")
            and value.count(":") >= 2
            and not any(c.isspace() for c in value)
        ):
            return "did", value
        return IdentityProblem(f"{value!r} is not a DID")
    if kind == "telephone":
        if _PHONE.fullmatch(value.removeprefix("tel:")):
            return "telephone", re.sub(r"[ ()-]", "", value.removeprefix("tel:"))
        return IdentityProblem(f"{value!r} is not a telephone number")
    return IdentityProblem(f"{kind!r} is not a kind of identity")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


@dataclass(frozen=True)
class _Row:
    number: int
    person_id: str
    name: str
    kind: str
    team: str
    department: str
    parent_department: str
    role: str
    manager_id: str
    location: str
    availability: str
    start_date: date | None
    identities: tuple[tuple[str, str], ...]  # (kind, normalised value)
    leads: tuple[str, ...]


def read_people_csv(data: bytes | str) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Parse and check the rows on their own (no database); returns rows and problems."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], [(0, "the file is not UTF-8 text")]
    else:
        text = data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [(1, f"missing column {c}") for c in missing]
    rows: list[_Row] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(reader, start=2):
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        bad: list[str] = []
        pid = cells.get("person_id", "")
        if not pid:
            bad.append("person_id is empty")
        elif not _PERSON_ID.fullmatch(pid):
            bad.append(f"person_id {pid!r} has characters other than letters, digits and -_.@:")
        name = cells.get("name", "")
        if not name:
            bad.append("name is empty")
        kind = cells.get("kind", "").lower()
        if kind not in ("employee", "candidate"):
            bad.append(f"kind must be employee or candidate, not {cells.get('kind', '')!r}")
        start: date | None = None
        if cells.get("start_date"):
            try:
                start = date.fromisoformat(cells["start_date"])
            except ValueError:
                bad.append(f"start_date {cells['start_date']!r} is not a YYYY-MM-DD date")
        idents: list[tuple[str, str]] = []
        for column, ident_kind in _IDENTITY_COLUMNS:
            for text in _split(cells.get(column, "")):
                parsed = parse_identity(ident_kind, text)
                if isinstance(parsed, IdentityProblem):
                    bad.append(parsed.reason)
                else:
                    idents.append(parsed)
        if cells.get("team") and not cells.get("department"):
            bad.append("team is given without its department")
        if cells.get("manager_id") and cells.get("manager_id") == pid:
            bad.append("a person cannot be their own manager")
        if bad:
            problems.append((number, "; ".join(bad)))
            continue
        rows.append(
            _Row(
                number=number,
                person_id=pid,
                name=" ".join(name.split()),
                kind=kind,
                team=cells.get("team", ""),
                department=cells.get("department", ""),
                parent_department=cells.get("parent_department", ""),
                role=cells.get("role", ""),
                manager_id=cells.get("manager_id", ""),
                location=cells.get("location", ""),
                availability=" ".join(cells.get("availability", "").split()),
                start_date=start,
                identities=tuple(dict.fromkeys(idents)),
                leads=tuple(_split(cells.get("leads", ""))),
            )
        )
    return rows, problems


def _check_against(tx: Tx, rows: list[_Row], problems: list[tuple[int, str]]) -> None:
    """Checks that need the whole file and the database; appends to ``problems``."""
    counts = Counter(r.person_id for r in rows)
    in_file = set(counts)
    stored = {r[0] for r in tx.rows("SELECT person_id FROM people")}
    owners: dict[tuple[str, str], str] = {
        (k, v): p for p, k, v in tx.rows("SELECT person_id, kind, value FROM identities")
    }
    # Addresses a person proved on their profile (a confirmed identity request) are fixed:
    # a file cannot give them to somebody else, even when it lists their owner too.
    proved: dict[tuple[str, str], str] = {
        (k, v): p
        for p, k, v in tx.rows(
            "SELECT i.person_id, i.kind, i.value FROM identities i WHERE NOT i.hashed "
            "AND EXISTS (SELECT 1 FROM identity_requests r WHERE r.status = 'confirmed' "
            "AND r.person_id = i.person_id AND r.kind = i.kind AND r.value = i.value)"
        )
    }
    claimed: dict[tuple[str, str], str] = {}
    team_department: dict[str, tuple[str, int]] = {}
    dept_parent: dict[str, tuple[str, int]] = {}
    stored_units = {r[0].casefold() for r in tx.rows("SELECT name FROM teams")}
    units = {r.team.casefold() for r in rows if r.team} | {
        r.department.casefold() for r in rows if r.department
    }
    units |= {r.parent_department.casefold() for r in rows if r.parent_department}
    for r in rows:
        bad: list[str] = []
        if counts[r.person_id] > 1:
            bad.append(f"person {r.person_id} appears {counts[r.person_id]} times")
        if r.manager_id and r.manager_id not in in_file and r.manager_id not in stored:
            bad.append(f"unknown manager {r.manager_id}")
        for ident in r.identities:
            owner = owners.get(ident)
            if ident in proved and proved[ident] != r.person_id:
                bad.append(f"{ident[1]} belongs to {proved[ident]}")
            elif owner is not None and owner != r.person_id and owner not in in_file:
                bad.append(f"{ident[1]} belongs to {owner}")
            other = claimed.setdefault(ident, r.person_id)
            if other != r.person_id:
                bad.append(f"{ident[1]} is also listed for {other}")
        if r.team:
            dept, first = team_department.setdefault(r.team.casefold(), (r.department, r.number))
            if dept.casefold() != r.department.casefold():
                bad.append(f"team {r.team} is in department {dept} on row {first}")
        if r.department and r.parent_department:
            parent, first = dept_parent.setdefault(
                r.department.casefold(), (r.parent_department, r.number)
            )
            if parent.casefold() != r.parent_department.casefold():
                bad.append(f"department {r.department} is under {parent} on row {first}")
        for unit in r.leads:
            if unit.casefold() not in units and unit.casefold() not in stored_units:
                bad.append(f"leads {unit!r}, which is no team or department")
        if bad:
            problems.append((r.number, "; ".join(bad)))


def import_people(
    store: Store, data: bytes | str | Path, *, actor: str = "people-import"
) -> ImportSummary:
    """Import people, teams and departments from an HR CSV (see the module docstring).

    ``data`` is the CSV's bytes or text, or a path to it. One transaction: on any
    bad row raises :class:`ImportRowsError` (``.problems`` lists (row number,
    reason) for every bad row) and nothing changes. Raises :class:`StoreError`
    when the database refuses.
    """
    if isinstance(data, Path):
        try:
            content: bytes | str = data.read_bytes()
        except OSError as err:
            raise ImportRowsError(
                f"Cannot read {data}: {err.strerror}.", [(0, "unreadable")]
            ) from err
    else:
        content = data
    rows, problems = read_people_csv(content)
    if problems and not rows:
        raise ImportRowsError(_message(problems), sorted(problems))

    def work(tx: Tx) -> ImportSummary:
        found = list(problems)
        _check_against(tx, rows, found)
        if found:
            raise ImportRowsError(_message(found), sorted(found))
        return _write(tx, rows, actor)

    return store.run_write(work)


def _message(problems: list[tuple[int, str]]) -> str:
    first = min(problems)
    where = "the header" if first[0] <= 1 else f"row {first[0]}"
    return (
        f"The people file has {len(problems)} problem(s), first in {where}: {first[1]}. "
        "Nothing was imported."
    )


def _write(tx: Tx, rows: list[_Row], actor: str) -> ImportSummary:
    existing_units = {r[0] for r in tx.rows("SELECT team_id FROM teams")}
    units: dict[str, dict[str, str | None]] = {}
    for r in rows:
        if r.parent_department:
            pid = department_id_for(r.parent_department)
            units.setdefault(
                pid,
                {
                    "team_id": pid,
                    "name": r.parent_department,
                    "kind": "department",
                    "parent_id": None,
                    "department": r.parent_department,
                },
            )
        if r.department:
            did = department_id_for(r.department)
            parent = department_id_for(r.parent_department) if r.parent_department else None
            entry = units.setdefault(
                did,
                {
                    "team_id": did,
                    "name": r.department,
                    "kind": "department",
                    "parent_id": parent,
                    "department": r.department,
                },
            )
            if parent:
                entry["parent_id"] = parent
        if r.team:
            tid = team_id_for(r.team)
            units.setdefault(
                tid,
                {
                    "team_id": tid,
                    "name": r.team,
                    "kind": "team",
                    "parent_id": department_id_for(r.department),
                    "department": r.department,
                },
            )
    created = 0
    for unit in units.values():
        if unit["team_id"] in existing_units:
            tx.execute(
                "UPDATE teams SET name = ?, parent_id = coalesce(?, parent_id), department = ? "
                "WHERE team_id = ?",
                [unit["name"], unit["parent_id"], unit["department"], unit["team_id"]],
            )
        else:
            tx.execute(
                "INSERT INTO teams (team_id, name, kind, parent_id, department) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    unit["team_id"],
                    unit["name"],
                    unit["kind"],
                    unit["parent_id"],
                    unit["department"],
                ],
            )
            created += 1

    ids = [r.person_id for r in rows]
    stored = {r[0] for r in tx.rows("SELECT person_id FROM people WHERE person_id = ANY(?)", [ids])}
    people = pd.DataFrame(
        {
            "person_id": ids,
            "display_name": [r.name for r in rows],
            "kind": [r.kind for r in rows],
            "team_id": [team_id_for(r.team) if r.team else None for r in rows],
            "role_title": [r.role or None for r in rows],
            "manager_id": [r.manager_id or None for r in rows],
            "location": [r.location or None for r in rows],
            "availability": [r.availability or None for r in rows],
            "start_date": pd.Series([r.start_date for r in rows], dtype="object"),
        }
    )
    tx.execute("DELETE FROM people WHERE person_id = ANY(?)", [ids])
    tx.insert_frame("people", people)
    # The addresses a person added and proved on their profile are theirs, not HR's: kept.
    tx.execute(
        "DELETE FROM identities i WHERE NOT hashed AND person_id = ANY(?) "
        "AND NOT EXISTS (SELECT 1 FROM identity_requests r WHERE r.status = 'confirmed' "
        "AND r.person_id = i.person_id AND r.kind = i.kind AND r.value = i.value)",
        [ids],
    )
    kept = {
        (str(k), str(v))
        for k, v in tx.rows("SELECT kind, value FROM identities WHERE person_id = ANY(?)", [ids])
    }
    idents = [(r.person_id, k, v) for r in rows for k, v in r.identities if (k, v) not in kept]
    if idents:
        tx.insert_frame(
            "identities",
            pd.DataFrame(idents, columns=["person_id", "kind", "value"]),
        )
    _set_leads(tx, rows, units)
    summary = ImportSummary(
        people_added=len(set(ids) - stored),
        people_updated=len(stored),
        teams_created=created,
        identities=len(idents),
    )
    audit(tx, actor, "people.import", None, detail=summary.__dict__)
    return summary


def _set_leads(tx: Tx, rows: list[_Row], units: dict[str, dict[str, str | None]]) -> None:
    by_name = {str(u["name"]).casefold(): uid for uid, u in units.items()}
    for uid, name in tx.rows("SELECT team_id, name FROM teams"):
        by_name.setdefault(str(name).casefold(), uid)
    explicit: dict[str, str] = {}
    for r in rows:
        for unit_name in r.leads:
            explicit[by_name[unit_name.casefold()]] = r.person_id
    manager_of = {r.person_id: r.manager_id for r in rows}
    lead: dict[str, str | None] = {}
    for uid, unit in units.items():
        if unit["kind"] != "team":
            continue
        members = [r for r in rows if r.team and team_id_for(r.team) == uid]
        member_ids = {r.person_id for r in members}
        managers = Counter(r.manager_id for r in members if r.manager_id)
        inside = Counter({m: n for m, n in managers.items() if m in member_ids})
        best = (inside or managers).most_common(1)
        lead[uid] = explicit.get(uid) or (best[0][0] if best else None)
    for uid, unit in units.items():
        if unit["kind"] != "department":
            continue
        team_leads = [lead[t] for t, u in units.items() if u["parent_id"] == uid and t in lead]
        bosses = Counter(manager_of.get(p or "") for p in team_leads if manager_of.get(p or ""))
        lead[uid] = explicit.get(uid) or (bosses.most_common(1)[0][0] if bosses else None)
    lead.update(explicit)
    for uid, lead_id in lead.items():
        if lead_id is not None:
            tx.execute("UPDATE teams SET lead_person_id = ? WHERE team_id = ?", [lead_id, uid])
