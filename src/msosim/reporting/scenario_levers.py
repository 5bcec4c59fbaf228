"""What each scenario changes against the reference: its resolved settings flattened to dotted keys, compared."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from ..i18n import MESSAGES
from ..scenario import OWN_KEYS
from .findings_format import number, text

IGNORED = OWN_KEYS  # words about a scenario, not levers


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """A nested mapping (lists by index) as {dotted key: leaf value}; an empty list or mapping is a leaf."""
    if isinstance(data, dict) and data:
        items = data.items()
    elif isinstance(data, list) and data:
        items = ((str(i), value) for i, value in enumerate(data))
    else:
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in items:
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def resolved(scenario: Any) -> dict[str, Any]:
    """A scenario (pydantic object, JSON text or mapping) as a plain mapping."""
    if isinstance(scenario, str):
        return json.loads(scenario)
    if hasattr(scenario, "model_dump"):
        return scenario.model_dump(mode="json")
    return dict(scenario)


def changed_levers(reference: Any, scenario: Any) -> list[tuple[str, Any, Any]]:
    """(dotted key, reference value, scenario value) for every setting that differs; missing keys give None."""
    ref, own = flatten(resolved(reference)), flatten(resolved(scenario))
    keys = [k for k in dict.fromkeys([*ref, *own]) if k.split(".")[0] not in IGNORED]
    return [(key, ref.get(key), own.get(key)) for key in keys if not same(ref.get(key), own.get(key))]


def same(a: Any, b: Any) -> bool:
    """Equal settings (numbers within a relative 1e-12, so a JSON round trip does not count as a change)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    return a == b


def option_id(key: str, value: str) -> str | None:
    """The catalogue id of a setting's option in words ('institutional' of policy.funding_mode), if it has one."""
    field = key.rsplit(".", 1)[-1]
    for candidate in (f"dashboard.option.{field}.{value}", f"finding.option.{field}.{value}"):
        if candidate in MESSAGES:
            return candidate
    return None


def key_text(key: str, lang: str) -> str:
    """A setting's key as a reader sees it: 'Funding mode (policy.funding_mode)' where the lever has a name."""
    name = f"dashboard.lever.{key.split('.', 1)[1]}" if key.startswith("policy.") else ""
    return f"{text(name, lang)} ({key})" if name in MESSAGES else key


def setting_text(value: Any, lang: str, key: str = "") -> str:
    """A setting as a reader sees it: numbers per language, options in words, yes/no, '(not set)' for empty."""
    if value is None:
        return text("finding.setting.unset", lang)
    if isinstance(value, bool):
        return text("finding.setting.yes" if value else "finding.setting.no", lang)
    if isinstance(value, (int, float)):
        shortest = f"{float(value):.6g}"  # six significant digits, no trailing zeros
        digits = len(shortest.split(".")[1]) if "." in shortest and "e" not in shortest else 0
        return number(float(value), lang, digits)
    if isinstance(value, (list, dict)):
        return text("finding.setting.empty", lang)
    words = option_id(key, str(value)) if key else None
    return text(words, lang) if words else str(value)


def lever_table(scenarios: list[Any], names: list[str], lang: str) -> dict[str, pd.DataFrame]:
    """Per scenario after the first: a table (key, reference value, scenario value) of what it changes."""
    header = tuple(text(f"finding.section.{key}", lang) for key in ("lever_key", "lever_reference", "lever_scenario"))
    tables = {}
    for name, scenario in zip(names[1:], scenarios[1:]):
        rows = [(key_text(key, lang), setting_text(a, lang, key), setting_text(b, lang, key))
                for key, a, b in changed_levers(scenarios[0], scenario)]
        tables[name] = pd.DataFrame(rows, columns=list(header))
    return tables


def description(scenario: Any, lang: str = "en") -> str:
    """The scenario's one-paragraph description in `lang` (German: `description_de` where the file has one,
    else the English `description`; empty if it has none)."""
    data = resolved(scenario)
    chosen = (data.get("description_de") if lang == "de" else None) or data.get("description", "")
    return " ".join(str(chosen).split())
