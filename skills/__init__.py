"""Skill Atlas domain package: verify, extract, map, store and analyse Open Badges.

Never imports streamlit; the pages in ``pages/`` call into it.
"""

__version__ = "0.1.0"
