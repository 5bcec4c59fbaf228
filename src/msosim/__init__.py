"""msosim: an agent-based simulation of migrant self-organisations (MSO) in Germany.

The public names below are imported on first use (PEP 562 module `__getattr__`), so `import msosim`
and the `msosim` command start without loading numpy, pandas or Mesa until something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

# public name -> (module, attribute)
_PUBLIC = {
    "run": ("api", "run"), "run_batch": ("api", "run_batch"), "run_outcomes": ("api", "run_outcomes"),
    "Batch": ("batch", "Batch"),
    "award_rates": ("experiments.grant_calls", "award_rates"),
    "dissolution_hazard": ("experiments.analysis", "dissolution_hazard"),
    "funding_by_track_record": ("experiments.grant_calls", "funding_by_track_record"),
    "kaplan_meier": ("experiments.analysis", "kaplan_meier"),
    "reapplication_rates": ("experiments.grant_calls", "reapplication_rates"),
    "survival_curves": ("experiments.analysis", "survival_curves"),
    "compare": ("experiments.batch", "compare"),
    "run_calibration": ("experiments.calibrate", "run_calibration"),
    "analyze_sweep": ("experiments.sensitivity", "analyze_sweep"),
    "load_sweep": ("experiments.sensitivity", "load"),
    "open_store": ("experiments.store", "open_store"),
    "run_sweep": ("experiments.sweep", "run_sweep"),
    "run_validation": ("experiments.validate", "run_validation"),
    "MSOModel": ("model", "MSOModel"),
    "Scenario": ("scenario", "Scenario"), "ScenarioError": ("scenario", "ScenarioError"),
    "load_scenario": ("scenario", "load_scenario"),
}

__all__ = sorted([*_PUBLIC, "__version__"])

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .api import run, run_batch, run_outcomes
    from .batch import Batch
    from .experiments.analysis import dissolution_hazard, kaplan_meier, survival_curves
    from .experiments.grant_calls import award_rates, funding_by_track_record, reapplication_rates
    from .experiments.batch import compare
    from .experiments.calibrate import run_calibration
    from .experiments.sensitivity import analyze_sweep, load as load_sweep
    from .experiments.store import open_store
    from .experiments.sweep import run_sweep
    from .experiments.validate import run_validation
    from .model import MSOModel
    from .scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name in this module."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'msosim' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
