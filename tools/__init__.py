"""Builders of the shipped Word templates; run each from the project root with python -m tools.<name>."""
