"""California Independent Medical Review outcomes: how often DMHC's reviewers overturned a plan.

The counts come from DMHC's published determinations (2001-2016), aggregated by
scripts/ca_imr_rates.py into data/ca_imr_rates.yaml. Only denial bases with a matching
IMR type get a figure; for the others there is no comparable history, and none is guessed.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, Field

from appealgen.knowledge._data import load_yaml

# Denial basis -> the IMR "Type" that covers it. Other bases have no matching IMR type.
IMR_TYPES: dict[str, str] = {
    "medical_necessity": "Medical Necessity",
    "experimental_investigational": "Experimental/Investigational",
}
DRUG_TREATMENT_CATEGORY = "Pharmacy/Prescription Drugs"


class Outcomes(BaseModel):
    """Overturned and upheld counts."""

    overturned: int
    upheld: int


class ImrType(Outcomes):
    """One IMR type's outcomes, overall and per treatment category."""

    treatment_categories: dict[str, Outcomes] = Field(default_factory=dict)


class ImrSource(BaseModel):
    """Where the counts come from."""

    name: str
    publisher: str
    url: str | None = None
    url_note: str | None = None
    covers: str | None = None


class ImrRate(BaseModel):
    """An overturn rate with its denominator and the years it covers."""

    imr_type: str
    treatment_category: str | None = None
    overturned: int
    total: int
    first_year: int
    last_year: int

    @property
    def percent(self) -> float:
        """Overturned as a share of all determinations, in percent (one decimal)."""
        return round(100 * self.overturned / self.total, 1) if self.total else 0.0

    def phrase(self) -> str:
        """E.g. '6,187 of 13,572 overturned (45.6%), 2001-2016'."""
        return f"{self.overturned:,} of {self.total:,} overturned ({self.percent}%), {self.first_year}-{self.last_year}"


class ImrTable(BaseModel):
    """The aggregated determinations file."""

    source: ImrSource
    first_year: int
    last_year: int
    rows: int
    types: dict[str, ImrType]

    def rate(self, imr_type: str, treatment_category: str | None = None) -> ImrRate | None:
        """The overturn rate for an IMR type (and treatment category), or None when there is no such row."""
        row = self.types.get(imr_type)
        if row is None:
            return None
        counts: Outcomes | None = row.treatment_categories.get(treatment_category) if treatment_category else row
        if counts is None:
            return None
        return ImrRate(
            imr_type=imr_type,
            treatment_category=treatment_category,
            overturned=counts.overturned,
            total=counts.overturned + counts.upheld,
            first_year=self.first_year,
            last_year=self.last_year,
        )


@cache
def imr_table() -> ImrTable:
    """The bundled IMR counts."""
    return ImrTable.model_validate(load_yaml("ca_imr_rates.yaml"))


def imr_type_for(basis: str) -> str | None:
    """The IMR type that matches a denial basis, or None when no IMR type matches it."""
    return IMR_TYPES.get(basis)
