"""The libraries stand on their own: forecasting/ and placement/ import nothing from cdn/."""

import subprocess
import sys

import pytest

BLOCK_CDN = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "cdn" or name.startswith("cdn."):
            raise ImportError(f"the library imported {name}")
sys.meta_path.insert(0, Block())
import pkgutil, importlib
lib = importlib.import_module(sys.argv[1])
for mod in pkgutil.walk_packages(lib.__path__, lib.__name__ + "."):
    importlib.import_module(mod.name)
print("ok")
"""


@pytest.mark.parametrize("library", ["forecasting", "placement"])
def test_library_imports_without_cdn(library: str) -> None:
    done = subprocess.run([sys.executable, "-c", BLOCK_CDN, library], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize("library", ["forecasting", "placement"])
def test_library_errors_are_value_errors(library: str) -> None:
    import importlib

    errors = importlib.import_module(f"{library}.errors")
    classes = [obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, Exception)]
    assert classes and all(issubclass(cls, ValueError) for cls in classes)


def test_cli_reports_library_errors() -> None:
    from cdn.errors import USER_ERRORS
    from forecasting.errors import ForecastError
    from placement.errors import PlacementError

    assert ForecastError in USER_ERRORS and PlacementError in USER_ERRORS
