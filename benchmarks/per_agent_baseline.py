"""Idiomatic per-agent Mesa models that msosim's vectorised national decade is measured against.

* `BareModel`: N agents whose `step()` does nothing, stepped with `model.agents.shuffle_do("step")`:
  the cost of Mesa's own scheduling, a floor no per-agent model can go below.
* `ToyMSOModel`: N MSO agents with a small monthly step written the usual Mesa way (one Python
  object per MSO, attributes on the object, stdlib random via `self.random`): income and costs,
  burnout from the load per volunteer, volunteers quitting and joining, dissolution below a core.

Run this file to time both at national scale: `python benchmarks/per_agent_baseline.py [--agents N]`.
"""

from __future__ import annotations

import argparse
import statistics
import time

import mesa

NATIONAL_MSOS = 13_400
STEPS = 120                  # ten years of monthly steps

# The toy's parameters (per year unless noted), in the spirit of msosim's defaults.
FEE_PER_MEMBER = 36.0
DONATIONS = 4000.0
BASE_COSTS = 800.0
DEMAND_HOURS = 60.0          # hours of requests per month
SUSTAINABLE_HOURS = 14.0     # per volunteer per month
BURNOUT_GAIN, BURNOUT_RECOVERY = 1.0, 0.8
DROPOUT, BURNOUT_QUIT_FACTOR, JOIN = 0.25, 1.5, 0.12
MIN_VOLUNTEERS = 3


class IdleAgent(mesa.Agent):
    """An agent that does nothing when stepped."""

    def step(self) -> None:
        pass


class BareModel(mesa.Model):
    """N idle agents, activated in random order each step."""

    def __init__(self, agents: int = NATIONAL_MSOS, seed: int | None = None) -> None:
        super().__init__(rng=seed)
        IdleAgent.create_agents(self, agents)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def monthly(p_year: float) -> float:
    return 1.0 - (1.0 - min(max(p_year, 0.0), 1.0)) ** (1.0 / 12.0)


class ToyMSO(mesa.Agent):
    """An MSO as a plain Mesa agent: reserves, members, volunteers, burnout."""

    def __init__(self, model: ToyMSOModel) -> None:
        super().__init__(model)
        self.members = max(12, int(self.random.lognormvariate(3.7, 0.75)))
        self.volunteers = max(MIN_VOLUNTEERS, self.members // 4)
        self.burnout = self.random.betavariate(2.0, 8.0)
        self.reserves = self.random.uniform(100.0, 1000.0)
        self.below_core_months = 0

    def step(self) -> None:
        self.reserves += (self.members * FEE_PER_MEMBER + DONATIONS - BASE_COSTS) / 12.0
        ratio = DEMAND_HOURS / max(self.volunteers, 1) / SUSTAINABLE_HOURS
        change = BURNOUT_GAIN * max(ratio - 1.0, 0.0) - BURNOUT_RECOVERY * max(1.0 - ratio, 0.0)
        self.burnout = min(max(self.burnout + change / 12.0, 0.0), 1.0)
        quits = self.random.binomialvariate(self.volunteers, monthly(DROPOUT * (1.0 + BURNOUT_QUIT_FACTOR * self.burnout)))
        staying = self.volunteers - quits
        joins = self.random.binomialvariate(self.members - staying, monthly(JOIN))
        if staying + joins > 0:
            self.burnout *= staying / (staying + joins)
        self.volunteers = staying + joins
        self.below_core_months = self.below_core_months + 1 if self.volunteers < MIN_VOLUNTEERS else 0
        if self.below_core_months >= 12:
            self.remove()


class ToyMSOModel(mesa.Model):
    """N toy MSOs, activated in random order each step."""

    def __init__(self, agents: int = NATIONAL_MSOS, seed: int | None = None) -> None:
        super().__init__(rng=seed)
        ToyMSO.create_agents(self, agents)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def time_decade(model_class: type[mesa.Model], agents: int = NATIONAL_MSOS, steps: int = STEPS, seed: int = 1) -> float:
    """Wall seconds to build a model and step it `steps` times."""
    started = time.perf_counter()
    model = model_class(agents, seed=seed)
    for _ in range(steps):
        model.step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=NATIONAL_MSOS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for model_class in (BareModel, ToyMSOModel):
        times = [time_decade(model_class, args.agents) for _ in range(args.repeats)]
        print(f"{model_class.__name__:12s} {args.agents:,} agents x {STEPS} steps: median {statistics.median(times):.3f} s "
              f"({statistics.median(times) / (args.agents * STEPS) * 1e6:.2f} us per agent-step)")


if __name__ == "__main__":
    main()
