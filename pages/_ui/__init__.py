"""Streamlit-side helpers shared by app.py and pages/: session, identity, cached queries, widgets.

This package may import Streamlit; ``skills`` never does.
"""
