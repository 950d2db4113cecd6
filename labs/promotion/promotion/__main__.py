"""`python -m promotion ...`: every step of the workflows calls this."""

import sys

from promotion.cli import main

sys.exit(main(sys.argv[1:]))
