"""``python -m commissioning_atlas.cli``: the command line."""

from commissioning_atlas.cli import main

raise SystemExit(main())
