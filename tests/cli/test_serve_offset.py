"""``shelfaudit serve`` refuses, in one line, to start with another business UTC offset than
the periods already run were run with."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from shelfaudit.runtime import build_runtime
from tests.cli.test_accounts import SHELFAUDIT
from tests.conftest import embedded_settings
from tests.seeds import LAST_MONTH, add_scheme, run_period


def test_serve_refuses_a_changed_business_offset_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runtime = build_runtime(embedded_settings(data, business_utc_offset="+07:00"), upgrade_db=True)
    try:
        add_scheme(runtime)
        from shelfaudit.payouts.period_text import parse_period

        run_period(runtime, parse_period(LAST_MONTH.label, 7 * 60))
    finally:
        runtime.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFAUDIT_")}
    env |= {"SHELFAUDIT_DATA_DIR": str(data), "SHELFAUDIT_BUSINESS_UTC_OFFSET": "+00:00"}
    done = subprocess.run(
        [*SHELFAUDIT, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    said = " ".join(done.stderr.split())  # the console wraps long lines
    assert "run with SHELFAUDIT_BUSINESS_UTC_OFFSET=+07:00, and it is now +00:00" in said
    assert "Traceback" not in done.stderr
