"""The exceptions of :mod:`placement`: one root, each message naming the bad value."""


class PlacementError(ValueError):
    """A placement problem that cannot be planned, even in degraded form."""


class PlacementInputError(PlacementError):
    """A bad argument or input frame (a missing column, a negative size, an unknown solver)."""
