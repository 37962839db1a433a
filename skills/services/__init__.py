"""Read-side queries behind the pages, one module per page; every function takes the viewer.

Each function enforces :mod:`skills.access` itself (role checks, the people
predicate, per-person checks), so a page cannot show more than its viewer may
see whatever widgets, URLs or query parameters ask for. They return DataFrames
or frozen dataclasses and never import Streamlit.

Modules: ``overview``, ``profile``, ``skill_map``, ``gaps``, ``growth``, ``submit``,
``candidates``, ``admin``.
"""

from skills.services import admin, candidates, gaps, growth, overview, profile, skill_map, submit
from skills.services._common import profile_link

__all__ = [
    "admin",
    "candidates",
    "gaps",
    "growth",
    "overview",
    "profile",
    "profile_link",
    "skill_map",
    "submit",
]
