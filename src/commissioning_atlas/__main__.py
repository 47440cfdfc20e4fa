"""``python -m commissioning_atlas``: the command line."""

from commissioning_atlas.cli import main

raise SystemExit(main())
