"""One translation catalogue for the CLI, the reports and (after the dashboard branch lands) the dashboard."""

from .catalogue import LABELS, LANGUAGES, label

__all__ = ["LABELS", "LANGUAGES", "label"]
