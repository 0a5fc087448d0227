"""``python -m skillode``: the ``skillode`` command line."""

from skillode.cli import main

raise SystemExit(main())
