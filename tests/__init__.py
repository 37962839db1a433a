"""Skill Atlas tests: one folder per layer (unit, integration, app, e2e); helpers in ``support``."""
