"""The ``commissioning-atlas`` command line.

Exit codes: 0 no warnings, 1 warnings or errors found by ``check``, 2 a problem the user can fix
(bad input, a refused or unwritable path, a missing file, disk full: one line on stderr naming
the path and the problem), 3 an unexpected error (a bug: one line and a hint to report it; the
traceback only with ``--debug``), 130 interrupted. A crash never exits 1.

Everything printed goes through :func:`commissioning_atlas.io.text.for_terminal`: control
characters are escaped and what the terminal cannot encode is degraded to ASCII."""

# The package's names, re-exported from the modules that hold them.
from commissioning_atlas.cli.common import (
    EXIT_BUG,
    FORMAT_BY_SUFFIX,
    _Parser,
    _check_population_arg,
    _columns,
    _common,
    _debug_flag,
    _load,
    _needs_scenario,
    _population_arg,
    _say,
    _tolerance,
    _warn,
)
from commissioning_atlas.cli.commands import (
    _check_format,
    cmd_advise,
    cmd_apportion,
    cmd_build,
    cmd_check,
    cmd_crosswalk,
    cmd_export,
    cmd_fetch,
    cmd_layers,
    cmd_map,
    cmd_plan,
    layer_table,
)
from commissioning_atlas.cli.main import _one_line, _run, build_parser, main
