"""scipy's own import is not thread-safe: two threads importing scipy.stats at once fail (a NameError in
scipy.ndimage or a partially initialised scipy._lib). The dashboard's findings and ensemble threads both ask
for intervals, so the app imports scipy.stats before any session starts a thread (CI failed three browser tests on this)."""

import subprocess
import sys


def test_the_dashboard_imports_scipy_stats_before_any_session_thread():
    done = subprocess.run([sys.executable, "-c", "import sys, msosim.dashboard.app; print('scipy.stats' in sys.modules)"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr[-2000:]
