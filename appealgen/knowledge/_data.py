"""Reading the YAML files shipped in appealgen/knowledge/data."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from appealgen.errors import KnowledgeError

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def load_yaml(name: str) -> Any:
    """Parse one bundled data file (cached: the files are read-only)."""
    path = DATA_DIR / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"Missing knowledge file {path}") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path} is not valid YAML: {exc}") from None
