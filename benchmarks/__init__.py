"""Benchmarks of the book and of optkit against their budgets (run by hand, never in CI).

``python -m benchmarks`` runs every ``bench_*`` module and writes ``benchmarks/RESULTS.md``.
"""
