"""pyabc 0.13.0 on the toy of tests/test_abc_smc.py (normal mean, known variance, U(-2, 3) prior): posterior, simulations, CPU.

Needs pyabc in a separate venv (it is not a project dependency): `python -m venv /tmp/abcprobe &&
/tmp/abcprobe/bin/pip install pyabc==0.13.0 && /tmp/abcprobe/bin/python benchmarks/abc_smc_pyabc.py`.
See docs/libraries.md.
"""
import time, os, tempfile, numpy as np, logging
logging.disable(logging.WARNING)
s0=time.perf_counter(); cpu0=time.process_time()
import pyabc
print("import", round(time.process_time()-cpu0,2), "s cpu")
sigma, m, xbar = 1.0, 10, 0.4
def model(p):
    return {"x": p["mu"] + np.random.normal(0, sigma/np.sqrt(m))}
prior = pyabc.Distribution(mu=pyabc.RV("uniform", -2, 5))
abc = pyabc.ABCSMC(model, prior, lambda a, b: abs(a["x"]-b["x"]), population_size=1000,
                   sampler=pyabc.sampler.SingleCoreSampler())
db = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "t.db")
np.random.seed(1)
abc.new(db, {"x": xbar})
s=time.perf_counter(); c=time.process_time()
h = abc.run(minimum_epsilon=0.04, max_nr_populations=8)
df, w = h.get_distribution(m=0)
x = df["mu"].to_numpy(); mean = w@x; sd = np.sqrt(w@(x-mean)**2)
pops = h.get_all_populations()
print("pyabc: mean %.3f sd %.3f (analytic 0.4, 0.316), eps %s, sims %d, cpu %.1f s" % (mean, sd, list(pops["epsilon"].round(3)), h.total_nr_simulations, time.process_time()-c))
