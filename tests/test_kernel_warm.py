"""The kernels' load is paid once, in `kernels.compiled()` (issue 20, target 6): `warm()` compiles or loads every
signature a model and a batch then call, so that no kernel is compiled (or read from numba's cache) inside a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.test_kernels import need_numba

PROBE = """
import json
import numba
from msosim import kernels
from msosim.batch import Batch
from msosim.model import MSOModel

jit = kernels.compiled()
kernels_ = {name: getattr(jit, name) for name in dir(jit)
            if isinstance(getattr(jit, name), numba.core.registry.CPUDispatcher)}
before = {name: len(kernel.signatures) for name, kernel in kernels_.items()}
MSOModel("scenarios/baseline.yaml", seed=1).run(14 / 12)  # past a year's end: the yearly paths too
Batch("scenarios/district.yaml", [1, 2, 3]).run(14 / 12)
print(json.dumps({name: [str(s) for s in kernel.signatures[before[name]:]] for name, kernel in kernels_.items()
                  if len(kernel.signatures) > before[name]}))
"""


def test_warm_compiles_every_signature_a_run_calls() -> None:
    """A fresh process: the kernels loaded, then a national run and a batch of district worlds over a year's end; no
    kernel gains a signature after the load (a kernel warmed with a C-ordered matrix, say, where the model passes a
    column-major one, would compile again inside the first run)."""
    need_numba()
    env = {**os.environ, "MSOSIM_KERNELS": "numba"}
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    compiled_later = json.loads(result.stdout.strip().splitlines()[-1])
    assert compiled_later == {}, f"kernels compiled after warm(): {compiled_later}"
