"""Benchmarks of the optimizer, kept out of it: `python -m network bench` (run.py), the textbook
model in CBC (textbook.py), the OR-Library instances (orlib.py), the CI smoke scenario
(smoke.py) and the ZIP5 x 300-site instance (zip5.py). Figures: BENCHMARKS.md."""
