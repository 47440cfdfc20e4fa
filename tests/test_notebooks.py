"""The notebooks in notebooks/: stored without outputs, and (integration) they run top to bottom."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_notebooks_exist():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name}: cell {i} has stored outputs"
        assert cell.get("execution_count") is None, f"{path.name}: cell {i} has an execution count"


@pytest.fixture(scope="module")
def kernel(mirror):
    """One Python kernel for every notebook (its start and the imports are paid once), started in
    notebooks/ with the mirror in its environment; :func:`_fresh` clears it between notebooks."""
    nbclient = pytest.importorskip("nbclient")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMMISSIONING_ATLAS_MIRROR", str(mirror))  # the kernel inherits this process's environment
        client = nbclient.NotebookClient(nbformat.v4.new_notebook(), kernel_name="python3",
                                         resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
        km = client.create_kernel_manager()
        client.start_new_kernel()
    try:
        yield km
    finally:
        nbclient.util.run_sync(km.shutdown_kernel)(now=True)


def _run(nb, km):
    """Run ``nb`` top to bottom in the kernel ``km``; the client's connection is closed after."""
    import nbclient

    client = nbclient.NotebookClient(nb, km=km, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
    return nb


#: Run before each notebook: no name, import or working folder left by the notebook before.
_FRESH = """
import os as _os, sys as _sys
_os.chdir({folder!r})
for _m in [m for m in _sys.modules if m == "commissioning_atlas" or m.startswith("commissioning_atlas.")]:
    del _sys.modules[_m]
%reset -f
"""


def _fresh(km) -> None:
    """An empty namespace, the notebooks' folder as working folder and the package imported anew (so no
    module-level cache of one notebook serves the next); the heavy libraries (pandas, geopandas, shapely)
    stay imported, which is what one kernel saves."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_FRESH.format(folder=str(NOTEBOOK_DIR)))])
    _run(nb, km)
    assert not [o for o in nb.cells[0].outputs if o.get("output_type") == "error"]


@pytest.mark.integration
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, kernel):
    """Each notebook runs top to bottom without an error, on its own: in a kernel cleared of everything the
    notebooks before it defined or imported from the package."""
    nbclient = pytest.importorskip("nbclient")
    _fresh(kernel)
    nb = nbformat.read(path, as_version=4)
    try:
        _run(nb, kernel)
    except nbclient.exceptions.CellExecutionError as err:  # pragma: no cover - failure path
        pytest.fail(f"{path.name}: {err}")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
