"""Machine-readable coverage criteria (corpus/criteria/*.yaml), validated on load.

The format is documented in docs/CRITERIA_FORMAT.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from appealgen.errors import KnowledgeError

Op = Literal["<", "<=", ">", ">=", "==", "!="]


class LabCompare(BaseModel):
    """Latest lab value compared with a threshold."""

    name: str
    op: Op
    value: float
    unit: str | None = None


class LabResult(BaseModel):
    """Latest lab's categorical result."""

    name: str
    result: str


class LabWithin(BaseModel):
    """Latest lab dated within N days before as_of."""

    name: str
    days: int = Field(ge=0)


class AgeCompare(BaseModel):
    """Whole years of age at as_of."""

    op: Op
    value: int


class HistoryCount(BaseModel):
    """A numeric history item compared with a threshold."""

    name: str
    op: Op
    value: float


class PriorTreatments(BaseModel):
    """At least `min` of the listed drugs tried with one of the outcomes."""

    drugs: list[str]
    min: int = 1
    outcomes: list[str] = Field(default_factory=lambda: ["failed", "intolerant", "contraindicated"])


_KEYS = {
    "all", "any", "not", "diagnosis_in", "sex", "age", "lab", "lab_result", "lab_within",
    "history_flag", "history_count", "prior_treatments", "prescriber_specialty", "site_approved",
}


class Rule(BaseModel):
    """One predicate, or a logical combination of rules. Exactly one key is set."""

    all: list[Rule] | None = None
    any: list[Rule] | None = None
    not_: Rule | None = Field(default=None, alias="not")
    diagnosis_in: list[str] | None = None
    sex: str | None = None
    age: AgeCompare | None = None
    lab: LabCompare | None = None
    lab_result: LabResult | None = None
    lab_within: LabWithin | None = None
    history_flag: str | None = None
    history_count: HistoryCount | None = None
    prior_treatments: PriorTreatments | None = None
    prescriber_specialty: list[str] | None = None
    site_approved: bool | None = None

    model_config = {"populate_by_name": True, "extra": "forbid"}

    @model_validator(mode="before")
    @classmethod
    def _one_key(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a rule must be a mapping with one predicate key")
        unknown = set(data) - _KEYS - {"not_"}
        if unknown:
            raise ValueError(f"unknown predicate {sorted(unknown)[0]!r}; known: {sorted(_KEYS)}")
        if len(data) != 1:
            raise ValueError(f"a rule has exactly one predicate key, got {sorted(data)}")
        return data

    def kind(self) -> str:
        """The predicate key that is set."""
        for key in _KEYS:
            attr = "not_" if key == "not" else key
            if getattr(self, attr) is not None:
                return key
        raise KnowledgeError("empty rule")


class Criterion(BaseModel):
    """One coverage criterion."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str
    passage: str | None = None
    record: str | None = None
    rule: Rule


class CriteriaSet(BaseModel):
    """All criteria for one (drug, payer), or the label-based set when payer is null."""

    id: str
    drug: str
    payer: str | None = None
    title: str
    source_doc: str
    verified: bool = False
    unverified_notes: str | None = None
    criteria: list[Criterion]

    @field_validator("criteria")
    @classmethod
    def _unique(cls, value: list[Criterion]) -> list[Criterion]:
        ids = [c.id for c in value]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate criterion ids: {sorted(dupes)}")
        return value


def load_criteria_file(path: Path) -> CriteriaSet:
    """Read and validate one criteria file; errors name the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CriteriaSet.model_validate(data)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise KnowledgeError(f"{path}: {where}: {first['msg']}") from None


class CriteriaLibrary:
    """Every criteria set in a folder, looked up by (drug, payer) with the label fallback."""

    def __init__(self, sets: list[CriteriaSet]) -> None:
        self.sets = sets

    @classmethod
    def load(cls, folder: Path) -> CriteriaLibrary:
        """Load every *.yaml in folder."""
        if not folder.is_dir():
            raise KnowledgeError(f"Criteria folder not found: {folder}")
        return cls([load_criteria_file(p) for p in sorted(folder.glob("*.yaml"))])

    def find(self, drug: str, payer: str | None) -> CriteriaSet | None:
        """The payer's set for the drug, else the drug's label-based set, else None."""
        drug = drug.lower()
        if payer:
            for s in self.sets:
                if s.drug == drug and s.payer == payer:
                    return s
        return next((s for s in self.sets if s.drug == drug and s.payer is None), None)
