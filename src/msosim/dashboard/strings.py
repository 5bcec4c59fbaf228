"""The dashboard's view of the one catalogue (msosim.i18n, ids "dashboard.*") and its number/date formatting.

Every label, tooltip and message of the dashboard is looked up here with `t(key, lang, **values)`.
The English lever tooltips are the schema's own descriptions (PolicyConfig), added to the catalogue
at import, so they are never repeated by hand; the German ones are in msosim/i18n/dashboard.py.
"""

from __future__ import annotations

import math

from babel import Locale

from ..i18n import MESSAGES, month_label  # noqa: F401  # month_label: the dashboard imports it from here
from ..i18n.dashboard import LEVER_TIPS_DE
from .levers import LEVERS

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

for _lever in LEVERS:
    MESSAGES[f"dashboard.tip.{_lever.name}"] = {"de": LEVER_TIPS_DE.get(_lever.name, ""), "en": _lever.description}

PREFIX = "dashboard."
STRINGS: dict[str, dict[str, object]] = {key[len(PREFIX):]: entry for key, entry in MESSAGES.items()
                                         if key.startswith(PREFIX)}  # the dashboard's ids, a view of the catalogue


def t(key: str, lang: str, **values) -> str:
    """The text of `key` in `lang`, with `{placeholders}` filled; an unknown key shows as itself."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en", key)
    if isinstance(text, dict):             # plural forms, chosen by babel's rules for the language on `n`
        count = values.get("n", 0)
        text = text.get(plural_form(count, lang), text["other"])
        if isinstance(count, (int, float)):
            values = {**values, "n": number(count, lang)}
    return text.format(**values) if values else text


def plural_form(count: float, lang: str) -> str:
    """'one' or 'other' (or the language's other categories) for a count, by CLDR's plural rules (babel)."""
    return Locale.parse(lang).plural_form(abs(count)) if isinstance(count, (int, float)) else "other"


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number with thousands separators in the language's style (German: 1.234,5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def signed(value: float, lang: str, digits: int = 0) -> str:
    """A difference with its sign (+12, −3)."""
    text = number(abs(value), lang, digits)
    if round(value, digits) == 0:
        return "±" + text
    return ("+" if value > 0 else "−") + text


def option_label(lever_name: str, value: str, lang: str) -> str:
    return t(f"option.{lever_name}.{value}", lang)


def funder_label(name: str, lang: str) -> str:
    """'land_programmes:NW' -> 'Landesprogramm NW'."""
    base, _, land = name.partition(":")
    label = t(f"funder.{base}", lang)
    label = base if label == f"funder.{base}" else label
    return f"{label} {land}".strip()


def unit_label(unit: str, lang: str) -> str:
    return t(f"unit.{unit}", lang) if unit else ""
