"""What one browser session can do, without Solara: load a scenario, move levers, step, save and load presets.

Every action returns a `Message` for the page (or None); a bad input never raises into the UI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..scenario import ScenarioError
from .levers import LEVER_BY_NAME, LEVERS
from .presets import load_preset, save_preset
from .ensemble import build_pair
from .runner import CARDS, HEADLINE, PolicyPair, Setup, Snapshot, default_replications, initial_setup

ENV_SCENARIO = "MSOSIM_DASHBOARD_SCENARIO"
ENV_LANG = "MSOSIM_DASHBOARD_LANG"
ENV_PRESETS = "MSOSIM_DASHBOARD_PRESETS"
ENV_PIN = "MSOSIM_DASHBOARD_PIN"
DEFAULT_SCENARIO = Path("scenarios") / "district.yaml"


@dataclass(frozen=True)
class Settings:
    scenario: Path
    lang: str
    presets_dir: Path
    pin: str = ""            # set: pages open in room view, and leaving it (facilitator panel, file names) needs the PIN

    @classmethod
    def from_environment(cls) -> Settings:
        """What `msosim dashboard` passed in environment variables (relative paths against the working folder)."""
        lang = os.environ.get(ENV_LANG, "de")
        return cls(Path(os.environ.get(ENV_SCENARIO, DEFAULT_SCENARIO)).resolve(), lang if lang in ("de", "en") else "de",
                   Path(os.environ.get(ENV_PRESETS, "presets")).resolve(), os.environ.get(ENV_PIN, "").strip())


@dataclass(frozen=True)
class Message:
    """A message for the page: kind is 'error', 'warning', 'success' or 'info'; key/params go through `t()`."""

    kind: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def _error(key: str, exc: Exception | str, **params) -> Message:
    return Message("error", key, {"detail": str(exc), **params})


class Session:
    """One browser session's run (policies A and B), the levers on the table and the presets folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.on_table: frozenset[str] = frozenset(lever.name for lever in LEVERS)
        self.cards: tuple[str, ...] = HEADLINE
        self.pair: PolicyPair | None = None
        self.failures = 0           # scenario files that failed to load (the page re-draws its file list)
        self.scenario_name = settings.scenario.stem
        self.startup_message = self.load_scenario(settings.scenario)
        if self.pair is None and settings.scenario != DEFAULT_SCENARIO.resolve():
            self.load_scenario(DEFAULT_SCENARIO.resolve())

    @property
    def snapshot(self) -> Snapshot | None:
        return self.pair.snapshot() if self.pair is not None else None

    @property
    def setup(self) -> Setup | None:
        return self.pair.setup if self.pair is not None else None

    def load_scenario(self, path: Path) -> Message | None:
        """Start both policies from a scenario file's own levers; keeps the current run when the file is bad."""
        try:
            setup, scenario = initial_setup(path, self.setup.seed if self.setup else 1)
            self.use(build_pair(setup, scenario))
        except (ScenarioError, ValueError, OSError) as exc:
            self.failures += 1
            return _error("error.scenario", exc)
        self.scenario_name = scenario.name
        return Message("success", "status.loaded_n", {"name": scenario.name, "n": self.pair.models["A"].msos.n})

    def change_setup(self, **changes: Any) -> Message | None:
        """Scale, Land, seed or replications changed: rebuild both runs from step 0 (a new scale: its default mode)."""
        if self.pair is None:
            return None
        if "scale" in changes and "replications" not in changes:
            changes["replications"] = default_replications(changes["scale"])
        return self._rebuild(replace(self.pair.setup, **changes))

    def reset(self) -> Message | None:
        return self._rebuild(self.pair.setup) if self.pair is not None else None

    def _rebuild(self, setup: Setup) -> Message | None:
        try:
            self.use(build_pair(setup))
        except (ScenarioError, ValueError) as exc:
            return _error("error.scenario", exc)
        return None

    def use(self, pair: PolicyPair) -> None:
        """Show a new pair; the old one's background reruns stop."""
        if self.pair is not None:
            self.pair.close()
        self.pair = pair

    def set_lever(self, policy: str, name: str, value: Any) -> Message | None:
        """Move one lever of one policy; the policy is rerun up to the current step with the same seed."""
        lever = LEVER_BY_NAME[name]
        if self.pair is None:
            return None
        if name not in self.on_table:
            return Message("warning", "lever.locked")
        if not lever.allows(value):
            allowed = {"low": lever.minimum, "high": lever.maximum} if lever.kind != "select" else {"low": "", "high": ""}
            return Message("error", "error.lever", {"lever": name, "value": value, **allowed})
        levers = {**self.pair.setup.levers[policy], name: value}
        try:
            self.pair.replace_policy(policy, levers)
        except (ScenarioError, ValueError) as exc:
            return _error("error.scenario", exc)
        return None

    def copy_levers(self, source: str, target: str) -> Message | None:
        if self.pair is None:
            return None
        try:
            self.pair.replace_policy(target, dict(self.pair.setup.levers[source]))
        except (ScenarioError, ValueError) as exc:
            return _error("error.scenario", exc)
        return None

    def set_on_table(self, names: frozenset[str]) -> None:
        """The facilitator chose which levers participants may move."""
        self.on_table = frozenset(name for name in names if name in LEVER_BY_NAME)

    def set_cards(self, keys: list[str]) -> Message | None:
        """The facilitator chose the four cards at the top (of CARDS, in the order chosen)."""
        chosen = tuple(dict.fromkeys(key for key in keys if key in CARDS))
        if len(chosen) != 4:
            return Message("warning", "facilitator.cards_hint")
        self.cards = chosen
        return None

    def step(self, count: int = 1) -> Message | None:
        """Advance both policies; a failure in the model becomes a message, not a crash."""
        if self.pair is None:
            return None
        try:
            self.pair.step(count)
        except Exception as exc:  # noqa: BLE001 - any model error becomes a message; the page stays alive
            return _error("error.step", f"{type(exc).__name__}: {exc}")
        return None

    def save_preset(self, name: str) -> Message:
        if self.pair is None:
            return Message("error", "error.preset_name")
        try:
            files = save_preset(self.settings.presets_dir, name, self.pair.setup, sorted(self.on_table))
        except (ScenarioError, OSError) as exc:
            return _error("error.preset", exc)
        except ValueError:
            return Message("error", "error.preset_name")
        shown = ", ".join(str(path.relative_to(self.settings.presets_dir.parent)) for path in files)
        return Message("success", "facilitator.saved", {"name": name, "files": shown})

    def load_preset(self, folder: str) -> Message:
        if self.pair is None:
            return Message("error", "error.preset", {"detail": folder})
        try:
            setup, on_table = load_preset(self.settings.presets_dir, folder, self.pair.setup)
            self.use(build_pair(setup))
        except (ScenarioError, ValueError, OSError) as exc:
            return _error("error.preset", exc)
        if on_table is not None:
            self.on_table = frozenset(name for name in on_table if name in LEVER_BY_NAME)
        self.scenario_name = folder
        return Message("success", "facilitator.loaded", {"name": folder})
