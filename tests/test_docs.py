"""The documentation site builds strictly: no broken link, no missing snippet, no bad API reference."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_docs_build_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "concepts" / "idempotency" / "index.html").exists()
    reference = (tmp_path / "site" / "reference" / "operators" / "index.html").read_text()
    assert "HeyGenJobTrigger" in reference and "poll_interval" in reference
