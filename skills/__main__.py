"""Entry point of ``python -m skills``."""

import sys

from skills.cli import main

if __name__ == "__main__":
    sys.exit(main())
