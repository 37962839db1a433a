"""The demo organisation: a seeded generator of people, issuers and their Open Badges.

- :func:`generate_demo` makes the organisation and really issues its badges (hosted
  files written to a folder served by :class:`skills.fetch.FileTransport`);
- :func:`build_demo` verifies and stores them (and bulk-loads pre-verified rows for
  benchmark sizes);
- :func:`demo_client` is the picklable client factory serving the hosted files;
- :data:`PERSONAS` names the people the local demo accounts sign in as.

Inputs live in ``data/demo/`` (see its README).
"""

from skills.demo.build import DemoResult, build_demo
from skills.demo.client import DEFAULT_HOSTED_DIR, demo_client, demo_roots
from skills.demo.generator import (
    REFERENCE_DATE,
    DemoConfig,
    DemoSubmission,
    GeneratedDemo,
    generate_demo,
)
from skills.demo.personas import PERSONA_NAMES, PERSONAS

__all__ = [
    "DEFAULT_HOSTED_DIR",
    "PERSONAS",
    "PERSONA_NAMES",
    "REFERENCE_DATE",
    "DemoConfig",
    "DemoResult",
    "DemoSubmission",
    "GeneratedDemo",
    "build_demo",
    "demo_client",
    "demo_roots",
    "generate_demo",
]
