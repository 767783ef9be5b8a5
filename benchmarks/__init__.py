"""gc3store's benchmark harness: ``python -m benchmarks [--quick]`` (``make bench``).

It measures the reference stores next to raw baselines doing the same work (and next to
peers such as sqlitedict and diskcache), interleaved in one process run, and reports each
figure as a ratio to its baseline; see ``benchmarks/README.md``.
"""
