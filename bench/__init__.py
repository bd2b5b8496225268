"""Benchmarks: runnable scripts that time GRS against its budgets (never run as timed tests)."""
