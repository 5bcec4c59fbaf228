"""The agent types: MSO (a handle onto its row), Municipality (a handle onto its district), Funder."""

from .funder import Funder
from .mso import MSO
from .municipality import Municipality

__all__ = ["MSO", "Municipality", "Funder"]
