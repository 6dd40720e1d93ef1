"""Atomicity under SIGKILL: the stress script, with a few kills, against the session server.

`python scripts/kill_stress.py --kills 25` runs the same checks with more kills.
"""

import subprocess
import sys

from conftest import REPO, cli_env


def test_killed_runs_leave_whole_partitions_and_heal(prefect_server, tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "kill_stress.py"), "--kills", "4", "--seed", "7",
         "--workdir", str(tmp_path), "--api-url", prefect_server],
        env=cli_env(prefect_server), capture_output=True, text=True, timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    assert "4 kills" in done.stdout and "\n0 failures" in done.stdout
