"""The dashboard's findings and its one-page brief, by the comparison report's own code.

The paired replications of policies A and B (replication i of both with seed + i) are read as a comparison with
A as the reference: each run's outcomes (api.run_outcomes, as `msosim compare` stores them) go through
reporting.findings_section.section, whose sentences come from the paired differences; the brief is
reporting.findings_brief's page (PDF or HTML). So the sentences on screen, in the brief and in a report agree.
"""

from __future__ import annotations

import pandas as pd

from ..api import run_outcomes
from ..experiments.batch import summarise
from ..reporting.findings import Window
from ..version import __version__
from ..reporting.findings_brief import HEADLINE, SERIES, Brief, brief_html, brief_pdf
from ..reporting.costs import UNITS
from ..reporting.findings_section import section
from .levers import Lever
from .runner import POLICIES, PolicyPair
from .strings import month_label, number, option_label, t, unit_label


def lever_text(lever: Lever, value, lang: str) -> str:
    """A lever's value as a facilitator reads it ('3 Jahre', 'institutionelle Förderung', 'wie im Szenario')."""
    if value is None:
        return t("lever.keep", lang)
    if lever.kind == "select":
        return option_label(lever.name, value, lang)
    digits = lever.digits if lever.kind == "number" else (2 if (lever.step or 1) < 0.1 else 1)
    unit = unit_label(lever.unit, lang) if lever.unit not in ("share", "factor") else ""
    return f"{number(value, lang, digits)} {unit}".strip()


def policy_names(lang: str) -> list[str]:
    """'Politik A', 'Politik B': the names the findings give the two policies."""
    return [t(f"policy.{policy}", lang) for policy in POLICIES]


def pair_runs(pair: PolicyPair) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every run of both policies so far: tidy outcomes (position 0 is A, 1 is B; seed; outcome; value) and the
    monthly steps of the brief's figures (position, seed, year, alive, staff_fte). Waits for background reruns."""
    pair.wait_ready()
    names = policy_names("en")
    outcomes, steps = [], []
    with pair.lock:
        for position, policy in enumerate(POLICIES):
            models = [pair.models[policy], *getattr(pair, "extras", {}).get(policy, [])]
            for index, model in enumerate(models):
                table = model.tables(only=("model",))["model"]     # the brief shows no parts by Land or funder
                seed = pair.setup.seed + index
                values = run_outcomes(table, model.config.steps_per_year)
                outcomes += [(position, names[position], seed, key, value) for key, value in values.items()]
                steps.append(table[["year", *SERIES]].assign(position=position, seed=seed))
    tidy = pd.DataFrame(outcomes, columns=["position", "scenario", "seed", "outcome", "value"])
    return tidy, pd.concat(steps, ignore_index=True)


def pair_brief(pair: PolicyPair, scenario_name: str, lang: str) -> Brief | None:
    """The findings and brief of the runs so far (None before the first step)."""
    if pair.models["A"].t == 0:
        return None
    outcomes, steps = pair_runs(pair)
    names = policy_names(lang)
    outcomes = outcomes[outcomes["outcome"].isin({*HEADLINE, "public_money_per_year", *UNITS})]  # said, or costs
    outcomes = outcomes.assign(scenario=outcomes["position"].map(dict(enumerate(names))))
    config = pair.models["A"].config
    window = Window(int(config.start_year), pair.models["A"].t / config.steps_per_year)
    scenarios = [pair.scenarios[policy].model_dump(mode="json") for policy in POLICIES]
    context = section(outcomes, summarise(outcomes), scenarios, names, window, pair.setup.scale, lang, HEADLINE)
    context["title"] = f"{scenario_name}: {' / '.join(names)}"
    snapshot = pair.snapshot()
    runs = len(outcomes.drop_duplicates(["position", "seed"]))
    line = t("brief.provenance", lang, name=scenario_name, runs=runs, seed=pair.setup.seed,
             last=pair.setup.seed + max(pair.setup.replications, 1) - 1, date=month_label(snapshot.year, lang),
             version=__version__)
    return Brief(context, steps, names, line)


def brief_pdf_bytes(pair: PolicyPair, scenario_name: str, lang: str) -> bytes:
    """The brief as one A4 page of PDF (an empty page's worth of words before the first step)."""
    brief = pair_brief(pair, scenario_name, lang)
    return brief_pdf(brief, lang) if brief is not None else b""


def brief_html_text(pair: PolicyPair, scenario_name: str, lang: str) -> str:
    """The brief as one HTML page."""
    brief = pair_brief(pair, scenario_name, lang)
    return brief_html(brief, lang) if brief is not None else ""

