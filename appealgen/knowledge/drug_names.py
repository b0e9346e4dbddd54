"""Finding the drug a denial letter is about, including drugs the lexicon does not know.

The lexicon (drugs.yaml) covers the corpus drugs only; letters come for any specialty drug.
A drug name shows itself by how letters write it:

* on a request line: "Medication requested: Tremfya (guselkumab) 100 mg/mL pen";
* as a brand with its nonproprietary name: "Leqembi (lecanemab-irmb)", "adalimumab (Humira)";
* as a nonproprietary name, whose ending is a USAN/INN stem ("-mab", "-cept", "-tinib");
* followed by a strength: "VYVGART 10 mg/kg", "Tezspire 210 mg".

Each candidate word is scored on those signs and the best one, earliest on a tie, wins.
A drug named in the letter's decision text beats one named only later (an alternative).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from appealgen.errors import DependencyError
from appealgen.knowledge.drugs import drug_lexicon
from appealgen.knowledge.letter_layout import line_bounds

# Endings of nonproprietary drug names (USAN/INN stems), longest first where they overlap.
_STEMS = (
    "mab", "cept", "tinib", "nib", "ciclib", "parib", "lisib", "zomib", "glutide", "tide", "gepant",
    "sen", "parvovec", "vec", "temcel", "cel", "ase", "ast", "imod", "kinra", "caftor", "tropin",
    "platin", "taxel", "rubicin", "tecan", "stim", "lukast", "vir", "statin", "gliflozin", "gliptin",
    "sartan", "pril", "dronate", "parin", "xaban", "gatran", "mycin", "cillin", "floxacin", "cycline",
    "relin", "zumab", "ximab", "umab", "lumab", "citinib", "amide", "mide", "azole", "lizumab", "ercept",
    "siran",  # small interfering RNAs: inclisiran, vutrisiran, givosiran
)
_GENERIC = re.compile(
    r"\b[a-z]{3,}(?:" + "|".join(sorted(_STEMS, key=len, reverse=True)) + r")(?:-[a-z]{4})?(?:\s+(?:alfa|beta|pegol)(?:-[a-z]{4})?)?\b"
)
_WORD = r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
# Device and pack words written after a brand ("Repatha SureClick", "HYRIMOZ SENSOREADY PEN"): never the drug's name.
_DEVICE_WORDS = (
    "sureclick sensoready unoready one-press clickject kwikpen flexpen flextouch solostar pushtouch autotouch onpro pen pens autoinjector "
    "autoinjectors prefilled pre-filled syringe syringes starter kit vial vials cartridge auto-injector "
    "odt xr er sr dr xl cr"  # release and dosage-form suffixes
)
_DEVICE = set(_DEVICE_WORDS.split())
_DEVICE_RUN = r"(?:[ \t]+(?:" + "|".join(sorted(_DEVICE, key=len, reverse=True)) + r"))"
# "Tremfya (guselkumab)" and "adalimumab (Humira)".
# Two capitalised words may name one product ("Simponi Aria", "Darzalex Faspro"); device words may
# come between the name and its generic ("Vyvgart Hytrulo Prefilled Syringe (efgartigimod alfa ...)").
_BRAND_GENERIC = re.compile(rf"\b((?:[A-Z][A-Za-z0-9]*[ ])?{_WORD})(?i:{_DEVICE_RUN}){{0,2}}\s*\(\s*([A-Za-z][A-Za-z/;, -]{{3,80}}?)\s*\)")
# "(Soliris, eculizumab)": the brand and its generic inside one parenthesis.
_PAREN_PAIR = re.compile(r"\(\s*([A-Z][A-Za-z0-9-]{2,30}),\s*([a-z][a-z -]{3,60})\)")
_BRAND = r"[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
# A table row's label is not part of the generic after it: "Medication acalabrutinib 100 mg tablet (Calquence)".
_NOT_LABEL = r"(?!(?:Medication|Medicine|Drug|Product|Item|Request(?:ed)?|Prescription|Rx|Service)s?\b)"
_GENERIC_BRAND = re.compile(
    rf"\b{_NOT_LABEL}([A-Za-z][a-z-]{{3,40}}(?:\s+[a-z][a-z-]{{3,30}})?|[A-Z][A-Z-]{{3,40}}(?:[ \t]+[A-Z][A-Z-]{{3,30}})?)\s*\(\s*({_BRAND})(?:[ \t]+[A-Z]{{1,4}})?\s*\)"
)
# "semaglutide 2.4 mg/0.75 mL injection pen (Wegovy)", "upadacitinib extended-release 15 mg tablet (RINVOQ)":
# the generic, its form and strength, then the brand (without a dosage-form suffix such as "XR").
_GENERIC_DOSE_BRAND = re.compile(
    rf"\b{_NOT_LABEL}([A-Za-z][A-Za-z-]{{3,40}}(?:[ \t]+[A-Za-z][A-Za-z-]*){{0,3}})[ \t]+\d[^()\n]{{0,60}}?\(\s*({_BRAND})(?:[ \t]+[A-Z]{{1,4}})?\s*\)"
)
# "Adbry Autoinjector 300 mg/2 mL (tralokinumab-ldrm)": the brand, its device and strength, then the generic.
_BRAND_DOSE_GENERIC = re.compile(
    rf"\b({_BRAND}){_DEVICE_RUN}{{0,2}}[ \t]+\d[^()\n]{{0,40}}?\(\s*([a-z][a-z -]{{3,60}}?)\s*\)", re.IGNORECASE
)
# "Hympavzi is a monoclonal antibody": a name the letter says is a drug.
_IS_A_DRUG = re.compile(
    rf"\b({_BRAND}) is (?:an? |the )?(?:[\w-]+ ){{0,3}}(?:antibody|biologic|medication|medicine|drug|injection|infusion|"
    r"gene therapy|enzyme|inhibitor|agonist|antagonist|biosimilar)\b"
)
# An amount on a claim row, its value captured ("1,048.37", "$0.00"): see _nothing_paid.
_AMOUNT = re.compile(r"(?<![\d.,/-])\$?(\d{1,3}(?:,\d{3})*\.\d{2})(?![\d/-])")
# A claim row this letter denies ("Denied   CO-29"): the drug on it is the one the letter is about.
_DENIED_ROW = re.compile(r"\bdenied\b|\b(?:CO|PR|OA|PI)[- ]?\d{1,3}\b", re.IGNORECASE)
# A person the letter names ("Re: Thaddeus M. Greenhalgh", "Dear Ms. Ortiz", "Patient: Lena Ruiz"): never a drug.
_PERSON = re.compile(
    r"\b([A-Z][a-z]{2,})[ \t]+[A-Z]\.[ \t]+([A-Z][a-z']+(?:-[A-Z][a-z']+)?)"
    r"|\b(?:Dear|Mr\.|Ms\.|Mrs\.|Dr\.)[ \t]+([A-Z][a-z]{2,}(?:-[A-Z][a-z']+)?)"
    r"|^[ \t]*(?:patient|member|enrollee|beneficiary|subscriber)(?: name)?[ \t]*:[ \t]*([A-Z][a-z]{2,})"
    # "Re:   Patient Wendell Przybylski-Ames, 3091 Packard Street": a person named after a label word.
    r"|\b(?:patient|member|enrollee|beneficiary|subscriber)[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z]\.)?[ \t]+([A-Z][a-z']+(?:-[A-Z][a-z']+)?),",
    re.MULTILINE | re.IGNORECASE,
)
# "Jivi 3000 IU", and "PEGylated-aucl (Jivi) 3000 IU" or "[BeneFIX] 2000 IU": a brand in brackets before the strength.
_STRENGTH = re.compile(rf"\b({_WORD})[)\]]?{_DEVICE_RUN}{{0,2}}\s+\d+(?:\.\d+)?\s*(?:mg|mcg|g|mL|units?|IU)\b", re.IGNORECASE)
# "J3241 TEPROTUMUMAB-TRBW 160": the name on a claim row right after its drug code.
_AFTER_CODE = re.compile(rf"\b[JQ]\d{{4}}[ \t]+({_WORD})")
# "NovoSeven RT (coagulation factor VIIa, recombinant)": a brand before a biologic's description.
_BRAND_BIOLOGIC = re.compile(
    rf"\b({_BRAND})(?:[ \t]+([A-Z]{{1,4}}))?[ \t]*\([^()\n]{{0,40}}?\b(?:(?:coagulation|antihemophilic) factor|factor [IVX]+a?\b|recombinant\b)"
)
# "your Nucala injection", "Kesimpta Sensoready Pen": a name followed by its form.
_FORM_AFTER = re.compile(
    rf"\b({_BRAND}){_DEVICE_RUN}{{0,2}}[ \t]+(?:injections?|infusions?|tablets?|capsules?|pens?|autoinjectors?|prefilled|therapy)\b",
    re.IGNORECASE,
)
_REQUEST_LINE = re.compile(
    r"^[ \t]*(?:\d+[ \t]+)?(?:re|regarding|subject|(?:requested |billed )?(?:service|drug|medication|medicine|prescription|treatment|item)s?"
    r"(?: requested| billed| name| injection|/service| (?:you |we were )?(?:asked for|requested))?|requested|request|billed)"
    # "Drug requested       ELOCTATE [...]": a two-column field has no colon (reading keeps one space).
    r"(?:[ \t]*(?::|\.{3,})|(?<=(?:drug|tion|cine|vice|ment) requested)(?=[ \t]+[A-Z]))[ \t]*([^\n]{3,120})$",
    re.IGNORECASE | re.MULTILINE,
)
# "Subject: Simponi Aria infusion": a second capitalised word before the form is part of the name.
_SECOND_NAME_WORD = re.compile(r"[ \t]([A-Z][a-z]{2,})(?=[ \t]+(?:infusions?|injections?|tablets?|capsules?)\b)")
# "asked us to cover Repatha", "coverage of REPATHA SURECLICK": the drug the request is for.
_ASKED_FOR = re.compile(
    r"\b(?:asked (?:us )?(?:to )?(?:cover|approve|pay for)|pay (?:you )?back for|reimburse(?: you)? for|(?:request(?:ed)? |requests )?coverage (?:of|for)|request(?:ed)? for|"
    r"prescribed|approve|cover) (?:the )?([A-Z][A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)\b"
    r"(?![^.\n]{0,30}\binstead\b)"  # "your doctor can ask us to approve Inflectra for you instead": an alternative
)
# Words that start request lines or dose descriptions but never name a drug.
_NOT_DRUG_WORDS = (
    "re request requested for of the a an to and or coverage decision decisions prior authorization pre-service "
    "precertification appeal claim claims service services drug drugs medication medicine prescription treatment "
    "item product inj injection injections infusion infusions iv sc oral tablet tablets capsule capsules pen pens "
    "vial vials syringe syringes dose doses unclassified biologic biologics gene therapy one-time single total "
    "maximum daily weekly monthly every per up each office home hospital outpatient specialty brand generic "
    "not on in at is was your our we you patient member plan units unit mg ml hcpcs cpt ndc code codes "
    "date page notice letter loading induction maintenance starting first second review reviews determination "
    "exception formulary quantity limit step denial denied approval approved request adverse pre-service benefit benefits "
    + _DEVICE_WORDS + " "
    "action expedited urgent standard notice"
)
_NOT_DRUG = set(_NOT_DRUG_WORDS.split())


@dataclass
class DrugCandidate:
    name: str
    start: int
    end: int
    signs: dict[str, float]

    @property
    def score(self) -> float:
        return sum(self.signs.values())


def find_drug(text: str, boundary: int) -> tuple[str, int, int] | None:
    """The drug a letter is about: (name as written, start, end), or None.

    Args:
        text: the letter.
        boundary: where its rights notice starts; names before it count more.
    """
    found = drug_candidates(text, boundary)
    # Letters name the drug asked for before the alternatives they offer: the first name with a
    # drug's signs gets a point more (not one on a claim row the plan paid).
    first = next((c for c in found if c.score >= 1.5 and c.start < boundary and not _paid_row(text, c.start)), None)
    if first is not None:
        first.signs["named first"] = 1.0
    best = max(found, key=lambda c: (c.score, -c.start), default=None)
    if best is None or best.score < 1.5:
        return None
    return best.name, best.start, best.end


def _nothing_paid(rest: str) -> bool:
    """Whether a claim row's amounts end in zero after a charge: "1,048.37  0.00  T4" was not paid."""
    amounts = [float(a.replace(",", "")) for a in _AMOUNT.findall(rest)]
    return len(amounts) >= 2 and amounts[-1] == 0 and max(amounts) > 0


