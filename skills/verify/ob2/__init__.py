"""Open Badges 2.0 (and 0.5/1.0/1.1, upgraded): hosted and signed assertions.

``verify_ob2`` is the entry point; the modules are private: ``_verify`` (the entry point,
URLs, and OB 2.0 documents submitted on their own), ``_hosted`` and ``_signed`` (the two
kinds of assertion), ``_run`` (what they share: the run that gathers checks, resolving the
badge class and issuer, finishing with validity and recipient), ``_checks`` (structure,
types, extensions),
``_fetch`` (fetched documents and keys, cached per client), ``_legacy`` (the upgrade of
older versions) and ``_vocab`` (the OB 2.0 context's terms and aliases).
"""

from skills.verify.ob2._verify import verify_ob2

__all__ = ["verify_ob2"]
