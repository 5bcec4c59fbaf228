"""msosim: an agent-based simulation of migrant self-organisations (MSO) in Germany."""

from .api import run, run_outcomes
from .experiments.analysis import (award_rates, dissolution_hazard, funding_by_track_record, kaplan_meier,
                                   reapplication_rates, survival_curves)
from .experiments.batch import compare
from .experiments.calibrate import run_calibration
from .experiments.sensitivity import analyze_sweep, load as load_sweep
from .experiments.store import open_store
from .experiments.sweep import run_sweep
from .experiments.validate import run_validation
from .model import MSOModel
from .scenario import Scenario, ScenarioError, load_scenario
from .version import __version__

__all__ = ["MSOModel", "Scenario", "ScenarioError", "__version__", "analyze_sweep", "award_rates", "compare",
           "dissolution_hazard", "funding_by_track_record", "kaplan_meier", "load_scenario", "load_sweep", "open_store",
           "reapplication_rates", "run", "run_calibration", "run_outcomes", "run_sweep", "run_validation",
           "survival_curves"]
