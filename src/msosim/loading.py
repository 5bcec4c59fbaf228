"""The one safe loader for every YAML file msosim reads (scenario, experiment, calibration, preset).

It refuses, in one line naming the file, the key, the value and what is allowed: files that are not
UTF-8, larger than MAX_BYTES or empty; duplicate keys; any explicit tag (`!!python/...`, `!!float`);
aliases that expand past MAX_NODES nodes (checked on the composed graph, before any value is built);
a top level that is not a mapping; `extends` chains deeper than MAX_EXTENDS or leaving the allowed
folders. A message never shows more than SHOWN characters of a value.
"""

from __future__ import annotations

import difflib
import functools
import os
import reprlib
import types
import typing
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 5_000_000  # the largest file read [bytes]; shipped files are < 10 kB
MAX_NODES = 100_000  # the most YAML nodes a file may expand to through aliases; shipped files have < 2,000
MAX_EXTENDS = 16  # the longest `extends` chain; shipped chains have 2 links
SHOWN = 60  # the most characters of a value shown in a message
MAX_PATH = 4096  # the longest path accepted (Linux PATH_MAX) [characters]
MAX_NAME = 255  # the longest file or folder name accepted (NAME_MAX) [bytes]
EXTENDS_PATH = "MSOSIM_EXTENDS_PATH"  # environment variable: further folders `extends` may read (os.pathsep-separated)
BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML has it: ~8x faster
PACKAGE = Path(__file__).resolve().parent
MERGE_TAG = "tag:yaml.org,2002:merge"


class LoadError(ValueError):
    """A file msosim cannot use; the message is one line: file, key, value, what is allowed."""


class _Refused(Exception):
    """Raised inside the YAML loader; turned into a LoadError naming the file."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line


def shown(value: Any) -> str:
    """A short repr of `value`, at most SHOWN characters, built without expanding nested values."""
    short = reprlib.Repr(maxlevel=2, maxstring=SHOWN, maxother=SHOWN, maxlist=4, maxdict=4)
    text = short.repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN - 3] + "..."


def printable(text: Any) -> str:
    """`text` on one line: line breaks and other control characters escaped, so a message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def did_you_mean(key: str, candidates: list[str] | tuple[str, ...]) -> str:
    """`; did you mean 'x'?` for the closest candidate to a misspelt key, else ''."""
    close = difflib.get_close_matches(str(key), [str(c) for c in candidates], n=1, cutoff=0.7)
    return f"; did you mean '{close[0]}'?" if close else ""


