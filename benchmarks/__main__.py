"""``python -m benchmarks [--quick]``: see `benchmarks.run`."""

from benchmarks.run import main

raise SystemExit(main())
