"""Reading patient facts (JSON or YAML) into PatientFacts with clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from appealgen.errors import FactsError
from appealgen.models import PatientFacts


def parse_patient_facts(raw: str | bytes | dict[str, Any], name: str = "facts") -> PatientFacts:
    """Validate patient facts given as JSON/YAML text or a mapping."""
    data: Any = raw
    if isinstance(raw, bytes | str):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            raise FactsError(f"{name} is empty.")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                raise FactsError(f"{name} is neither valid JSON nor valid YAML.") from None
    if not isinstance(data, dict):
        raise FactsError(f"{name} must be a JSON object (a mapping of field names to values).")
    try:
        return PatientFacts.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise FactsError(f"{name}: {where}: {first['msg']}") from None


def load_patient_facts(path: Path) -> PatientFacts:
    """Read patient facts from a .json or .yaml file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FactsError(f"Facts file not found: {path}") from None
    except OSError as exc:
        raise FactsError(f"Cannot read {path}: {exc.strerror}") from None
    return parse_patient_facts(raw, name=path.name)
