"""Message lookup with babel plurals, and numbers rounded to a meaningful precision and formatted per language."""

from __future__ import annotations

import locale
import math
import os

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from ..i18n import t

LANGUAGES = ("en", "de")


def default_language() -> str:
    """'de' where the user's locale is German, else 'en' (LC_ALL, LC_MESSAGES, LANG, then Python's locale)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX"):
            return "de" if value.lower().startswith("de") else "en"
    found = locale.getlocale()[0] or ""
    return "de" if found.lower().startswith("de") else "en"


def text(key: str, lang: str, **values: object) -> str:
    """The message `key` of the one catalogue in `lang`, its plural form chosen on `plural` (else `n`)."""
    return t(key, lang, **values)


def join(items: list[str], lang: str) -> str:
    """'a, b and c' / 'a, b und c' (babel's list patterns)."""
    return format_list(items, locale=lang) if items else ""


def digits_for(half_width: float, minimum: int = -6, maximum: int = 3) -> int:
    """Decimal digits that keep two significant digits of an interval's half-width (negative: tens, hundreds...)."""
    if not math.isfinite(half_width) or half_width <= 0:
        return max(minimum, 0)
    return max(min(1 - math.floor(math.log10(half_width)), maximum), minimum)


def rounded(value: float, digits: int) -> float:
    """The value rounded to `digits` decimals (negative digits round to tens, hundreds, ...)."""
    return round(value, digits) if math.isfinite(value) else value


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number with the language's grouping and decimal signs (1,234.5 / 1.234,5), rounded to `digits`."""
    if value is None or not math.isfinite(value):
        return text("finding.na", lang)
    value = rounded(value, digits)
    places = max(digits, 0)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value + 0.0, format=pattern, locale=lang)


def signed(value: float, lang: str, digits: int = 0) -> str:
    """A number with its sign always shown (+1.234,5 / -0,3)."""
    shown = number(value, lang, digits)
    return shown if not math.isfinite(value) or rounded(value, digits) < 0 else "+" + shown


def plain(value: float, lang: str) -> str:
    """A number without thousands grouping (years on an axis: 2014,5 / 2014.5)."""
    return format_decimal(value, format="0.##", locale=lang)


def axis_number(value: float, lang: str) -> str:
    """A tick label: grouped, up to three decimals, in the language's format (12.500 / 0,015)."""
    return format_decimal(value + 0.0, format="#,##0.###", locale=lang)


def localise_axes(ax, lang: str, axes: str = "xy", years: bool = True) -> None:
    """Tick labels of a matplotlib Axes in the language's number format (the x axis as years without grouping)."""
    from matplotlib.ticker import FuncFormatter

    if "x" in axes:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: plain(x, lang) if years else axis_number(x, lang)))
    if "y" in axes:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: axis_number(y, lang)))


def percent(share: float, lang: str, digits: int = 1) -> str:
    """A share as per cent in the language's format (1.1% / 1,1 %)."""
    pattern = Locale.parse(lang).percent_formats[None].pattern  # '#,##0%' / '#,##0 %' (with a no-break space)
    return format_percent(share, format=pattern.replace("##0", "##0" + ("." + "0" * digits if digits > 0 else "")),
                          locale=lang)
