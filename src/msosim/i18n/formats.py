"""Numbers, signed differences and percentages in each language's style (babel): German 1.234,5, English 1,234.5."""

from __future__ import annotations

import math
import re

from babel import Locale
from babel.numbers import format_decimal, format_percent

MISSING = "–"


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """A number with the language's grouping and decimal marks; a missing value shows as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return format_decimal(value, format=_pattern(digits), locale=lang)


def signed(value: float, lang: str, digits: int = 0) -> str:
    """A difference with its sign (+12, −3, ±0)."""
    text = number(abs(value), lang, digits)
    if round(value, digits) == 0:
        return "±" + text
    return ("+" if value > 0 else "−") + text


def percent(value: float | None, lang: str, digits: int = 0) -> str:
    """A share as a percentage in the language's style (German 12,5 %, English 12.5%)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    pattern = Locale.parse(lang).percent_formats[None].pattern  # German "#,##0 %" (with a no-break space)
    if digits > 0:
        pattern = re.sub(r"0(?!.*0)", "0." + "0" * digits, pattern)
    return format_percent(value, format=pattern, locale=lang)


def month_label(year: float, lang: str) -> str:
    """'Mär 2016' for a fractional calendar year (CLDR's stand-alone abbreviated month names, through babel)."""
    month_index = round((year % 1) * 12) % 12
    whole = int(year + 1e-9) if month_index else round(year)
    return f"{Locale.parse(lang).months['stand-alone']['abbreviated'][month_index + 1]} {whole}"
