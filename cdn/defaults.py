"""Defaults of the application, in one light module (the command line imports it for --help).

:data:`FILL_WINDOW_HOURS` and :data:`PEAK_HOUR_SHARE` are the data contract's defaults of
``settings.json`` (the loader fills them in; generated scenarios write them).

``cdn plan`` and ``cdn nightly`` stop a solve at :data:`PLAN_GAP` to its bound or after :data:`PLAN_TIME_LIMIT`
seconds (the national-scale target: a plan in under 10 minutes); ``cdn replay`` solves two plans a night and
gives each :data:`REPLAY_TIME_LIMIT` seconds. The library (:func:`placement.solve`) has no time limit of its own.
"""

from typing import Final

PLAN_GAP: Final[float | None] = None
"""Relative gap to the bound at which ``cdn plan``, ``cdn nightly`` and ``cdn replay`` accept a plan as optimal;
None: :func:`placement.solve`'s default (``placement.solvers.WHOLE_MODEL_GAP``, 0.01%, where the whole model
is solved, 1% where it is decomposed). A fixed 1% let HiGHS stop at the greedy start on most nights of
data/movietweetings (BENCHMARKS.md, "The gap of a model solved whole")."""
PLAN_TIME_LIMIT: Final = 480.0
"""Seconds ``cdn plan`` and ``cdn nightly`` give one placement solve (compiling the problem included), so that
loading, forecasting and planning a national scenario (200 x 20,000) take under 10 minutes."""
REPLAY_TIME_LIMIT: Final = 60.0
"""Seconds ``cdn replay`` gives each placement solve, proactive and oracle nights alike."""
FILL_WINDOW_HOURS: Final = 12.0
"""Hours of the nightly fill window when settings.json does not say (data contract; Open Connect's 02:00-14:00)."""
PEAK_HOUR_SHARE: Final = 0.08
"""Share of a day's views in its busiest hour when settings.json does not say (data contract; 7-9% for video)."""
SCHEDULER_CONNECT_SECONDS: Final = 5.0
"""Seconds the command line waits for a ``--scheduler`` address to accept a connection before saying none answers."""
DEFAULT_MODELS: Final = ("last_value", "mean7", "snaive7", "ewma", "prophet", "auto")
"""Models ``cdn report accuracy`` compares unless told: the three naive baselines, ewma, Prophet and ``auto``."""
PLAN_MODEL: Final = "auto"
"""Forecast model of proactive (and reactive-mode) plans unless ``--model`` says otherwise."""
HYBRID_MODEL: Final = "ewma"
"""Forecast model of hybrid plans' pins unless ``--model`` says otherwise. The pinned part should hold the
sustained head, which a smoothed recent level values, and leave surges to the cache beside it: pins from
``auto``'s forecasts chased surges (trending launches) and wrote more than the cache they stand in for, and
the split backtest that chooses each edge's pinned share pins a smoothed recent level too (BENCHMARKS.md,
issue 11's ninth round: six of six data sets against four of six with ``auto``)."""
MODES: Final = ("proactive", "hybrid", "reactive")
"""How edge disks are filled: by the plan alone, by the plan beside a demand-driven cache, by the cache alone
(``--mode`` of ``cdn plan``, ``simulate``, ``replay``, ``nightly`` and the explorer)."""
