"""msosim: an agent-based simulation of migrant self-organisations (MSO) in Germany."""

from .api import run, run_outcomes
from .model import MSOModel
from .scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = ["MSOModel", "Scenario", "ScenarioError", "load_scenario", "run", "run_outcomes", "__version__"]
