"""``python -m gc3store``: the ``gc3store`` command."""

import sys

from gc3store.cli import main

if __name__ == "__main__":
    sys.exit(main())
