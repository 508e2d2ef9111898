"""`python -m catalog`, and the file `spark-submit` runs (it takes a .py file, not a console script)."""

import sys

from catalog.cli import main

sys.exit(main())
