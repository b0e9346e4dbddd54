"""Code sets: ICD-10-CM (the real code set via simple-icd-10-cm), HCPCS, NDC, CARC/RARC."""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

from appealgen.knowledge._data import load_yaml

ICD10_RE = re.compile(r"\b([A-TV-Z][0-9][0-9AB])(?:\.([0-9A-TV-Z]{1,4}))?\b")
HCPCS_RE = re.compile(r"\b([A-CEGHJ-MP-V][0-9]{4})\b")
# Not a part of an NDC ("55513-0123-01") or of some other hyphenated number.
CPT_RE = re.compile(r"(?<!\d-)\b([0-9]{4}[0-9FTU])\b(?!-\d)")
# The claim adjustment group codes that stand before a CARC ("CO-29", "PR 1"): contractual obligation, patient
# responsibility, other adjustment, payer-initiated reduction, correction and reversal.
ADJUSTMENT_GROUP = r"(?:CO|PR|OA|PI|CR)"
NDC_RE = re.compile(r"\b(\d{4,5})-(\d{3,4})-(\d{1,2})\b|\b(\d{11})\b")


def canonical_icd10(code: str) -> str:
    """Upper-case with a dot after the third character (E119 -> E11.9)."""
    raw = code.strip().upper().replace(".", "")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


@cache
def _icd() -> ModuleType:
    """The ICD-10-CM code set, loaded on first use (importing it takes seconds)."""
    import simple_icd_10_cm

    return simple_icd_10_cm


def icd10_exists(code: str) -> bool:
    """Whether the code is in the ICD-10-CM code set (category or billable code)."""
    try:
        return bool(_icd().is_valid_item(canonical_icd10(code)))
    except Exception:  # noqa: BLE001 - the library raises on malformed input
        return False


def icd10_description(code: str) -> str | None:
    """The official short description, or None for an unknown code."""
    if not icd10_exists(code):
        return None
    return str(_icd().get_description(canonical_icd10(code)))


def normalize_ndc(code: str) -> str | None:
    """An NDC in the 11-digit 5-4-2 form, from any 10-digit 4-4-2, 5-3-2 or 5-4-1 form."""
    code = code.strip()
    if re.fullmatch(r"\d{11}", code):
        return f"{code[:5]}-{code[5:9]}-{code[9:]}"
    m = re.fullmatch(r"(\d{4,5})-(\d{3,4})-(\d{1,2})", code)
    if not m:
        return None
    labeler, product, package = m.groups()
    shape = (len(labeler), len(product), len(package))
    if shape == (4, 4, 2):
        labeler = "0" + labeler
    elif shape == (5, 3, 2):
        product = "0" + product
    elif shape == (5, 4, 1):
        package = "0" + package
    elif shape != (5, 4, 2):
        return None
    return f"{labeler}-{product}-{package}"


@cache
def carc_table() -> dict[str, dict[str, str]]:
    """CARC/RARC code -> {basis, means}."""
    data = load_yaml("carc.yaml")
    return {str(k): v for k, v in data["codes"].items()}
