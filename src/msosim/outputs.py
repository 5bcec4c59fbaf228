"""Safe outputs: msosim never deletes or overwrites a file it did not write, and never leaves half an output.

Every folder msosim writes (run --out, reports, exports, presets) goes through `staged_folder`: the target
is a new folder, or an existing one holding msosim's marker file (`.msosim-output`, the list of files it
wrote) when the caller allows overwriting. The new content is written to a temporary sibling and swapped
in at the end, so an interrupted write leaves the previous output whole. A file in the folder that msosim
did not write refuses the overwrite; it is never removed. Single files (calibrate's fragment, the brief)
go through `staged_file`: a new file, or an existing one only when the user named it to be replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .loading import usable_path

MARKER = ".msosim-output"


class OutputError(OSError):
    """An output location msosim must not write; the message is one line naming the option and the path."""


def marker_files(folder: Path) -> set[str] | None:
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
    """Entries of `folder` msosim did not write."""
    return sorted(p.name for p in folder.iterdir() if p.name != MARKER and p.name not in ours)


def _holds_working_folder(target: Path) -> bool:
    """Whether `target` is the working folder or one of its parents (swapping it would pull the floor away)."""
    try:
        return Path.cwd().resolve().is_relative_to(target.resolve())
    except OSError:
        return False


def check_writable(target: Path, option: str) -> None:
    """Raise OutputError unless a folder can be made beside `target` (probed in its nearest existing parent, then removed)."""
    parent = next((p for p in Path(target).absolute().parents if p.exists()), None)
    try:
        if parent is None:
            raise FileNotFoundError(2, "no existing parent folder")
        Path(tempfile.mkdtemp(prefix=".msosim-probe-", dir=parent)).rmdir()
    except OSError as exc:
        raise _unwritable(target, option, exc) from None


def check_folder(target: Path, option: str, *, overwrite: bool) -> None:
    """Raise OutputError unless `target` is a new folder, or a previous msosim output and `overwrite` is set."""
    target = usable_path(target, option, OutputError)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{option}: value '{target}': is a file; allowed: a new folder, or a folder msosim wrote")
    if not target.exists():
        if any(p.exists() and not p.is_dir() for p in target.parents):
            raise OutputError(f"{option}: value '{target}': a parent is a file; allowed: a folder path")
        check_writable(target, option)
        return
    if _holds_working_folder(target):
        raise OutputError(f"{option}: value '{target}': is the working folder or holds it; allowed: a new folder "
                          "inside it, e.g. out/")
    ours = marker_files(target)
    if ours is None:
        if not any(target.iterdir()):
            check_writable(target, option)
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
    check_writable(target, option)


def _unwritable(target: Path, option: str, exc: OSError) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"{option}: value '{target}': cannot be written ({reason}); allowed: a writable location")


def usual_mode(full: int) -> int:
    """The permissions a new file (0o666) or folder (0o777) gets from the process's umask, as open() and mkdir() give."""
    mask = os.umask(0o022)
    os.umask(mask)
    return full & ~mask


@contextlib.contextmanager
def staged_folder(target: Path, option: str = "--out", *, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder beside `target`; on success it replaces `target` (checked by `check_folder`)."""
    target = Path(target)
    check_folder(target, option, overwrite=overwrite)
    staging = retired = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        os.chmod(staging, usual_mode(0o777))  # mkdtemp makes it private (0700); a report is shared like any folder
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
    except OutputError:
        raise
    except OSError as exc:
        raise _unwritable(target, option, exc) from None
    finally:
        if retired is not None and not target.exists():
            os.replace(retired / target.name, target)
        for leftover in (staging, retired):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)


def write_folder(target: Path, writers: dict[str, Callable[[Path], object]], option: str, *,
                 overwrite: bool = False) -> list[Path]:
    """Write each file through its writer (name -> function of the path) as the folder `target`, by `staged_folder`."""
    with staged_folder(target, option, overwrite=overwrite) as staging:
        for name, write in writers.items():
            write(staging / name)
    return [Path(target) / name for name in writers]


def check_new_file(target: Path, option: str, *, allowed: bool = False, hint: str = "name it with --into") -> None:
    """Raise OutputError unless `target` is a new file, or `allowed` (the user named it to be replaced)."""
    target = usable_path(target, option, OutputError)
    if target.is_dir():
        raise OutputError(f"{option}: value '{target}': is a folder; allowed: a file path")
    if any(p.exists() and not p.is_dir() for p in target.parents):
        raise OutputError(f"{option}: value '{target}': a parent is a file; allowed: a file path in a folder")
    if target.exists() and not allowed:
        raise OutputError(f"{option}: value '{target}': file exists; allowed: a new file, or {hint} to replace it")
    check_writable(target, option)


@contextlib.contextmanager
def staged_file(target: Path, option: str, *, allowed: bool = False, hint: str = "name it with --into") -> Iterator[Path]:
    """Yield a temporary sibling path of `target`; on success it is renamed to `target` (checked by `check_new_file`)."""
    target = Path(target)
    check_new_file(target, option, allowed=allowed, hint=hint)
    name = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)  # the suffix says the format
        os.close(handle)
        os.chmod(name, usual_mode(0o666))  # mkstemp makes it private (0600); the file is the user's like any other
        yield Path(name)
        check_new_file(target, option, allowed=allowed, hint=hint)
        os.replace(name, target)
    except OutputError:
        raise
    except OSError as exc:
        raise _unwritable(target, option, exc) from None
    finally:
        if name is not None and os.path.exists(name):
            os.unlink(name)


def write_file(target: Path, text: str, option: str, *, allowed: bool = False) -> Path:
    """Write `text` to `target` atomically, by `staged_file`."""
    with staged_file(target, option, allowed=allowed) as staging:
        staging.write_text(text, encoding="utf-8")
    return Path(target)


def fresh_file(target: Path) -> Path:
    """`target` when it does not exist, else the first free sibling `<stem>-<n><suffix>` (n = 1, 2, ...)."""
    target = Path(target)
    candidate, number = target, 0
    while candidate.exists():
        number += 1
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
    return candidate
