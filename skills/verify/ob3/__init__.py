"""Open Badges 3.0 (and CLR and presentations' credentials): Data Integrity and VC-JWT.

``verify_ob3`` is the entry point; the modules are private: ``_verify`` (dispatch),
``_content`` (structure, schema, dates, recipient, safe mode), ``_proof`` (Data Integrity
proofs), ``_jwt`` (VC-JWT) and ``_status`` (status lists and their own proofs).
"""

from skills.verify.ob3._verify import verify_ob3

__all__ = ["verify_ob3"]
