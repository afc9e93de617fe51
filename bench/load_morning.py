"""A busy morning of many firms against gunicorn and real workers, then a reconciliation.

The scenario lives in ``tests/support/load_morning.py`` (``tests/test_load.py`` runs it small);
this is its command line:

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/13 \\
        python bench/load_morning.py --firms 50 --minutes 3 [--write-readme]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.load_morning import main

if __name__ == "__main__":
    sys.exit(main())
