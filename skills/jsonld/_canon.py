"""RDFC-1.0 canonicalisation: pyld expansion (cached contexts), then pyoxigraph or pyld.

Path of a document: pyld expands it with the bundled contexts (processed contexts are
reused across calls); pyoxigraph turns the expanded form into RDF (no context work left).
A pre-screen computes each blank node's first-degree signature (linear):

- all distinct (every credential we have seen): pyoxigraph canonicalises natively; the
  labels follow from the first-degree hashes alone, and its output is byte-identical to
  pyld's (tested on the 1EdTech corpus), except that control characters in literals are
  escaped as RDFC-1.0 requires (``\\u0001``), which pyld does not do;
- some shared: RDFC-1.0's n-degree step is needed, where pyoxigraph 0.5 disagrees with
  pyld and the signers (1EdTech's complete.json), so pyld's URDNA2015 runs: in-process
  when few blank nodes are ambiguous, otherwise in a persistent worker process that is
  killed when the time budget runs out (the n-degree step is exponential on hostile
  graphs such as cliques).

:class:`CanonBudget` is one credential's allowance of this work, shared by all its proofs
and the proofs of its status lists: each distinct document is canonicalised once (the
answer, or the error, is remembered), and the total time and number of runs are capped.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from skills.errors import CanonicalizationBudgetExceeded, CanonicalizationError
from skills.jsonld._expand import expand
from skills.jsonld._worker import canonical_nquads

_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
#: Blank nodes sharing a first-degree signature that are still canonicalised in-process.
MAX_AMBIGUOUS_IN_PROCESS = 6
#: Largest dataset canonicalised at all (quads).
MAX_QUADS = 50_000


def _ambiguous_blank_nodes(quads: list[ox.Quad]) -> int:
    """How many blank nodes share their first-degree signature with another one."""
    mentions: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        for term in (quad.subject, quad.object, quad.graph_name):
            if isinstance(term, ox.BlankNode):
                mentions[term.value].append(quad)
    if len(mentions) < 2:
        return 0

    def label(term: Any, me: str) -> str:
        if isinstance(term, ox.BlankNode):
            return "_:a" if term.value == me else "_:z"
        return str(term)

    signatures: dict[tuple[str, ...], int] = defaultdict(int)
    for node, its_quads in mentions.items():
        sig = tuple(
            sorted(
                f"{label(q.subject, node)} {q.predicate} {label(q.object, node)} "
                f"{label(q.graph_name, node)}"
                for q in its_quads
            )
        )
        signatures[sig] += 1
    return sum(n for n in signatures.values() if n > 1)


def _canonical_in_process(quads: list[ox.Quad]) -> str:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    text = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert isinstance(text, bytes)
    lines = [line + "\n" for line in text.decode("utf-8").split("\n") if line]
    lines.sort()
    return "".join(lines)


class _Worker:
    """One persistent worker process for suspicious datasets; restarted after a kill.

    A plain subprocess (``python -m skills.jsonld._worker``), not multiprocessing, so it
    works the same under Streamlit, pytest and scripts without a ``__main__`` guard.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._process = subprocess.Popen(
            [sys.executable, "-m", "skills.jsonld._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=str(_PROJECT_ROOT),
        )
        return self._process

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(5)
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()

    def _read(self, stream: Any, size: int, deadline: float) -> bytes:
        out = b""
        fd = stream.fileno()
        while len(out) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(fd, size - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return out

    def run(self, expanded_json: str, budget_seconds: float) -> str:
        if not self._lock.acquire(timeout=budget_seconds):
            raise CanonicalizationBudgetExceeded(
                "Canonicalisation did not finish within its time budget (worker busy)."
            )
        try:
            process = self._start()
            assert process.stdin is not None and process.stdout is not None
            deadline = time.monotonic() + budget_seconds
            data = expanded_json.encode("utf-8")
            process.stdin.write(len(data).to_bytes(4, "big") + data)
            process.stdin.flush()
            size = int.from_bytes(self._read(process.stdout, 4, deadline), "big")
            status, text = json.loads(self._read(process.stdout, size, deadline))
        except TimeoutError:
            self._kill()
            raise CanonicalizationBudgetExceeded(
                f"Canonicalisation ran out of its {budget_seconds:g} s time budget: the "
                "document's blank nodes form a graph that is too costly to canonicalise."
            ) from None
        except (EOFError, OSError, ValueError) as exc:
            self._kill()
            raise CanonicalizationError("The canonicalisation worker failed.") from exc
        finally:
            self._lock.release()
        if status != "ok":
            raise CanonicalizationError(f"The document could not be canonicalised ({text}).")
        return str(text)

    def close(self) -> None:
        with self._lock:
            self._kill()


_WORKER = _Worker()


def _forget_worker_after_fork() -> None:
    """In a forked child (a verify_many worker): never talk to the parent's worker
    process, whose pipes the child shares; the child starts its own when needed."""
    global _WORKER
    _WORKER = _Worker()


os.register_at_fork(after_in_child=_forget_worker_after_fork)


def canonicalize_expanded(expanded: list[Any], *, budget_seconds: float = 5.0) -> str:
    """RDFC-1.0 canonical N-Quads of an expanded JSON-LD document (see the module doc).

    Raises CanonicalizationError when the dataset is too large, cannot be converted,
    or canonicalisation exceeds ``budget_seconds``.
    """
    text = json.dumps(expanded)
    try:
        quads = list(ox.parse(text, format=ox.RdfFormat.JSON_LD))
    except (SyntaxError, ValueError) as exc:
        raise CanonicalizationError(
            f"The document could not be converted to RDF: {str(exc)[:200]}"
        ) from exc
    if len(quads) > MAX_QUADS:
        raise CanonicalizationError(
            f"The document holds {len(quads)} statements, more than the {MAX_QUADS} allowed."
        )
    ambiguous = _ambiguous_blank_nodes(quads)
    if ambiguous == 0:
        return _canonical_in_process(quads)
    if ambiguous <= MAX_AMBIGUOUS_IN_PROCESS:
        try:
            return canonical_nquads(text)
        except Exception as exc:  # pyld raises its own error types
            raise CanonicalizationError("The document could not be canonicalised.") from exc
    return _WORKER.run(text, budget_seconds)


def canonicalize(doc: Mapping[str, Any] | list[Any], *, budget_seconds: float = 5.0) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, contexts from the bundle only.

    Raises CanonicalizationError when a context is not bundled, the document is not
    valid JSON-LD, or canonicalisation exceeds ``budget_seconds``.
    """
    return canonicalize_expanded(expand(doc), budget_seconds=budget_seconds)


#: Canonicalisation time one credential may use in all, its proofs and status lists together.
CREDENTIAL_BUDGET_SECONDS = 10.0
#: Longest single canonicalisation (the worker is killed after it).
CALL_BUDGET_SECONDS = 5.0
#: Most canonicalisations one credential may run (each distinct document counts once).
MAX_CANONICALISATIONS = 64


class CanonBudget:
    """One credential's allowance of canonicalisation work (see the module doc).

    :meth:`canonicalize` answers a document it has seen before from memory (or raises
    the error it raised then), so repeated proofs, repeated context variants and the
    same status list met twice cost one run. ``runs`` counts the canonicalisations
    actually performed and ``spent`` the seconds they took. Once ``seconds`` are spent
    or ``max_runs`` reached, every new document is refused with CanonicalizationError.
    Safe to share between threads.
    """

    def __init__(
        self,
        seconds: float = CREDENTIAL_BUDGET_SECONDS,
        *,
        max_runs: int = MAX_CANONICALISATIONS,
        call_seconds: float = CALL_BUDGET_SECONDS,
    ) -> None:
        self.seconds = seconds
        self.max_runs = max_runs
        self.call_seconds = call_seconds
        self.runs = 0
        self.spent = 0.0
        self._memo: dict[bytes, str | CanonicalizationError] = {}
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds of canonicalisation left (0 when used up)."""
        with self._lock:
            return max(0.0, self.seconds - self.spent)

    def _key(self, doc: Mapping[str, Any] | list[Any]) -> bytes:
        try:
            text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise CanonicalizationError("The document is not plain JSON data.") from exc
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def seen(self, doc: Mapping[str, Any] | list[Any]) -> bool:
        """True when ``doc`` was canonicalised (or refused as broken) under this budget."""
        key = self._key(doc)
        with self._lock:
            return key in self._memo

    def canonicalize(self, doc: Mapping[str, Any] | list[Any]) -> str:
        """RDFC-1.0 canonical N-Quads of ``doc`` (as :func:`canonicalize`), within the budget.

        Raises CanonicalizationError when the document cannot be canonicalised (again,
        from memory, for a document seen before) or the budget is used up.
        """
        key = self._key(doc)
        with self._lock:
            known = self._memo.get(key)
            if known is None:
                if self.runs >= self.max_runs:
                    raise CanonicalizationBudgetExceeded(
                        f"The credential asks for more than {self.max_runs} canonicalisations, "
                        "the most Skill Atlas runs for one credential."
                    )
                left = self.seconds - self.spent
                if left <= 0:
                    raise CanonicalizationBudgetExceeded(
                        f"The credential used up its {self.seconds:g} s canonicalisation budget "
                        "(all its proofs and status lists together)."
                    )
                self.runs += 1
        if isinstance(known, str):
            return known
        if known is not None:  # the same error (and type) as the first time
            raise known.with_traceback(None)
        start = time.monotonic()
        try:
            result = canonicalize(doc, budget_seconds=min(self.call_seconds, left))
        except CanonicalizationError as err:
            with self._lock:
                self.spent += time.monotonic() - start
                self._memo[key] = err
            raise
        with self._lock:
            self.spent += time.monotonic() - start
            self._memo[key] = result
        return result


def shutdown_worker() -> None:
    """Stop the canonicalisation worker process if one is running (tests, shutdown)."""
    _WORKER.close()


__all__ = [
    "CREDENTIAL_BUDGET_SECONDS",
    "CanonBudget",
    "canonicalize",
    "canonicalize_expanded",
    "shutdown_worker",
]
