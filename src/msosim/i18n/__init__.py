"""One translation catalogue (`MESSAGES`, `t`) and the number formats of each language (babel)."""

from .catalogue import LANGUAGES, MESSAGES, label, t
from .formats import number, percent, signed

__all__ = ["LANGUAGES", "MESSAGES", "label", "number", "percent", "signed", "t"]
