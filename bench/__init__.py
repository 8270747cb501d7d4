"""Benchmarks, run by hand (`python -m bench`); they print ratios and write nothing into tests."""
