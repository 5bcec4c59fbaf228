"""Sweeps run in batches (one set of arrays, experiments/batching.py) the runs of points that differ only in
their policy levers, replications included: the stored runs, outcomes and kept tables are those of runs one by one;
resume, failures and the --batch option."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from msosim.cli import app
from msosim.experiments import kept_tables
from msosim.experiments.batch import RunFailed
from msosim.experiments.design import plan
from msosim.experiments.executors import executor
from msosim.experiments.store import Store, open_store
from msosim.experiments.batching import world_key
from msosim.experiments.sweep import batched_chunks, run_design

from .sweep_helpers import write_experiment
from .test_compare import assert_same_store
from .test_sweep_run import assert_complete_without_duplicates


def sweep(experiment, store, *args: str):
    """`msosim sweep` on one worker into `store`, with `args`."""
    return CliRunner().invoke(app, ["sweep", str(experiment), "--workers", "1", "--store", str(store), *args])


def test_batched_sweep_stores_what_one_by_one_does(tmp_path, monkeypatch) -> None:
    """2 points (two policy levers) x 3 replications: one by one, in one batch of all 6 (the default: the points
    differ only in policy levers) and in batches of 2: the same runs table, outcomes, monthly rows, lifetimes and
    kept tables, and the progress counts every run."""
    import msosim.batch
    from msosim.experiments import batching

    batches, alone = [], []  # the seeds of each Batch made, and of each run alone
    start, run_one = msosim.batch.Batch.__init__, batching.run_one

    def batch(self, scenario, seeds, **overrides):
        batches.append(list(seeds))
        start(self, scenario, seeds, **overrides)

    def one(spec, keep_tables=False):
        alone.append(spec.seed)
        return run_one(spec, keep_tables)

    monkeypatch.setattr(msosim.batch.Batch, "__init__", batch)
    monkeypatch.setattr(batching, "run_one", one)
    experiment = write_experiment(tmp_path, n=2, replications=3)
    stores = {name: tmp_path / name / "s.duckdb" for name in ("single", "default", "two")}
    ran = {}
    for name, args in (("single", ["--batch", "1"]), ("default", []), ("two", ["--batch", "2"])):
        stores[name].parent.mkdir()
        result = sweep(experiment, stores[name], "--keep-tables", *args)
        assert result.exit_code == 0, result.output
        assert "6 to run" in result.stderr and "6 runs in" in result.stdout
        ran[name] = (batches.copy(), alone.copy())
        batches.clear(), alone.clear()
    assert ran == {"single": ([], [3, 3, 4, 4, 5, 5]), "default": ([[3, 3, 4, 4, 5, 5]], []),
                   "two": ([[3, 3], [4, 4], [5, 5]], [])}
    assert_complete_without_duplicates(stores["single"], plan(experiment))
    for name in ("default", "two"):
        assert_same_store(stores["single"], stores[name])  # runs, outcomes, model_steps, mso_lifetimes, run_tables
        for table in kept_tables.KEPT:
            with open_store(stores["single"]) as one, open_store(stores[name]) as other:
                first, second = kept_tables.read(one, table), kept_tables.read(other, table)
            assert len(first) > 0
            pd.testing.assert_frame_equal(first, second, check_exact=True, obj=f"{name}: {table}")


def test_chunks_hold_whole_batches(tmp_path) -> None:
    """Points that differ only in policy levers share batches: by default as many runs as keep the workers busy;
    a given --chunk caps a batch; --batch 1 runs one by one in chunks of --chunk runs; a point differing beyond
    its policy levers (the population here) never shares a batch with another."""
    specs = plan(write_experiment(tmp_path, n=3, replications=4)).specs()

    def shapes(size, batch, workers):
        chunks = batched_chunks(specs, size, batch, workers)
        assert sorted(s.key for _, runs in chunks for s in runs) == sorted(s.key for s in specs)
        for together, runs in chunks:
            start = 0
            for length in together.sizes:  # a batch: runs whose scenarios differ at most in policy levers
                assert len({world_key(s) for s in runs[start:start + length]}) == 1
                start += length
        return [together.sizes for together, _ in chunks]

    assert shapes(None, None, 1) == [(12,)]                 # all 3 points x 4 replications together
    assert shapes(None, None, 6) == [(2,)] * 6              # six workers busy
    assert shapes(2, None, 1) == [(2,)] * 6                 # --chunk 2 caps the batch
    assert shapes(3, 1, 1) == [(1, 1, 1)] * 4               # one by one, three runs a chunk
    assert shapes(2, 4, 1) == [(4,)] * 3                    # a chunk holds at least one whole batch
    mixed = plan(write_experiment(tmp_path, name="mixed", n=3, replications=2, parameters={
        "policy.budget_factor": {"min": 0.5, "max": 2.0}, "population.land": {"values": ["HB", "SL"]}},
        sampler="grid")).specs()
    keys = {world_key(s) for s in mixed}
    assert len(keys) == 2  # Bremen's points together, Saarland's together
    chunks = batched_chunks(mixed, None, None, 1)
    assert sorted(len(runs) for _, runs in chunks) == [6, 6]
    assert all(len({world_key(s) for s in runs}) == 1 for _, runs in chunks)


def test_interrupted_batched_sweep_resumes(tmp_path) -> None:
    """Ctrl-C after the first batch (a chunk, one transaction): it is stored whole, the rest runs on resume."""
    experiment = write_experiment(tmp_path, n=2, replications=3)
    design = plan(experiment)
    stored = []

    def stop(results) -> None:
        stored.append(len(results))
        raise KeyboardInterrupt

    with executor(1) as execute, Store.open(tmp_path / "s.duckdb", create=True) as store:
        with pytest.raises(KeyboardInterrupt):
            run_design(store, design, execute, on_stored=stop, batch=3)
        assert stored == [3] and len(store.runs()) == 3
        again = []
        run_design(store, design, execute, on_stored=lambda results: again.append(len(results)), batch=3)
        assert again == [3]
    assert_complete_without_duplicates(tmp_path / "s.duckdb", design)
    assert sweep(experiment, tmp_path / "one.duckdb", "--batch", "1").exit_code == 0
    assert_same_store(tmp_path / "s.duckdb", tmp_path / "one.duckdb")


@pytest.mark.parametrize("batch", [[], ["--batch", "1"]], ids=["batched", "one-by-one"])
def test_a_failing_run_is_named_and_earlier_runs_kept(tmp_path, monkeypatch, batch) -> None:
    """Seed 4's world cannot be built: the run is named (point and seed), the runs before it are stored (in a
    batch of all six, which then fails, they go one by one: experiments/batching.py)."""
    import msosim.model

    original = msosim.model.MSOModel.__init__

    def flaky(self, *args, seed=None, **kwargs):
        if seed == 4:
            raise ValueError("boom")
        original(self, *args, seed=seed, **kwargs)

    monkeypatch.setattr(msosim.model.MSOModel, "__init__", flaky)
    experiment = write_experiment(tmp_path, n=2, replications=3)
    result = sweep(experiment, tmp_path / "s.duckdb", *batch)
    assert result.exit_code == 1
    failed = next(line for line in result.stderr.splitlines() if "run failed" in line)
    assert "tiny:0" in failed and "seed 4" in failed and "boom" in failed and "seed 3" not in failed
    with open_store(tmp_path / "s.duckdb") as store:
        seeds = store.runs()["seed"].tolist()
    assert seeds == [3, 3]  # seed 3 of points 0 and 1, batched or one by one
    assert f"({len(seeds)} runs stored in" in failed


def test_python_api_batch(tmp_path) -> None:
    import msosim

    experiment = write_experiment(tmp_path, n=1, replications=3)
    frame = msosim.run_sweep(experiment, workers=1, store=tmp_path / "a.duckdb", batch=3)
    one = msosim.run_sweep(experiment, workers=1, store=tmp_path / "b.duckdb", batch=1)
    pd.testing.assert_frame_equal(frame, one, check_exact=True)
    with pytest.raises(ValueError, match="batch"):
        msosim.run_sweep(experiment, workers=1, store=tmp_path / "c.duckdb", batch=0)


def test_toy_models_are_not_batched(tmp_path) -> None:
    """The Ishigami function's runs go in chunks of its run function, with --batch or without."""
    from .sweep_helpers import EXPERIMENTS

    result = sweep(EXPERIMENTS / "ishigami.yaml", tmp_path / "i.duckdb", "--n", "4", "--batch", "7")
    assert result.exit_code == 0, result.output
    with open_store(tmp_path / "i.duckdb") as store:
        assert len(store.runs()) == len(plan(EXPERIMENTS / "ishigami.yaml", n=4).specs())


@pytest.mark.parametrize("value", ["0", "-1", "1001", "nan", "inf", "1.5", "many", str(2**64)])
def test_bad_batch_values_are_one_line_with_exit_2(tmp_path, value) -> None:
    result = sweep(write_experiment(tmp_path), tmp_path / "s.duckdb", "--batch", value)
    assert result.exit_code == 2 and "--batch" in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "s.duckdb").exists()
