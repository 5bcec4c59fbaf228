"""The short summary of one run, as printed by `msosim run`."""

from __future__ import annotations

import pandas as pd

from .scenario import Scenario


def summary_rows(tables: dict[str, pd.DataFrame], config: Scenario) -> list[tuple[str, str]]:
    """(label, formatted value) rows: stock by type, flows, staff, volunteers, services, money."""
    df = tables["model"]
    start, end = df.iloc[0], df.iloc[-1]
    run = df[df["step"] > 0]
    last_year = run.tail(config.steps_per_year)
    public = run["public_money"].sum()
    service = run["service_hours"].sum()
    return [
        ("MSOs alive, start -> end", f"{start['alive']:,} -> {end['alive']:,}"),
        ("  volunteer-only", f"{start['alive_volunteer_only']:,} -> {end['alive_volunteer_only']:,}"),
        ("  with paid staff", f"{start['alive_staffed']:,} -> {end['alive_staffed']:,}"),
        ("founded", f"{run['founded'].sum():,}"),
        ("dissolved: volunteer core lost", f"{run['dissolved_volunteers'].sum():,}"),
        ("dissolved: insolvency", f"{run['dissolved_insolvency'].sum():,}"),
        ("dissolved: exhaustion", f"{run['dissolved_burnout'].sum():,}"),
        ("dissolved: merger", f"{run['dissolved_merger'].sum():,}"),
        ("dissolved: other causes", f"{run['dissolved_background'].sum():,}"),
        ("initial cohort surviving", f"{end['initial_cohort_survival']:.1%}"),
        ("paid staff [FTE], start -> end", f"{start['staff_fte']:,.0f} -> {end['staff_fte']:,.0f}"),
        ("staff lost at grant cliffs [FTE]", f"{run['staff_lost_at_cliff'].sum():,.0f}"),
        ("volunteers, start -> end", f"{start['volunteers']:,} -> {end['volunteers']:,}"),
        ("mean burnout, last year [0-1]", f"{last_year['mean_burnout'].mean():.3f}"),
        ("service coverage, last year", f"{last_year['service_coverage'].mean():.1%}"),
        ("income share from time-limited grants, last year", f"{last_year['time_limited_share'].mean():.1%}"),
        ("Gini of grant income, end", f"{end['funding_gini']:.3f}"),
        ("public money per service hour [EUR]", f"{public / service:,.2f}" if service > 0 else "n/a"),
    ]