def _paid_row(text: str, at: int) -> bool:
    """Whether the line at `at` is a claim row marked paid and not denied."""
    line = text[slice(*line_bounds(text, at))]
    return bool(re.search(r"\bpaid\b", line, re.IGNORECASE)) and not _DENIED_ROW.search(line)


def drug_candidates(text: str, boundary: int) -> list[DrugCandidate]:
    """Every name in the letter that may be a drug, with the signs that say so (a generic
    written beside its brand counted toward the brand), in the order of first mention."""
    lexicon = drug_lexicon()
    found: dict[str, DrugCandidate] = {}
    people = {name.lower() for m in _PERSON.finditer(text) for name in m.groups() if name and name[0].isupper()}

    def add(name: str, start: int, sign: str, points: float) -> None:
        key = name.lower()
        if key in _NOT_DRUG or len(key) < 3 or not re.search(r"[a-z]{3}", key) or re.search(r"\d", key):
            return
        if key in people and not lexicon.get(name):
            return
        cand = found.setdefault(key, DrugCandidate(name, start, start + len(name), {}))
        if start < cand.start:
            cand.name, cand.start, cand.end = name, start, start + len(name)
        # Each sign counts once, however often the name recurs; in the rights notice, half.
        cand.signs[sign] = max(cand.signs.get(sign, 0.0), points if start < boundary else points / 2)

    everyday = everyday_words()
    for m in _REQUEST_LINE.finditer(text):
        value_start = m.start(1)
        for w in re.finditer(_WORD, m.group(1)):
            word = w.group(0).lower()
            # "RE: Second-level appeal decision - Mounjaro 7.5 mg": everyday words are not the drug.
            if len(word) < 3 or word in _NOT_DRUG or (not lexicon.get(word) and all(p in everyday for p in word.split("-"))):
                continue
            if w.group(0)[0].isupper() or _GENERIC.fullmatch(w.group(0)) or lexicon.get(w.group(0)):
                second = _SECOND_NAME_WORD.match(m.group(1), w.end())
                name = w.group(0)
                if second is not None and second.group(1).lower() not in _NOT_DRUG and not lexicon.get(name):
                    name = m.group(1)[w.start() : second.end(1)]
                add(name, value_start + w.start(), "request line", 4.0)
            break
    for m in _ASKED_FOR.finditer(text[:boundary]):
        add(m.group(1), m.start(1), "asked for", 3.0)
    # (brand key, generic keys) written side by side; merged once every name has been seen.
    brand_first: list[tuple[str, list[str]]] = []
    generic_first: list[tuple[str, str]] = []
    for m in _BRAND_GENERIC.finditer(text):
        name, start = _brand_words(m.group(1), m.start(1))
        generic = m.group(2).lower()
        if not (m.group(1)[0].isupper() and _GENERIC.search(generic)):
            continue  # "belimumab (Benlysta)" is the other way round: _GENERIC_BRAND reads it
        if name[0].isupper() and not _GENERIC.fullmatch(name.lower()):
            add(name, start, "beside its generic", 3.0)
        brand_first.append((name.lower(), re.split(r"[/;, ]+", generic)))
    for m in _PAREN_PAIR.finditer(text):
        if _GENERIC.search(m.group(2)):
            add(m.group(1), m.start(1), "beside its generic", 3.0)
    for m in _BRAND_DOSE_GENERIC.finditer(text):
        name = m.group(1)
        # "Cigna Coverage Policy 1702 (Crizanlizumab-tmca)": an everyday word before a number is no brand.
        everyday_name = bool(everyday) and name.lower() in everyday and not lexicon.get(name)
        if name[0].isupper() and _GENERIC.search(m.group(2).lower()) and not _GENERIC.fullmatch(name.lower()) and not everyday_name:
            add(name, m.start(1), "beside its generic", 3.0)
            brand_first.append((name.lower(), re.split(r"[/;, ]+", m.group(2).lower())))
    for m in (*_GENERIC_BRAND.finditer(text), *_GENERIC_DOSE_BRAND.finditer(text)):
        # "etranacogene dezaparvovec-drlb (Hemgenix)": the stem may show only in the last word.
        # "deutetrabenazine (Austedo XR)", "obeticholic acid 5 mg tablet (Ocaliva)": no stem, but
        # a long word no dictionary holds beside a brand no dictionary holds. Before a dose, the
        # name as written is every word up to the number ("the prescription of apremilast 30 mg
        # tablets (Otezla)": its last word, apremilast, carries the stem).
        written = m.group(1).lower()
        head, generic = written.split()[0], written.split()[-1]
        brand = m.group(2).lower()
        known = lexicon.get(written)
        # Only a lower-case word can be an unlisted generic: "Highmark (ERISA)", "Self-funded (ASO)" are not.
        unusual = bool(everyday) and m.group(1)[0].islower() and head.isalpha() and len(head) >= 8 and head not in everyday
        if (_GENERIC.fullmatch(generic) or _GENERIC.fullmatch(written) or _GENERIC.fullmatch(head)
                or (known and known.id != written)
                or (unusual and brand not in everyday)):
            add(m.group(2), m.start(2), "beside its generic", 3.0)
            generic_first += [(key, brand) for key in {written, generic, head}]
    for mention in lexicon.find_all(text):
        add(mention.name, mention.start, "lexicon", 2.0 if mention.name.lower() == mention.drug.id else 1.5)
    for m in _AFTER_CODE.finditer(text):
        word = m.group(1)
        stem = word.lower().split("-")[0]
        if _GENERIC.fullmatch(word.lower()) or lexicon.get(word) or (word[0].isupper() and everyday and stem not in everyday and len(stem) >= 4):
            add(word, m.start(1), "after its code", 2.0)
    for m in _BRAND_BIOLOGIC.finditer(text):
        if everyday and m.group(1).lower() not in everyday:
            # "NovoSeven RT" is the product's whole name; "Austedo XR" is Austedo in one form.
            suffix = m.group(2) if m.group(2) and m.group(2).lower() not in _DEVICE else None
            add(text[m.start(1) : m.end(2)] if suffix else m.group(1), m.start(1), "beside its generic", 3.0)
    for m in _STRENGTH.finditer(text):
        if m.group(1)[0].isupper() or _GENERIC.fullmatch(m.group(1).lower()):
            add(m.group(1), m.start(1), "strength", 1.5)
            row_end = line_bounds(text, m.start(), m.end())[1]
            if m.start() < boundary and (_DENIED_ROW.search(text, m.end(), row_end) or _nothing_paid(text[m.end() : row_end])):
                add(m.group(1), m.start(1), "denied row", 1.5)
    for m in _IS_A_DRUG.finditer(text[:boundary]):
        if everyday and m.group(1).lower() not in everyday:
            add(m.group(1), m.start(1), "said to be a drug", 2.0)
    for m in _FORM_AFTER.finditer(text[:boundary]):
        name, form = m.group(1), m.group(0).split()[-1]
        # A form in lower case is running text ("your Nucala injection"); in title case it names a
        # business ("Lakeshore Infusion and Gastroenterology"), unless the whole line shouts.
        running = form.islower() or (name.isupper() and form.isupper())
        if running and name[0].isupper() and everyday and name.lower() not in everyday and name.lower() not in _NOT_DRUG:
            add(name, m.start(1), "form after", 1.5)
    for m in _GENERIC.finditer(text.lower()):
        if " " not in m.group(0):
            add(text[m.start() : m.end()], m.start(), "generic stem", 0.5)
    # A brand written beside its generic stands for it: "adalimumab (Humira)" is about Humira.
    for generic_key, brand_key in generic_first:
        generic, brand = found.get(generic_key), found.get(brand_key)
        if generic and brand:
            _merge(generic, into=brand)
    for brand_key, generic_keys in brand_first:
        brand = found.get(brand_key)
        for g in generic_keys:
            generic = found.get(g)
            if brand and generic and generic is not brand:
                _merge(generic, into=brand)
    # "Simponi" on a request line and "Simponi Aria (golimumab)" beside it are one product.
    for cand in list(found.values()):
        words = cand.name.split(" ")
        first = found.get(words[0].lower()) if len(words) == 2 else None
        if first is not None and first is not cand:
            _merge(first, into=cand)
    for cand in found.values():
        drug = lexicon.get(cand.name)
        brand = found.get(drug.id) if drug else None
        if brand is not None and brand is not cand:
            _merge(cand, into=brand)
    return sorted((c for c in found.values() if c.signs), key=lambda c: c.start)


