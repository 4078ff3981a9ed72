"""Environment for the stkg processes a benchmark starts (bench must not import tests/)."""

from __future__ import annotations

import os
from pathlib import Path


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any STKG_ setting, pointed at one data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STKG_")}
    return {**env, "STKG_DATA_DIR": str(data_dir), **extra}
