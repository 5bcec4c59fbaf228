"""One translation catalogue (`MESSAGES`, `t`) and the number formats of each language (babel)."""

from .catalogue import LANGUAGES, MESSAGES, label, t
from .formats import month_label, number, percent, signed

__all__ = ["LANGUAGES", "MESSAGES", "label", "month_label", "number", "percent", "signed", "t"]
