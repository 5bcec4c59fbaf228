"""msosim's Kaplan-Meier against lifelines' KaplanMeierFitter on a national decade: same survival, CPU per fit.

    .venv/bin/pip install lifelines   # not a dependency of msosim
    .venv/bin/python benchmarks/kaplan_meier_lifelines.py
(docs/libraries.md reports the result.)
"""
import time, warnings, statistics
import numpy as np
from msosim.api import run
from msosim.scenario import load_scenario
from msosim.experiments.analysis import kaplan_meier
from msosim.experiments.batch import lifetimes
t0 = time.process_time(); import lifelines; print("import lifelines CPU s", round(time.process_time() - t0, 3))
from lifelines import KaplanMeierFitter
tables = run(load_scenario("scenarios/baseline.yaml"), seed=1, years=10)
life = lifetimes(tables["msos"])
died = life["died_step"].to_numpy(dtype=float); observed = died >= 0
horizon = 120.0
durations = np.where(observed, died - np.maximum(life["founded_step"].to_numpy(dtype=float), 0), horizon - np.maximum(life["founded_step"].to_numpy(dtype=float), 0))
durations = np.maximum(durations, 0.5)
ours = kaplan_meier(durations, observed)
kmf = KaplanMeierFitter().fit(durations, observed)
theirs = kmf.survival_function_["KM_estimate"]
common = ours["time"].to_numpy()
diff = np.max(np.abs(ours["survival"].to_numpy() - theirs.reindex(common).to_numpy()))
print("MSOs", len(durations), "events", int(observed.sum()), "max |S_ours - S_lifelines| at event times", diff)
def timed(f, k=20):
    xs = []
    for _ in range(k):
        t = time.process_time(); f(); xs.append(time.process_time() - t)
    return statistics.median(xs)
print("ours CPU ms per fit", round(1000 * timed(lambda: kaplan_meier(durations, observed)), 2))
print("lifelines CPU ms per fit", round(1000 * timed(lambda: KaplanMeierFitter().fit(durations, observed)), 2))
small_d, small_o = durations[:400], observed[:400]
print("400 MSOs: ours", round(1000 * timed(lambda: kaplan_meier(small_d, small_o), 50), 2), "ms; lifelines",
      round(1000 * timed(lambda: KaplanMeierFitter().fit(small_d, small_o), 50), 2), "ms")
