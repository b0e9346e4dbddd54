"""Check the denial-letter gold labels against their letters and PDFs.

    python eval/datasets/denials/validate.py              # train/, dev/, dev2/ and test/
    python eval/datasets/denials/validate.py --split dev2 # one split (repeatable)
    python eval/datasets/denials/validate.py --fixtures   # tests/fixtures/denials/

Checks, for every <id>.txt: the .json and .pdf exist; the JSON has the expected shape
and vocabularies; member_id, claim_number and denial_reason (whitespace-normalized)
occur verbatim in the .txt; drug, state, deadline and every code occur in the .txt
(codes in their canonical or as-written form); the PDF text (pypdf) contains the
member id. Prints only ids and problems, never letter text. Exit status 1 on problems.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "denials"
SPLITS = ("train", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12",
          "dev13", "dev14", "dev15", "dev16", "dev17", "dev18", "dev19", "dev20", "test")

BASES = {"medical_necessity", "experimental_investigational", "off_label", "step_therapy",
         "missing_information", "prior_authorization_required", "site_of_care", "out_of_network",
         "benefit_exclusion", "formulary_exclusion", "quantity_limit", "coding_billing_error",
         "timely_filing", "eligibility"}
FEATURES = {"multi_basis", "rights_notice_mentions_other_bases", "ocr_noise", "carc_only", "expedited", "pbm"}
PLAN_TYPES = {"commercial_fully_insured", "erisa_self_funded", "aca_marketplace", "medicare_advantage",
              "medicare_part_d", "medicaid_managed_care", "fehb", "unknown"}
FACT_KEYS = ["payer", "plan_type", "state", "member_id", "claim_number", "letter_date", "service_date",
             "drug", "codes", "denial_reason", "stated_deadline_days", "urgent"]
CODE_RX = {
    "icd10": re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"),
    "hcpcs": re.compile(r"^[A-V][0-9]{4}$"),
    "cpt": re.compile(r"^[0-9]{4}[0-9A-Z]$"),
    "ndc": re.compile(r"^[0-9]{5}-[0-9]{4}-[0-9]{2}$"),
    "carc": re.compile(r"^([0-9]{1,3}|[A-Z]{1,2}[0-9]{1,4})$"),
}
PAYER_RX = re.compile(r"^(cigna|humana|aetna|unitedhealthcare|anthem|kaiser|medi-cal|centene|molina|medicare|"
                      r"express-scripts|cvs-caremark|optumrx|prime-therapeutics|bcbs-[a-z]+)$")


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def ndc_forms(ndc: str) -> set[str]:
    a, b, c = ndc.split("-")
    forms = {ndc, a + b + c}
    if a.startswith("0"):
        forms.add(f"{a[1:]}-{b}-{c}")
    if b.startswith("0"):
        forms.add(f"{a}-{b[1:]}-{c}")
    if c.startswith("0"):
        forms.add(f"{a}-{b}-{c[1:]}")
    return forms


def has_token(text: str, tok: str) -> bool:
    return re.search(r"(?<![0-9A-Za-z])" + re.escape(tok) + r"(?![0-9A-Za-z])", text) is not None


def check_one(txt: Path) -> list[str]:
    errs: list[str] = []
    jpath, ppath = txt.with_suffix(".json"), txt.with_suffix(".pdf")
    raw = txt.read_bytes()
    try:
        raw.decode("latin-1").encode("latin-1")
    except UnicodeError:
        errs.append("text is not latin-1")
    text = raw.decode("latin-1")
    if not jpath.exists():
        return errs + ["missing .json"]
    gold = json.loads(jpath.read_text())
    if gold.get("id") != txt.stem:
        errs.append(f"id {gold.get('id')!r} != file stem")
    f = gold.get("facts", {})
    if list(f) != FACT_KEYS:
        errs.append(f"facts keys {list(f)}")
        return errs
    if not PAYER_RX.match(f["payer"] or ""):
        errs.append(f"payer {f['payer']!r}")
    if f["plan_type"] not in PLAN_TYPES:
        errs.append(f"plan_type {f['plan_type']!r}")
    if f["state"] is not None and not (re.fullmatch(r"[A-Z]{2}", f["state"]) and has_token(text, f["state"])):
        errs.append(f"state {f['state']!r}")
    for k in ("member_id", "claim_number"):
        if f[k] is not None and not has_token(text, f[k]):
            errs.append(f"{k} not verbatim (as a whole token) in text")
    for k in ("letter_date", "service_date"):
        if f[k] is not None:
            try:
                dt.date.fromisoformat(f[k])
            except ValueError:
                errs.append(f"{k} not ISO")
    if f["drug"] is not None and (f["drug"] != f["drug"].lower() or f["drug"] not in text.lower()):
        errs.append(f"drug {f['drug']!r}")
    if not f["denial_reason"] or norm(f["denial_reason"]) not in norm(text):
        errs.append("denial_reason not verbatim in text")
    dl = f["stated_deadline_days"]
    if dl is not None and not re.search(rf"\b{dl}\b", text):
        errs.append(f"deadline {dl} not in text")
    if not isinstance(f["urgent"], bool):
        errs.append("urgent not bool")
    codes = f["codes"]
    if sorted(codes) != sorted(CODE_RX):
        errs.append(f"codes keys {sorted(codes)}")
    else:
        for kind, vals in codes.items():
            for c in vals:
                if not CODE_RX[kind].match(c):
                    errs.append(f"{kind} {c!r} not canonical")
                elif kind == "icd10":
                    if not (has_token(text, c) or has_token(text, c.replace(".", ""))):
                        errs.append(f"icd10 {c} not in text")
                elif kind == "ndc":
                    if not any(x in text for x in ndc_forms(c)):
                        errs.append(f"ndc {c} not in text")
                elif not has_token(text, c):
                    errs.append(f"{kind} {c} not in text")
    bases = gold.get("bases", [])
    if not bases or any(b not in BASES for b in bases) or len(set(bases)) != len(bases):
        errs.append(f"bases {bases}")
    feats = gold.get("features", [])
    if any(x not in FEATURES for x in feats):
        errs.append(f"features {feats}")
    if ("multi_basis" in feats) != (len(bases) > 1):
        errs.append("multi_basis feature inconsistent with bases")
    if ("expedited" in feats) != f["urgent"]:
        errs.append("expedited feature inconsistent with urgent")
    if not ppath.exists():
        errs.append("missing .pdf")
    else:
        pdf_text = "\n".join(p.extract_text() or "" for p in PdfReader(str(ppath)).pages)
        mid = f["member_id"]
        if mid is not None and mid not in pdf_text and mid not in norm(pdf_text):
            errs.append("member_id not in PDF text")
    return errs


def check_facts(path: Path) -> list[str]:
    errs = []
    facts = json.loads(path.read_text())
    for k in ("patient", "diagnoses", "labs", "history", "prior_treatments", "prescriber", "site_of_care", "as_of"):
        if k not in facts:
            errs.append(f"facts.json lacks {k}")
    return errs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", action="store_true")
    ap.add_argument("--split", choices=SPLITS, action="append", help="check only this split (repeatable)")
    args = ap.parse_args(argv)
    dirs = [FIXTURES] if args.fixtures else [HERE / s for s in args.split or SPLITS]
    bad = 0
    n = 0
    for d in dirs:
        txts = sorted(d.glob("*.txt"))
        print(f"{d.relative_to(REPO)}: {len(txts)} letters")
        for t in txts:
            n += 1
            errs = check_one(t)
            if args.fixtures:
                fp = t.with_name(t.stem + ".facts.json")
                errs += check_facts(fp) if fp.exists() else ["missing .facts.json"]
            if errs:
                bad += 1
                print(f"  FAIL {t.stem}: " + "; ".join(errs))
    print(f"{n - bad}/{n} ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
