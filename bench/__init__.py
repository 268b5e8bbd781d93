"""Benchmarks (DESIGN 13): scripts that print tables, never timed tests. See bench/README.md."""
