"""``python -m commissioning_atlas``: the command line."""

from .cli import main

raise SystemExit(main())