def _brand_words(name: str, start: int) -> tuple[str, int]:
    """A two-word product name, or its last word when the first is not part of a name ("Service Tysabri")."""
    words = name.split(" ")
    if len(words) == 2 and words[1].lower() in _DEVICE:
        return words[0], start  # "Orencia ClickJect": the device is not part of the name
    if len(words) == 2 and re.fullmatch(r"[A-Z]{1,4}", words[1]) and not re.fullmatch(r"[A-Z]{1,4}", words[0]):
        return words[0], start  # a dosage-form suffix ("Nurtec ODT", "Xeljanz XR") is not part of the name
    if len(words) == 2 and (
        words[0].lower() in _NOT_DRUG or not re.fullmatch(r"[A-Za-z]{3,}", words[0]) or _lexicon_word(words[1])
    ):
        return words[1], start + len(words[0]) + 1
    return name, start


@functools.cache
def everyday_words() -> frozenset[str]:
    """Lower-case everyday words: the whole words of the bundled MiniLM encoder's vocabulary
    (30,522 word pieces); drug brands and most nonproprietary names are not among them.
    Empty if the encoder's package is not installed (the rules then use only stems and the lexicon)."""
    from appealgen.adapters.embeddings import model_dir

    try:
        with (model_dir() / "vocab.txt").open(encoding="utf-8") as f:
            return frozenset(w for w in (line.strip() for line in f) if w.isalpha())
    except (OSError, DependencyError):
        return frozenset()


def _lexicon_word(word: str) -> bool:
    """Whether a word is a drug the lexicon knows (a known brand stands alone)."""
    return drug_lexicon().get(word) is not None


def _merge(other: DrugCandidate, into: DrugCandidate) -> None:
    """Count another name's signs (a generic's, say) toward the name it stands for."""
    for sign, points in other.signs.items():
        into.signs[sign] = max(into.signs.get(sign, 0.0), points)
    other.signs = {}
