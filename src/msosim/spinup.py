"""The initial state from a spin-up (issue 15): a burn-in of the model itself, seeded and cached.

Today's tables (population.py) start a calm world under the scenario's baseline funding regime (the scenario without
its policy levers and events); after `population.spinup_years` its survivors and foundings are the run's initial
population, with ages, staff, running grants, reserves, ties and burnout grown together (spin-up / burn-in:
Grimm et al. 2020, ODD "Initialisation"). The state is cached per hash of what determines it, so every scenario of
a comparison (same world, different policy) and every replication with the same seed starts from the same world.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np

from .policy import PolicyConfig
from .scenario import Scenario
from .spinup_state import extract_state
from .version import __version__

SPINUP_TAG = 0x5350_494E  # "SPIN": the spin-up's own stream, spawned from the run's seed material
CACHE_FORMAT = 2  # 2: one file of raw arrays behind a JSON index (1 was an .npz: its 68 headers cost ~5 ms a read)
_MAGIC = b"MSOSIM-SPINUP\n"
_ALIGN = 64  # each array starts at a multiple of this many bytes after the index
# the modules whose code decides what a spin-up produces: a change to any of them makes a new cache key
_MODEL_SOURCES = ("model.py", "population.py", "state.py", "scenario.py", "policy.py", "schema_base.py", "metrics.py",
                  "spinup.py", "spinup_state.py", "agents", "submodels", "data")


def spinup_scenario(scenario: Scenario) -> Scenario:
    """The world a run starts from: the scenario without its policy levers, events and run length, from the tables."""
    data = scenario.model_dump(mode="python")
    years = scenario.population.spinup_years
    data.update(name=f"{scenario.name} (spin-up)", description="", policy=PolicyConfig().model_dump(mode="python"),
                events=[], years=float(years), start_year=scenario.start_year - years)
    data["population"] = {**data["population"], "initial": "tables"}
    return Scenario.model_validate(data)


def spinup_seed(rng: np.random.Generator) -> np.random.SeedSequence | None:
    """The spin-up's own seed, spawned from the run generator's seed material (not its draws); None without one."""
    seed_seq = getattr(rng.bit_generator, "seed_seq", None)
    if not isinstance(seed_seq, np.random.SeedSequence):
        return None
    return np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, SPINUP_TAG))


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the model's code and data (so a changed model never reads an old spin-up)."""
    digest = hashlib.sha256(__version__.encode())
    root = resources.files("msosim")
    for name in _MODEL_SOURCES:
        path = Path(str(root.joinpath(name)))
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in (".py", ".csv", ".yaml"):
                digest.update(file.relative_to(Path(str(root))).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


# the calm world of the last scenarios asked for and its content hash, by the scenario object (kept, so that its id
# is not reused while it is here; scenarios are frozen): a batch's replications share one scenario object
_CALM: dict[int, tuple[Scenario, Scenario, str]] = {}


def calm_world(scenario: Scenario) -> tuple[Scenario, str]:
    """`spinup_scenario(scenario)` and its content hash, made once per scenario object."""
    kept = _CALM.get(id(scenario))
    if kept is None or kept[0] is not scenario:
        world = spinup_scenario(scenario)
        if len(_CALM) >= 16:
            _CALM.clear()
        kept = _CALM[id(scenario)] = (scenario, world, world.content_hash())
    return kept[1], kept[2]


def cache_key(world: Scenario, seed: np.random.SeedSequence, world_hash: str | None = None) -> str:
    """What determines a spin-up: the calm world's content (`world_hash` when known), the seed material, the model's
    code."""
    parts = [world_hash or world.content_hash(), repr(seed.entropy), repr(tuple(seed.spawn_key)), _code_digest(),
             str(CACHE_FORMAT)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def cache_folder() -> Path:
    """Where spin-ups are kept: $MSOSIM_CACHE_DIR, else $XDG_CACHE_HOME/msosim, else ~/.cache/msosim (a spinup folder)."""
    chosen = os.environ.get("MSOSIM_CACHE_DIR")
    if chosen:
        return Path(chosen) / "spinup"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "msosim" / "spinup"


def cache_file(key: str) -> Path:
    return cache_folder() / f"spinup-{key}.arrays"


def pack(state: dict[str, np.ndarray]) -> bytes:
    """The spin-up as one block: a magic line, a JSON index (format; per array its name, dtype, shape, offset and
    size in bytes), a newline, then each array's bytes in C order at an aligned offset. Read back by `unpack`
    with one read and no per-array header to parse (numpy's .npz parses each array's header with
    `ast.literal_eval`: most of a read's time)."""
    index, offset = [], 0
    arrays = {name: np.asarray(value, order="C") for name, value in state.items()}  # keeps 0-d ones 0-d
    for name, value in arrays.items():
        offset = -(-offset // _ALIGN) * _ALIGN
        index.append([name, value.dtype.str, list(value.shape), offset, value.nbytes])
        offset += value.nbytes
    head = _MAGIC + json.dumps({"format": CACHE_FORMAT, "arrays": index}).encode() + b"\n"
    body = bytearray(offset)
    for (_, _, _, start, size), value in zip(index, arrays.values(), strict=True):
        body[start:start + size] = value.tobytes()
    return head + bytes(body)


def unpack(data: bytearray) -> dict[str, np.ndarray]:
    """The arrays of `pack`'s block, as writable views into `data`. ValueError if it is not such a block."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a spin-up file")
    end = data.index(b"\n", len(_MAGIC))
    head = json.loads(bytes(data[len(_MAGIC):end]))
    if head.get("format") != CACHE_FORMAT:
        raise ValueError("another format")
    body = memoryview(data)[end + 1:]
    state = {}
    for name, dtype, shape, start, size in head["arrays"]:
        if start + size > len(body):
            raise ValueError("truncated")
        state[name] = np.frombuffer(body[start:start + size], dtype=np.dtype(dtype)).reshape(tuple(shape))
    return state


def read_cached(path: Path) -> dict[str, np.ndarray] | None:
    """A cached spin-up, or None if there is none or it cannot be read (it is then rebuilt)."""
    if not path.is_file():
        return None
    try:
        data = bytearray(path.stat().st_size)
        with path.open("rb") as handle:
            if handle.readinto(data) != len(data):
                return None
        return unpack(data)
    except (OSError, ValueError, KeyError, TypeError, EOFError):  # truncated or foreign file: rebuild over it
        return None


def write_cached(path: Path, state: dict[str, np.ndarray]) -> None:
    """Write a spin-up next to the final name, then move it into place (a reader never sees half a file).
    Failure to write (a read-only home) only means the next run spins up again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f"{path.stem}.", suffix=".partial", delete=False) as handle:
            partial = Path(handle.name)  # its own name per writer (process or thread)
            handle.write(pack(state))
        os.replace(partial, path)
    except OSError:
        return


def burn_in(world: Scenario, seed: np.random.SeedSequence, make_model: Callable) -> dict[str, np.ndarray]:
    """Run the calm world for its years and return its survivors' state (spinup_state.extract_state)."""
    model = make_model(world, np.random.default_rng(seed))
    model.run(world.years)
    return extract_state(model)


def spun_up_state(scenario: Scenario, rng: np.random.Generator, make_model: Callable,
                  cache: bool = True) -> dict[str, np.ndarray]:
    """The survivors of the scenario's calm world after its spin-up years: from the cache, else built and cached.
    `make_model(scenario, generator)` builds a model (the caller's class: this module does not import the model);
    `cache=False` (a model made without a seed) neither reads nor writes the cache."""
    world, world_hash = calm_world(scenario)
    seed = spinup_seed(rng)
    if seed is None or not cache:
        return burn_in(world, seed if seed is not None else np.random.SeedSequence(), make_model)
    path = cache_file(cache_key(world, seed, world_hash))
    state = read_cached(path)
    if state is None:
        state = burn_in(world, seed, make_model)
        write_cached(path, state)
    return state
