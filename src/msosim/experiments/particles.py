"""The posterior's weighted particles file: written beside the calibrated fragment, read by `compare --posterior`.

data/calibrated.yaml -> data/calibrated_particles.csv: one row per particle of the last ABC
generation, one column per calibrated parameter (dotted key, the value the model ran with), then
`weight` (importance weights, summing to 1) and `distance`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs import OutputError, write_file
from .experiment import ExperimentError

TAIL = ("weight", "distance")


def particles_path(output: Path) -> Path:
    """The weighted particles beside the fragment: data/calibrated.yaml -> data/calibrated_particles.csv."""
    return Path(output).with_name(f"{Path(output).stem}_particles.csv")


def free_output(output: Path) -> Path:
    """`output`, or its first sibling `<stem>-<n><suffix>` for which neither it nor its particles file exists."""
    candidate, number = Path(output), 0
    while candidate.exists() or particles_path(candidate).exists():
        number += 1
        candidate = Path(output).with_name(f"{Path(output).stem}-{number}{Path(output).suffix}")
    return candidate


def check_replace(output: Path) -> None:
    """With --into, the particles file beside `output` may be replaced only if it is one msosim wrote."""
    target = particles_path(output)
    if target.is_file() and not target.read_text(encoding="utf-8").split("\n", 1)[0].endswith(",weight,distance"):
        raise OutputError(f"--into: value '{output}': {target} beside it is not a particles file msosim wrote; "
                          "allowed: a fragment whose particles file is msosim's or absent (move that file away)")


def write_particles(particles: pd.DataFrame, output: Path, *, replace: bool = False) -> Path:
    """The posterior as weighted particles beside the fragment `output`, as CSV; with `replace`, over an own file only."""
    target = particles_path(output)
    if replace:
        check_replace(output)
    write_file(target, particles.to_csv(index=False, float_format="%.10g"), "--into", allowed=replace)
    return target


def read_particles(path: Path, option: str = "--particles") -> pd.DataFrame:
    """A particles file, checked: parameter columns, then weight (>= 0, not all 0) and distance; one-line errors."""
    path = Path(path)
    if not path.is_file():
        raise ExperimentError(f"{option}: value '{path}': no such file; allowed: a particles file written by "
                              "`msosim calibrate` (e.g. data/calibrated_particles.csv)")
    try:
        frame = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExperimentError(f"{option}: value '{path}': not a CSV file ({exc}); allowed: a particles file") from None
    names = list(frame.columns)
    if len(names) < 3 or tuple(names[-2:]) != TAIL or frame.empty:
        raise ExperimentError(f"{option}: value '{path}': columns {', '.join(names[:5])}; allowed: rows of parameter "
                              "columns followed by weight and distance")
    weights = pd.to_numeric(frame["weight"], errors="coerce")
    if weights.isna().any() or (weights < 0).any() or weights.sum() <= 0:
        raise ExperimentError(f"{option}: value '{path}': key 'weight': not all weights are numbers >= 0 with a "
                              "positive sum; allowed: importance weights")
    return frame.assign(weight=weights / weights.sum())


def draw(particles: pd.DataFrame, count: int, seed: int) -> pd.DataFrame:
    """`count` particles drawn with their weights (with replacement), seeded: the same seed gives the same draws."""
    rng = np.random.default_rng([seed, count])
    rows = rng.choice(len(particles), size=count, p=particles["weight"].to_numpy(dtype=float))
    return particles.iloc[rows].drop(columns=list(TAIL)).reset_index(drop=True).assign(particle=rows)
