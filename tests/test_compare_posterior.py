"""`msosim compare --posterior N`: draws from the calibration's weighted particles, and parameter uncertainty vs chance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from msosim.cli import app
from msosim.experiments.experiment import ExperimentError
from msosim.experiments.particles import draw, read_particles
from msosim.experiments.posterior import PosteriorComparison, split_variance
from msosim.scenario import load_scenario

from .test_compare import assert_same_store, small  # noqa: F401  (small is a fixture)


def write_particles(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def compare_args(paths: list[Path], folder: Path, name: str, *extra: str) -> list[str]:
    return ["compare", *map(str, paths), "--reps", "2", "--years", "0.5", "--workers", "1", "--lang", "en",
            "--store", str(folder / f"{name}.duckdb"), "--report", str(folder / name), *extra]


def test_a_degenerate_posterior_gives_the_tables_of_plain_compare(small, tmp_path) -> None:  # noqa: F811
    """One particle at the calibrated values: --posterior 1 runs the same runs and prints the same tables."""
    calibrated = load_scenario(small[0])
    particles = write_particles(tmp_path / "one.csv", [{"volunteers.dropout_rate": calibrated.volunteers.dropout_rate,
                                                        "founding_rate": calibrated.founding_rate,
                                                        "weight": 1.0, "distance": 0.2}])
    plain = CliRunner().invoke(app, compare_args(small, tmp_path, "plain"))
    drawn = CliRunner().invoke(app, compare_args(small, tmp_path, "drawn", "--posterior", "1", "--particles", str(particles)))
    assert plain.exit_code == 0 and drawn.exit_code == 0, drawn.output
    assert_same_store(tmp_path / "plain.duckdb", tmp_path / "drawn.duckdb")
    tables = lambda result: result.stdout.split("Provenance")[0]  # noqa: E731  findings and comparison table
    assert tables(drawn) == tables(plain) and "small_institutional" in tables(plain)
    assert "1 posterior draws" in " ".join(drawn.stdout.split()) and "posterior_variance.csv" in drawn.stdout
    split = pd.read_csv(tmp_path / "drawn" / "posterior_variance.csv")
    assert (split["draws"] == 1).all() and split["parameter_share"].isna().all()   # one draw: no parameter spread


def test_draws_are_the_particles_with_their_weights_and_the_same_seed_gives_the_same_draws(small) -> None:  # noqa: F811
    table = pd.DataFrame({"volunteers.dropout_rate": [0.1, 0.3, 0.6], "weight": [0.2, 0.3, 0.5],
                          "distance": [0.3, 0.2, 0.1]})
    frequencies = draw(table, 4000, 1)["particle"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(frequencies.to_numpy(), [0.2, 0.3, 0.5], atol=0.03)
    pd.testing.assert_frame_equal(draw(table, 40, 7), draw(table, 40, 7))
    assert not draw(table, 40, 7).equals(draw(table, 40, 8))
    configs = [load_scenario(path) for path in small]
    path = write_particles(Path(small[0]).parent / "three.csv", table.to_dict("records"))
    drawn = PosteriorComparison.load(path, 12, 3, configs)
    for k, row in drawn.draws.iterrows():
        assert row["volunteers.dropout_rate"] == table["volunteers.dropout_rate"][row["particle"]]
        assert [s.volunteers.dropout_rate for s in drawn.scenarios[k]] == [row["volunteers.dropout_rate"]] * 2
        assert [s.name for s in drawn.scenarios[k]] == ["small", "small_institutional"]
    assert drawn.seeds(1, 5) == [1 + 5 * k for k in range(12)]


def test_split_variance_recovers_known_parameter_and_noise_variance() -> None:
    rng = np.random.default_rng(4)
    draws, reps = 400, 5
    effect = np.repeat(rng.normal(0.0, 2.0, draws), reps)
    frame = pd.DataFrame({"draw": np.repeat(np.arange(draws), reps), "value": 10 + effect + rng.normal(0, 1.0, draws * reps)})
    split = split_variance(frame, "value")
    assert split["parameter_sd"] == pytest.approx(2.0, rel=0.1) and split["noise_sd"] == pytest.approx(1.0, rel=0.05)
    assert split["parameter_share"] == pytest.approx(0.8, abs=0.04)
    chance_only = split_variance(frame.assign(value=10 + rng.normal(0, 1.0, draws * reps)), "value")
    assert chance_only["parameter_share"] < 0.05


def test_different_particles_show_as_parameter_uncertainty(small, tmp_path) -> None:  # noqa: F811
    """Volunteer dropout 0.1 against 0.4: the spread of volunteer turnover is mostly the parameter's, not chance's.
    (At 0.6 Bremen's MSOs mostly fold within the 10-year spin-up, so each seed starts from a different collapse and
    chance is large too: 0.86 to 1.73 for four seeds.)"""
    particles = write_particles(tmp_path / "two.csv", [{"volunteers.dropout_rate": 0.1, "weight": 0.5, "distance": 0.1},
                                                       {"volunteers.dropout_rate": 0.4, "weight": 0.5, "distance": 0.1}])
    result = CliRunner().invoke(app, compare_args(small[:1], tmp_path, "two", "--posterior", "3", "--particles",
                                                  str(particles), "--seed", "2"))
    assert result.exit_code == 0, result.output
    split = pd.read_csv(tmp_path / "two" / "posterior_variance.csv").set_index("outcome")
    assert sorted(set(PosteriorComparison.load(particles, 3, 2, [load_scenario(small[0])]).draws["particle"])) == [0, 1]
    assert split.loc["volunteer_turnover", "parameter_share"] > 0.8
    assert split.loc["volunteer_turnover", "parameter_sd"] > 3 * split.loc["volunteer_turnover", "noise_sd"]
    again = CliRunner().invoke(app, compare_args(small[:1], tmp_path, "two", "--posterior", "3", "--particles",
                                                 str(particles), "--seed", "2", "--overwrite"))
    assert again.exit_code == 0 and "6 already in" in again.stderr and "0 to run" in again.stderr   # resumes, draws kept
    assert "6 runs planned (1 scenarios x 3 draws x 2 reps)" in again.stderr  # it said "x 2 reps" with 6 runs


def test_without_particles_the_shipped_calibration_is_drawn_from_any_folder(small, tmp_path, monkeypatch) -> None:  # noqa: F811
    # The default was the relative path data/calibrated_particles.csv: from any other folder "no such file".
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, compare_args(small[:1], tmp_path, "shipped", "--posterior", "2", "--years", "0.25"))
    assert result.exit_code == 0, result.output
    assert "msosim/data/calibrated_particles.csv" in result.stderr.replace("\\", "/")


BAD = [("missing.csv", None, "no such file"),
       ("columns.csv", "a,b\n1,2\n", "weight and distance"),
       ("weights.csv", "volunteers.dropout_rate,weight,distance\n0.2,-1,0.1\n", "weight"),
       ("key.csv", "volunteers.dropout,weight,distance\n0.2,1,0.1\n", "does not fit")]


@pytest.mark.parametrize("name, text, words", BAD, ids=[b[0] for b in BAD])
def test_a_bad_particles_file_is_one_line_and_nothing_is_written(small, tmp_path, name, text, words) -> None:  # noqa: F811
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, compare_args(small[:1], tmp_path, "bad", "--posterior", "2", "--particles", str(path)))
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "--particles" in result.output and str(path) in result.output and words in result.output
    assert not (tmp_path / "bad.duckdb").exists() and not (tmp_path / "bad").exists()
    with pytest.raises(ExperimentError):
        PosteriorComparison.load(path, 2, 1, [load_scenario(small[0])]) if text is None or name == "key.csv" else \
            read_particles(path)
