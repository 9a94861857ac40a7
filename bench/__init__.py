"""Benchmarks; run each from the project root with python -m bench.<name> (see BENCHMARKS.md)."""
