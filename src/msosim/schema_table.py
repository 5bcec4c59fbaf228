"""The scenario schema read as a table: every leaf key with its type, unit, default, bounds, choices, meaning and source.

Each Field description holds its unit in square brackets and its source after the last "; " (a tail
that starts with "empty" says what an empty value means, and stays part of the meaning).
docs.py renders these rows as docs/scenarios.md and the ODD tables; experiment files check keys against them.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pandas as pd
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .scenario import FunderConfig, Scenario, default_funders

COLUMNS = ["key", "type", "unit", "default", "minimum", "maximum", "choices", "description", "source"]
EXTRA_COLUMNS = ["required", "exclusive_minimum", "exclusive_maximum"]
NEW_FUNDER = "(class default)"


def _strip(annotation: Any) -> Any:
    """The annotation without its Annotated wrapper."""
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _is_union(annotation: Any) -> bool:
    """True for `X | Y` and `Optional[X]`."""
    return get_origin(annotation) in (Union, types.UnionType)


def _is_model(annotation: Any) -> bool:
    """True for a pydantic model class (a section of the schema)."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a (possibly Annotated) union, or the annotation itself."""
    annotation = _strip(annotation)
    return [_strip(a) for a in get_args(annotation)] if _is_union(annotation) else [annotation]


def type_name(annotation: Any) -> str:
    """A short human name for a field type: float, int, str, bool, list of float, ... or empty."""
    annotation = _strip(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return type(args[0]).__name__
    if _is_union(annotation):
        names = " or ".join(type_name(a) for a in args if a is not type(None))
        return f"{names} or empty" if type(None) in args else names
    if origin is list:
        return f"list of {type_name(args[0])}"
    return getattr(annotation, "__name__", str(annotation))


def choices(annotation: Any) -> tuple | None:
    """The allowed values of a Literal (or optional Literal) type."""
    for member in _members(annotation):
        if get_origin(member) is Literal:
            return get_args(member)
    return None


def _metadata(field: FieldInfo) -> list[Any]:
    """Constraint objects of a field, including those inside Annotated members of an optional type."""
    found, pending = list(field.metadata), [field.annotation]
    while pending:
        annotation = pending.pop()
        if get_origin(annotation) is Annotated:
            for item in get_args(annotation)[1:]:
                found.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        pending.extend(get_args(annotation) if _is_union(annotation) else [])
    return found


def bounds(field: FieldInfo) -> dict[str, Any]:
    """minimum, maximum and whether each is exclusive, from ge/gt/le/lt."""
    out = {"minimum": None, "maximum": None, "exclusive_minimum": False, "exclusive_maximum": False}
    for item in _metadata(field):
        for attr, side, exclusive in (("ge", "minimum", False), ("gt", "minimum", True),
                                      ("le", "maximum", False), ("lt", "maximum", True)):
            if getattr(item, attr, None) is not None:
                out[side], out[f"exclusive_{side}"] = getattr(item, attr), exclusive
    return out


def split_description(text: str) -> tuple[str, str, str]:
    """(meaning, unit, source) from a description "meaning [unit]; source"."""
    unit_match = re.search(r"\[([^\[\]]+)\]", text)
    unit = unit_match.group(1) if unit_match else ""
    parts = re.sub(r"\s*\[[^\[\]]+\]", "", text).split("; ")
    if len(parts) == 1 or parts[-1].startswith("empty"):
        return "; ".join(parts), unit, ""
    return "; ".join(parts[:-1]), unit, parts[-1]


def default_of(field: FieldInfo) -> tuple[Any, bool]:
    """(default value, required) of a field."""
    if field.is_required():
        return None, True
    return (field.default_factory() if field.default_factory else field.default), False


def leaf_row(key: str, field: FieldInfo) -> dict[str, Any]:
    """One parameter-table row for a leaf field."""
    meaning, unit, source = split_description(field.description or "")
    default, required = default_of(field)
    return {"key": key, "type": type_name(field.annotation), "unit": unit, "default": default,
            **bounds(field), "choices": choices(field.annotation), "description": meaning,
            "source": source, "required": required}


def event_kind(model: type[BaseModel]) -> str:
    """The `kind` literal of an event class."""
    return get_args(model.model_fields["kind"].annotation)[0]


def _nested(path: str, annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """(path, model) pairs for a field that holds sections, or [] for a leaf."""
    annotation = _strip(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if _is_model(annotation):
        return [(path, annotation)]
    if origin is dict and _is_model(args[1]):
        return [(f"{path}.<name>", args[1])]
    if origin is list and all(_is_model(m) for m in _members(args[0])):
        return [(f"{path}[{event_kind(m)}]", m) for m in _members(args[0])]
    return []


def sections(model: type[BaseModel] = Scenario, path: str = "") -> Iterator[tuple[str, type[BaseModel]]]:
    """Every section of the schema as (path, model), the top level first."""
    yield path, model
    for name, field in model.model_fields.items():
        for sub_path, sub_model in _nested(f"{path}.{name}" if path else name, field.annotation):
            yield from sections(sub_model, sub_path)


def section_rows(path: str, model: type[BaseModel]) -> list[dict[str, Any]]:
    """The leaf rows of one section."""
    prefix = f"{path}." if path else ""
    return [leaf_row(prefix + name, field) for name, field in model.model_fields.items()
            if not _nested(name, field.annotation)]


def leaf_rows() -> list[dict[str, Any]]:
    """The rows of parameter_table() as plain dicts (None where there is no bound or choice)."""
    return [row for path, model in sections() for row in section_rows(path, model)]


def parameter_table() -> pd.DataFrame:
    """Every leaf key of the scenario schema with type, unit, default, bounds, choices, meaning and source."""
    table = pd.DataFrame(leaf_rows(), columns=COLUMNS + EXTRA_COLUMNS, dtype=object)
    return table.astype({"minimum": float, "maximum": float, "required": bool,
                         "exclusive_minimum": bool, "exclusive_maximum": bool})


def funder_table() -> pd.DataFrame:
    """The default funders' settings: one row per setting, one column per funder (plus the class default)."""
    funders = {NEW_FUNDER: FunderConfig(), **default_funders()}
    data = {name: [getattr(cfg, key) for key in FunderConfig.model_fields] for name, cfg in funders.items()}
    return pd.DataFrame(data, index=pd.Index(list(FunderConfig.model_fields), name="setting"))


def format_value(value: Any, grouping: bool = True) -> str:
    """A value as written in the docs: numbers with thousands separators, YAML words for None and bools."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, grouping=False) for v in value) + "]"
    if float(value).is_integer() and abs(value) >= 10000 and grouping:
        return f"{int(value):,}"
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def format_range(row: dict[str, Any]) -> str:
    """Allowed values: choices, or an inequality from the bounds (and 'or empty' for optional keys)."""
    if row["choices"] is not None:
        text = ", ".join(format_value(c) for c in row["choices"])
    elif row["type"].startswith("bool"):
        text = "`true`, `false`"
    else:
        low, high = row["minimum"], row["maximum"]
        low = "" if low is None else f"{format_value(low)} {'<' if row['exclusive_minimum'] else '≤'} "
        high = "" if high is None else f" {'<' if row['exclusive_maximum'] else '≤'} {format_value(high)}"
        text = f"{low}x{high}" if low or high else "any"
    return text + (", or empty" if row["type"].endswith("or empty") else "")
