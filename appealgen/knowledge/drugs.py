"""The drug lexicon: brands, generic names, HCPCS codes, labelled-indication ICD-10 prefixes."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, Field

from appealgen.knowledge._data import load_yaml


class Drug(BaseModel):
    """One drug the corpus covers."""

    id: str
    generic: list[str]
    hcpcs: list[str] = Field(default_factory=list)
    hcpcs_units_per_dose: int | None = None
    indication_icd10: list[str] = Field(default_factory=list)
    verified: bool = False

    def fits_indication(self, icd10: str) -> bool:
        """Whether a diagnosis code falls under one of the labelled indications."""
        code = icd10.upper()
        return any(code.startswith(prefix.upper()) for prefix in self.indication_icd10)


class DrugMention(BaseModel):
    """A drug name found in a text."""

    drug: Drug
    name: str
    start: int
    end: int


class DrugLexicon(BaseModel):
    """All drugs the corpus covers."""

    drugs: list[Drug]

    def get(self, name: str) -> Drug | None:
        """A drug by brand id or generic name (case-insensitive)."""
        key = name.strip().lower()
        for drug in self.drugs:
            if key == drug.id or key in (g.lower() for g in drug.generic):
                return drug
        return None

    def by_hcpcs(self, code: str) -> Drug | None:
        """The drug a HCPCS code bills for."""
        return next((d for d in self.drugs if code.upper() in d.hcpcs), None)

    def all_hcpcs(self) -> set[str]:
        """Every HCPCS code in the lexicon."""
        return {code for d in self.drugs for code in d.hcpcs}

    def find_all(self, text: str) -> list[DrugMention]:
        """Brand and generic mentions in text order (brands shadow their generics)."""
        mentions: list[DrugMention] = []
        for drug in self.drugs:
            for name in [drug.id, *drug.generic]:
                for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w])", text, re.IGNORECASE):
                    mentions.append(DrugMention(drug=drug, name=m.group(0), start=m.start(), end=m.end()))
        return sorted(mentions, key=lambda m: (m.start, -(m.end - m.start)))


@cache
def drug_lexicon() -> DrugLexicon:
    """The bundled drug lexicon."""
    return DrugLexicon.model_validate(load_yaml("drugs.yaml"))
