"""The calibration report: the last generation's samples, the posterior, and distance against each parameter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .figures import COLORS, png_bytes
from ..outputs import write_folder

if TYPE_CHECKING:
    from ..experiments.calibrate import Result


def write_report(result: Result, folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """samples.csv (values, target means, distance, accepted), posterior.csv, posterior.png (distance against each parameter)."""
    from matplotlib.figure import Figure

    folder = Path(folder)
    names = result.plan.names
    columns = min(4, len(names))
    rows = -(-len(names) // columns)
    figure = Figure(figsize=(3.4 * columns, 2.8 * rows), layout="constrained")
    kept = result.samples[result.samples["accepted"]]
    for i, key in enumerate(names):
        ax = figure.add_subplot(rows, columns, i + 1)
        prior = result.plan.calibration.parameters[key]
        ax.scatter(result.samples[key], result.samples["distance"], s=8, color="#bbbbbb", label="samples")
        ax.scatter(kept[key], kept["distance"], s=12, color=COLORS[0], label="accepted")
        ax.axvline(float(result.fitted[key]), color=COLORS[1], lw=1.5, label="fitted")
        ax.set_xlim(prior.min, prior.max)
        ax.set_title(key, fontsize=8)
        ax.tick_params(labelsize=7)
        if i % columns == 0:
            ax.set_ylabel("distance", fontsize=8)
    figure.axes[0].legend(fontsize=7)
    write_folder(folder, {"samples.csv": lambda path: result.samples.to_csv(path, index=False),
                          "posterior.csv": lambda path: result.posterior.to_csv(path, index=False),
                          "posterior.png": lambda path: path.write_bytes(png_bytes(figure))}, "--report", overwrite=overwrite)
    return [folder / "samples.csv", folder / "posterior.csv", folder / "posterior.png"]
