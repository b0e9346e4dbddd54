"""Loaders for the evaluation datasets. Each row is validated into a model, so a malformed
dataset fails loudly with its file and line instead of scoring wrongly."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from appealgen.errors import InputError
from appealgen.models import CriterionStatus, PatientFacts, PlanType

Row = TypeVar("Row", bound=BaseModel)


class DenialCase(BaseModel):
    """A denial letter with its gold labels (eval/datasets/denials/<split>/<id>.{pdf,json})."""

    id: str
    split: str
    pdf: Path
    facts: dict[str, Any] = Field(description="Gold DenialFacts as JSON")
    bases: list[str]
    features: list[str] = Field(default_factory=list)
    patient: PatientFacts | None = None


class RetrievalQuery(BaseModel):
    """A query with the chunks that answer it (eval/datasets/retrieval/queries.jsonl)."""

    id: str
    query: str
    filters: dict[str, Any]
    relevant: list[str | dict[str, str]]
    category: str


class CriteriaCase(BaseModel):
    """Synthetic patient facts with hand-judged statuses (eval/datasets/criteria/cases.jsonl)."""

    id: str
    criteria_set: str
    note: str = ""
    facts: PatientFacts
    gold: dict[str, CriterionStatus]


class DeadlineCase(BaseModel):
    """Plan type, state, letter date and hand-computed due dates (deadlines/cases.jsonl)."""

    id: str
    plan_type: PlanType | None
    state: str | None
    letter_date: date
    note: str = ""
    gold: dict[str, date | None]


def load_jsonl(path: Path, model: type[Row]) -> list[Row]:
    """Every non-blank line of a JSONL file as a model.

    Raises:
        InputError: for a missing file or a line that does not fit the model.
    """
    if not path.is_file():
        raise InputError(f"Dataset file not found: {path}")
    rows: list[Row] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(model.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"{path}:{n}: {str(exc).splitlines()[0]}") from None
    return rows


def load_denials(folder: Path, split: str) -> list[DenialCase]:
    """The letters of one split (every <id>.json with a <id>.pdf beside it), sorted by id.

    Raises:
        InputError: when the split folder is missing or a gold file is malformed.
    """
    root = folder / split
    if not root.is_dir():
        raise InputError(f"Denial split not found: {root}")
    cases = []
    for gold_path in sorted(root.glob("*.json")):
        pdf = gold_path.with_suffix(".pdf")
        if not pdf.is_file():
            continue
        try:
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            cases.append(
                DenialCase(
                    id=gold["id"],
                    split=split,
                    pdf=pdf,
                    facts=gold["facts"],
                    bases=gold["bases"],
                    features=gold.get("features", []),
                )
            )
        except (json.JSONDecodeError, KeyError, ValidationError) as exc:
            raise InputError(
                f"{gold_path}: not a gold label file ({type(exc).__name__}: {exc})"
            ) from None
    return cases


def load_fixtures(folder: Path) -> list[DenialCase]:
    """The test fixtures: letters whose <id>.facts.json holds the patient's facts."""
    cases = []
    for facts_path in sorted(folder.glob("*.facts.json")):
        stem = facts_path.name.removesuffix(".facts.json")
        gold = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        patient = PatientFacts.model_validate_json(facts_path.read_text(encoding="utf-8"))
        cases.append(
            DenialCase(
                id=stem,
                split="fixtures",
                pdf=folder / f"{stem}.pdf",
                facts=gold["facts"],
                bases=gold["bases"],
                features=gold.get("features", []),
                patient=patient,
            )
        )
    return cases
