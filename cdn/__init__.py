"""edgefill's domain and application: scenarios, network, simulation, replay, nightly job and CLI.

Importing ``cdn`` is light: submodules are imported where they are used.
"""

from cdn.errors import EdgefillError, ForecastError, InputError, PlacementError, Problem, ScenarioError

__all__ = ["EdgefillError", "ForecastError", "InputError", "PlacementError", "Problem", "ScenarioError"]
