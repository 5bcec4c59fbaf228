"""msosim: an agent-based simulation of migrant self-organisations (MSO) in Germany."""

from .api import run, run_outcomes
from .experiments.batch import compare
from .model import MSOModel
from .scenario import Scenario, ScenarioError, load_scenario
from .experiments.store import open_store

__version__ = "0.1.0"

# The functions `msosim.sweep`, `msosim.analyze` and `msosim.calibrate` share their names with their modules; bound last, they win
# (`from msosim.sweep import ...` still reaches the module).
from .experiments.analysis import (award_rates, dissolution_hazard, funding_by_track_record,  # noqa: E402
                       kaplan_meier, reapplication_rates, survival_curves)
from .experiments.sensitivity import analyze  # noqa: E402
from .experiments.calibrate import calibrate  # noqa: E402
from .experiments.sweep import sweep  # noqa: E402
from .experiments.validate import validate  # noqa: E402

__all__ = ["MSOModel", "Scenario", "ScenarioError", "analyze", "award_rates", "calibrate", "compare", "dissolution_hazard",
           "funding_by_track_record", "kaplan_meier", "load_scenario", "open_store", "reapplication_rates", "run",
           "run_outcomes", "survival_curves", "sweep", "validate", "__version__"]
