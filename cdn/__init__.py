"""edgefill's domain and application: scenarios, network, simulation, replay, nightly job and CLI.

Importing ``cdn`` is light: submodules are imported where they are used.
"""

from importlib.metadata import PackageNotFoundError, version

from cdn.errors import EdgefillError, ForecastError, InputError, PlacementError, Problem, ScenarioError

try:
    __version__ = version("edgefill")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["EdgefillError", "ForecastError", "InputError", "PlacementError", "Problem", "ScenarioError",
           "__version__"]
