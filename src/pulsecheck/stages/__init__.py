"""Audit stages: one subpackage each, exposing ``STAGE`` (see ``interface.py``)."""
