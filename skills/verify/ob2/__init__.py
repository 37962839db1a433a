"""Open Badges 2.0 (and 0.5/1.0/1.1, upgraded): hosted and signed assertions.

``verify_ob2`` is the entry point; the modules are private: ``_verify`` (hosted and signed
verification and its run/finish internals), ``_checks`` (structure, types, extensions),
``_fetch`` (fetched documents and keys, cached per client), ``_legacy`` (the upgrade of
older versions) and ``_vocab`` (the OB 2.0 context's terms and aliases).
"""

from skills.verify.ob2._verify import verify_ob2

__all__ = ["verify_ob2"]
