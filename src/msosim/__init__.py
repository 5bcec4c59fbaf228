"""msosim: an agent-based simulation of migrant self-organisations (MSO) in Germany."""

from .api import run, run_outcomes
from .batch import compare
from .model import MSOModel
from .scenario import Scenario, ScenarioError, load_scenario
from .store import open_store

__version__ = "0.1.0"
__all__ = ["MSOModel", "Scenario", "ScenarioError", "compare", "load_scenario", "open_store", "run", "run_outcomes",
           "__version__"]
