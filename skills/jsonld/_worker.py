"""RDFC-1.0 with pyld's URDNA2015, in-process or in the worker process.

Used for datasets whose blank nodes are not told apart by their first-degree hashes,
where RDFC-1.0 needs its n-degree step: pyoxigraph 0.5 labels some of those graphs
differently from pyld, rdf-canonize and the 1EdTech validator (1EdTech's complete.json),
so pyld is the reference there. The worker reads expanded JSON-LD text and
answers with the canonical N-Quads (or an error string); it runs as
``python -m skills.jsonld._worker`` with length-prefixed messages on stdin/stdout,
and the parent kills it when a document exceeds its time budget.
"""

from __future__ import annotations

from typing import Any, BinaryIO


def canonical_nquads(expanded_json: str) -> str:
    """URDNA2015 (= RDFC-1.0) canonical N-Quads of an expanded JSON-LD text, with pyld."""
    import json

    from pyld import jsonld

    def refuse(url: str, options: Any = None) -> Any:
        raise ValueError("expanded JSON-LD names no context")

    result = jsonld.normalize(
        json.loads(expanded_json),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "base": None,
            "documentLoader": refuse,
        },
    )
    return str(result)


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer requests until stdin closes.

    Framing: a request is a 4-byte big-endian length and that many bytes of expanded
    JSON-LD; an answer is a length and a JSON array ``["ok", text]`` or ``["error", why]``.
    """
    import json

    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return
        body = stdin.read(int.from_bytes(head, "big"))
        try:
            answer = ["ok", canonical_nquads(body.decode("utf-8"))]
        except Exception as exc:
            answer = ["error", f"{type(exc).__name__}: {str(exc)[:200]}"]
        data = json.dumps(answer).encode("utf-8")
        stdout.write(len(data).to_bytes(4, "big") + data)
        stdout.flush()


if __name__ == "__main__":
    import sys

    serve(sys.stdin.buffer, sys.stdout.buffer)