class SafeLoader(BASE):
    """A safe loader that refuses duplicate keys, explicit tags and alias bombs before building any value."""

    def get_single_data(self) -> Any:
        """Compose the document, check its nodes, then construct it."""
        node = self.get_single_node()
        if node is None:
            return None
        self._check_graph(node)
        return self.construct_document(node)

    _resolved: dict[tuple[str, bool], str] = {}  # the implicit tag of a scalar text (the resolver's regexes are slow)

    def _implicit_tag(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return self.DEFAULT_MAPPING_TAG
        if isinstance(node, yaml.SequenceNode):
            return self.DEFAULT_SEQUENCE_TAG
        plain = node.style in (None, "")
        key = (node.value, plain)
        if key not in self._resolved:
            if len(self._resolved) > 100_000:
                self._resolved.clear()
            self._resolved[key] = self.resolve(yaml.ScalarNode, node.value, (plain, not plain))
        return self._resolved[key]

    def _check_tag(self, node: yaml.Node) -> None:
        if node.tag != self._implicit_tag(node) and node.tag != MERGE_TAG:
            raise _Refused(node.start_mark.line, f"tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}'; "
                           "allowed: plain YAML without tags")

    def _check_graph(self, root: yaml.Node) -> None:
        """Refuse explicit tags and graphs that expand (through aliases) past MAX_NODES nodes."""
        sizes: dict[int, int] = {}  # id -> expanded size; -1 while its children are being sized
        stack = [root]
        while stack:
            node = stack[-1]
            state = sizes.get(id(node))
            if state is None:
                self._check_tag(node)
                if isinstance(node, yaml.ScalarNode):
                    sizes[id(node)] = 1
                    stack.pop()
                    continue
                sizes[id(node)] = -1
                for child in self._children(node):
                    if sizes.get(id(child)) == -1:
                        raise _Refused(child.start_mark.line, "an alias refers to itself; allowed: aliases without cycles")
                    if id(child) not in sizes:
                        stack.append(child)
                continue
            stack.pop()
            if state == -1:
                sizes[id(node)] = total = 1 + sum(sizes[id(child)] for child in self._children(node))
                if total > MAX_NODES:
                    raise _Refused(node.start_mark.line, f"aliases expand past {MAX_NODES:,} values; "
                                   "allowed: a file without alias bombs")

    @staticmethod
    def _children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [part for pair in node.value for part in pair]
        return []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """A mapping whose keys are each given once (merge keys `<<` aside)."""
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise _Refused(key_node.start_mark.line, f"key '{printable(key)[:SHOWN]}' given twice (the second would "
                               "replace the first); allowed: each key once")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(text: str, source: str, error: type[Exception] = LoadError) -> Any:
    """The YAML value of `text`, or `error` naming `source` and the line."""
    try:
        return yaml.load(text, Loader=SafeLoader)
    except _Refused as exc:
        where = f" line {exc.line + 1}" if exc.line is not None else ""
        raise error(f"{source}:{where}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{source}:{where}: YAML syntax error ({shown(problem)}); allowed: valid YAML") from None
    except RecursionError:
        raise error(f"{source}: nesting too deep; allowed: a file nested a few levels") from None


def usable_path(value: Any, where: str, error: type[Exception] = LoadError) -> Path:
    """`value` as a Path, or `error` when msosim could not use it (a NUL character, a name or path too long, a name
    that is not UTF-8, which pyarrow and DuckDB need): one line instead of an OSError, ValueError or UnicodeError."""
    text = str(value)
    try:
        encoded = [part.encode("utf-8") for part in Path(text).parts]
    except UnicodeEncodeError:
        encoded = None
    if encoded is None or "\x00" in text or len(text) > MAX_PATH or any(len(part) > MAX_NAME for part in encoded):
        raise error(f"{where}: value {shown(text)}: allowed: a file path (UTF-8, no NUL character, names of at most "
                    f"{MAX_NAME} bytes, at most {MAX_PATH:,} characters)")
    return Path(text)


def read_text(path: Path, kind: str, error: type[Exception] = LoadError) -> str:
    """The UTF-8 text of a file of at most MAX_BYTES, or `error` in one line."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise error(f"{path}: {size:,} bytes; allowed: a {kind} file of at most {MAX_BYTES:,} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror}); allowed: a readable {kind} file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8; "
                    f"allowed: a UTF-8 text {kind} file") from None


def load_mapping(path: Path, kind: str, error: type[Exception] = LoadError) -> dict:
    """The top-level mapping of a YAML file, checked by every rule of this module."""
    path = usable_path(path, f"the {kind} file", error)
    if not path.is_file():
        raise error(f"{path}: file not found; allowed: an existing YAML {kind} file")
    data = parse(read_text(path, kind, error), str(path), error)
    if data is None:
        raise error(f"{path}: the file is empty; allowed: a mapping of {kind} keys")
    if not isinstance(data, dict):
        raise error(f"{path}: top level: value of type {type(data).__name__}; allowed: a mapping of {kind} keys")
    return data


def extends_roots(top: Path) -> list[Path]:
    """Folders `extends` may read: the top file's folder tree, the working folder's, msosim's scenarios and data,
    and those listed in MSOSIM_EXTENDS_PATH."""
    roots = [top.resolve().parent, PACKAGE / "data", PACKAGE / "scenarios", PACKAGE.parents[1] / "scenarios"]
    cwd = Path.cwd().resolve()
    if cwd != Path(cwd.anchor):
        roots.append(cwd)
    roots += [Path(p).resolve() for p in os.environ.get(EXTENDS_PATH, "").split(os.pathsep) if p]
    return roots


def check_extends(path: Path, parent: Path, chain: tuple[Path, ...], error: type[Exception] = LoadError) -> None:
    """Refuse an `extends` beyond MAX_EXTENDS links or outside `extends_roots` of the chain's first file."""
    if len(chain) >= MAX_EXTENDS:
        raise error(f"{path}: key 'extends': value {shown(str(parent))}: the chain is longer than {MAX_EXTENDS} "
                    f"files; allowed: at most {MAX_EXTENDS}")
    roots = extends_roots(chain[0] if chain else path)
    if not any(parent.is_relative_to(root) for root in roots):
        raise error(f"{path}: key 'extends': value {shown(str(parent))}: outside the scenario's folder and msosim's "
                    f"scenarios; allowed: a file in those folders (or add its folder to {EXTENDS_PATH})")


def _types(annotation: Any) -> list[Any]:
    """The plain types inside an annotation (unions and Annotated unwrapped)."""
    arguments = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        return [t for a in arguments[: 1 if typing.get_origin(annotation) is typing.Annotated else None] for t in _types(a)]
    return [annotation]


@functools.cache
def number_fields(model: type) -> frozenset[str]:
    """Names of a model's fields that take numbers and not true/false."""
    fields = getattr(model, "model_fields", {})
    return frozenset(name for name, field in fields.items()
                     if any(t in (int, float) for t in _types(field.annotation)) and bool not in _types(field.annotation))


def no_bool_numbers(model: type, data: Any) -> Any:
    """`data` with true/false in a number field turned into the text YAML had, so validation refuses it."""
    if not isinstance(data, dict):
        return data
    numeric = number_fields(model)
    if not any(value is True or value is False for value in data.values()):
        return data
    return {key: (str(value).lower() if isinstance(value, bool) and key in numeric else value)
            for key, value in data.items()}


def schema_keys(model: type, location: tuple) -> list[str]:
    """The keys a pydantic model allows at `location` (a validation error's loc without its last part)."""
    current: Any = model
    for part in location:
        fields = getattr(current, "model_fields", None)
        if fields is None:
            return []
        if part in fields:
            candidates = _types(fields[part].annotation)
        else:
            continue  # a dict key (a funder's name) or a list index: the value type comes next
        nested = [t for t in candidates if isinstance(t, type) and hasattr(t, "model_fields")]
        containers = [a for t in candidates for a in typing.get_args(t) if hasattr(a, "model_fields")]
        if not nested and not containers:
            return []
        current = (nested or containers)[-1]
    return list(getattr(current, "model_fields", {}))
