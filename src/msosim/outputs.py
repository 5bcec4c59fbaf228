"""Safe outputs: msosim never deletes or overwrites a file it did not write, and never leaves half a folder.

A folder msosim writes holds a marker file (`.msosim-output`) listing the files it wrote. An existing
folder is written again only when it holds that marker and the caller allows overwriting; the new
content is written to a temporary sibling and swapped in at the end, so an interrupted write leaves
the previous output whole. Files found in the folder that msosim did not write are never removed:
their presence refuses the overwrite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

MARKER = ".msosim-output"


class OutputError(OSError):
    """An output location msosim must not write; the message is one line naming the option and the path."""


def _marker_files(folder: Path) -> set[str] | None:
    """The file names msosim recorded as written in `folder`, or None when it holds no readable marker."""
    marker = folder / MARKER
    if not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        return {str(name) for name in data["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _foreign(folder: Path, ours: set[str]) -> list[str]:
    """Entries of `folder` msosim did not write (hidden staging folders of msosim excluded)."""
    return sorted(p.name for p in folder.iterdir() if p.name != MARKER and p.name not in ours)


def check_folder(target: Path, option: str, *, overwrite: bool) -> None:
    """Raise OutputError unless `target` is a new folder, or a previous msosim output and `overwrite` is set."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{option}: value '{target}': is a file; allowed: a new folder, or a folder msosim wrote")
    if not target.exists():
        if target.parent.exists() and not target.parent.is_dir():
            raise OutputError(f"{option}: value '{target}': its parent is a file; allowed: a folder path")
        return
    ours = _marker_files(target)
    if ours is None:
        if not any(target.iterdir()):
            return
        raise OutputError(f"{option}: value '{target}': folder exists and was not written by msosim; "
                          "allowed: a new folder (msosim never writes into or deletes a folder it did not write)")
    if not overwrite:
        raise OutputError(f"{option}: value '{target}': holds a previous msosim output; allowed: a new folder, "
                          "or add --overwrite to replace it")
    foreign = _foreign(target, ours)
    if foreign:
        raise OutputError(f"{option}: value '{target}': holds files msosim did not write ({', '.join(foreign[:3])}); "
                          "allowed: a new folder, or move those files away")


@contextlib.contextmanager
def staged_folder(target: Path, option: str = "--out", *, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder beside `target`; on success it replaces `target` (checked by `check_folder`)."""
    target = Path(target)
    check_folder(target, option, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    retired = None
    try:
        yield staging
        written = sorted(p.name for p in staging.iterdir())
        (staging / MARKER).write_text(json.dumps({"files": written}), encoding="utf-8")
        check_folder(target, option, overwrite=overwrite)
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            os.replace(target, retired / target.name)
        os.replace(staging, target)
        if retired is not None:
            shutil.rmtree(retired)
            retired = None
    finally:
        if retired is not None and not target.exists():
            os.replace(retired / target.name, target)
        for leftover in (staging, retired):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover)


def check_files(folder: Path, names: list[str], option: str) -> None:
    """Raise OutputError if writing `names` into `folder` would replace a file msosim did not write there."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option}: value '{folder}': is a file; allowed: a folder")
    if not folder.is_dir():
        return
    ours = _marker_files(folder) or set()
    clashes = [name for name in names if (folder / name).exists() and name not in ours]
    if clashes:
        raise OutputError(f"{option}: value '{folder}': holds {', '.join(clashes[:3])} that msosim did not write; "
                          "allowed: a new folder, or a folder msosim wrote (move those files away)")


def replace_files(folder: Path, staging: Path, names: list[str], option: str) -> list[Path]:
    """Move `names` from `staging` into `folder` (each file whole), after `check_files`; records them in the marker."""
    folder = Path(folder)
    check_files(folder, names, option)
    ours = _marker_files(folder) or set()
    marker = folder / MARKER
    marker.write_text(json.dumps({"files": sorted(ours | set(names))}), encoding="utf-8")
    for name in names:
        os.replace(staging / name, folder / name)
    return [folder / name for name in names]


def check_new_file(target: Path, option: str, *, allowed: bool = False) -> None:
    """Raise OutputError unless `target` is a new file, or `allowed` (the user named it to be replaced)."""
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"{option}: value '{target}': is a folder; allowed: a file path")
    if target.exists() and not allowed:
        raise OutputError(f"{option}: value '{target}': file exists; allowed: a new file, or name it with --into to replace it")


def write_file(target: Path, text: str, option: str, *, allowed: bool = False) -> Path:
    """Write `text` to `target` atomically (a temporary sibling renamed into place), after `check_new_file`."""
    target = Path(target)
    check_new_file(target, option, allowed=allowed)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(name, target)
    finally:
        if os.path.exists(name):
            os.unlink(name)
    return target


def fresh_file(target: Path) -> Path:
    """`target` when it does not exist, else the first free sibling `<stem>-<n><suffix>` (n = 1, 2, ...)."""
    target = Path(target)
    candidate, number = target, 0
    while candidate.exists():
        number += 1
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
    return candidate
