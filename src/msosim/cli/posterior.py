"""`msosim compare --posterior N`: the draws before anything runs, and the split of each outcome's spread after."""

from __future__ import annotations

from pathlib import Path

from . import shared as cli


def prepare(particles: Path, count: int | None, seed: int, configs: list):
    """None without --posterior; else the draws (checked, one-line errors before anything is written)."""
    if count is None:
        return None
    from ..experiments.experiment import ExperimentError
    from ..experiments.posterior import PosteriorComparison

    try:
        drawn = PosteriorComparison.load(particles, count, seed, configs)
    except ExperimentError as exc:
        cli.fail(str(exc))
    rows = sorted(set(drawn.draws["particle"].tolist()))
    cli.err.print(f"posterior: {count} draw(s) from {particles} (particles {', '.join(map(str, rows[:10]))}"
                  f"{' ...' if len(rows) > 10 else ''}); draw k runs seeds {seed} + k x reps ...", highlight=False,
                  soft_wrap=True)
    return drawn


def show(drawn, store: Path, reps: int, extra: dict | None) -> dict | None:
    """With --posterior: print the parameter-vs-chance table; returns the report's extra files with
    posterior_variance.csv added (unchanged without --posterior)."""
    if drawn is None:
        return extra
    from ..experiments.posterior import decomposition
    from ..experiments.store import Store
    from ..reporting.posterior import FILE, console_table, csv_writer

    with Store.open(store) as opened:
        table = decomposition(drawn.outcomes(opened))
    cli.console.print(f"The findings and the comparison table above are those of draw 1 (particle {drawn.draws['particle'][0]}); "
                      f"the table below covers all {len(drawn.scenarios)} draws x {reps} replications "
                      f"({FILE} in the report folder).", highlight=False, soft_wrap=True)
    cli.console.print(console_table(table, len(drawn.scenarios), reps, drawn.particles_file))
    return (extra or {}) | {FILE: csv_writer(table)}
