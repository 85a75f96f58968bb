"""``motcua bench``: side-by-side throughput, tick cost and flag latency on the embedded broker.

A benchmark, not a test: nothing here asserts a number. :mod:`.run` orchestrates one run and
returns the JSON object the command prints; the other modules each measure one thing. Every
consumer measurement reads the *same* records, written beforehand from the province simulator
(:mod:`.workload`). See docs/performance.md for the definitions and the results.
"""
