"""Ingestion of documents users bring: FDA SPL XML, EMA leaflets, PDF, Markdown and text.

Each becomes a corpus Document whose `##` sections come from the document's own
structure (SPL <section> titles, Markdown headings, numbered or capitalised PDF headings),
so retrieval cites the source's own sections.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

from appealgen.corpus import Document, DocumentMeta, parse_document, slugify
from appealgen.errors import DocumentError, InputError
from appealgen.settings import ParseLimits

_SPL_NS = {"v3": "urn:hl7-org:v3"}
# Skipped: packaging panels and data elements (no clinical facts), and the Medication Guide and
# patient insert, which restate the prescribing information in lay terms: appeals cite the PI.
_SKIP_SPL = re.compile(
    r"package label|principal display panel|spl product data|medication guide|patient (?:package insert|information)",
    re.IGNORECASE,
)
_SPL_UNTITLED = {
    "SPL MEDGUIDE SECTION": "Medication Guide",
    "SPL PATIENT PACKAGE INSERT SECTION": "Patient Information",
    "BOXED WARNING SECTION": "Boxed Warning",
    "SPL UNCLASSIFIED SECTION": "",
}
_PDF_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z][^\n]{2,80}|[A-Z][A-Z0-9 ,&/()'-]{3,80})$")


def ingest(
    path: Path,
    *,
    kind: str = "label",
    drug: str | None = None,
    payer: str | None = None,
    doc_id: str | None = None,
    title: str | None = None,
    states: list[str] | None = None,
    plan_types: list[str] | None = None,
    limits: ParseLimits | None = None,
) -> Document:
    """Turn a user's file into a corpus Document with sections from its own structure.

    Args:
        path: a .xml (FDA SPL), .pdf, .md or .txt file.
        kind: label, policy, rule or guideline.
        drug: the drug it is about (lower-case brand), if any.
        payer: the payer id it is from, if any.
        doc_id: the document id (default: from the file name).
        title: the source title (default: from the document).
        states: states it applies to (empty: all).
        plan_types: plan types it applies to (empty: all).
        limits: parsing limits for PDFs.

    Raises:
        InputError: for a missing file or an unsupported type.
        DocumentError: for an unreadable document.
    """
    if not path.is_file():
        raise InputError(f"File not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt") and path.read_text(encoding="utf-8", errors="replace").startswith("---"):
        return parse_document(path.read_text(encoding="utf-8"), path=str(path))
    if suffix == ".xml":
        doc_title, effective, body = _spl_sections(path)
    elif suffix == ".pdf":
        doc_title, effective, body = _pdf_sections(path, limits)
    elif suffix in (".md", ".markdown", ".txt"):
        doc_title, effective, body = _text_sections(path)
    else:
        raise InputError(f"Cannot ingest {path.name}: use .xml (FDA SPL), .pdf, .md or .txt.")
    meta = DocumentMeta(
        id=doc_id or slugify(path.stem),
        kind=kind,
        drug=drug,
        payer=payer,
        states=states or [],
        plan_types=plan_types or [],
        source_title=title or doc_title,
        source_url=None,
        effective_date=effective,
        verified=True,  # the text is the source's own; nothing is restated
    )
    return Document(meta=meta, title=title or doc_title, body=body, path=str(path))


def _spl_sections(path: Path) -> tuple[str, date | None, str]:
    """Title, effective date and `##` sections of an HL7 SPL document (as DailyMed publishes)."""
    try:
        # The standard library parser does not expand external entities; size is bounded by the caller.
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DocumentError(f"{path.name} is not well-formed XML ({exc}).") from None
    if not root.tag.endswith("document"):
        raise DocumentError(f"{path.name} is not an SPL document.")
    title_el = root.find("v3:title", _SPL_NS)
    raw_title = " ".join("".join(title_el.itertext()).split()) if title_el is not None else path.stem
    product = re.search(r"([A-Z][A-Z0-9-]+ \([a-z -]+\))", raw_title)
    doc_title = f"{product.group(1)} prescribing information (FDA SPL)" if product else raw_title[:120]
    effective = None
    eff = root.find("v3:effectiveTime", _SPL_NS)
    if eff is not None and re.fullmatch(r"\d{8}", eff.get("value", "")[:8]):
        v = eff.get("value", "")
        effective = date(int(v[:4]), int(v[4:6]), int(v[6:8]))
    parts: list[str] = [f"# {doc_title}"]
    body = root.find("v3:component/v3:structuredBody", _SPL_NS)
    if body is not None:
        _walk_spl(body, [], parts)
    return doc_title, effective, "\n\n".join(parts)


def _walk_spl(node: ET.Element, trail: list[str], parts: list[str]) -> None:
    for comp in node.findall("v3:component", _SPL_NS):
        section = comp.find("v3:section", _SPL_NS)
        if section is None:
            continue
        title_el = section.find("v3:title", _SPL_NS)
        code = section.find("v3:code", _SPL_NS)
        title = " ".join("".join(title_el.itertext()).split()) if title_el is not None else ""
        display = code.get("displayName", "") if code is not None else ""
        label = title or _SPL_UNTITLED.get(display.upper(), display.title().replace("Spl ", ""))
        if _SKIP_SPL.search(label or ""):
            continue
        text_el = section.find("v3:text", _SPL_NS)
        text = _spl_text(text_el) if text_el is not None else ""
        heading = " - ".join([*trail[-1:], label]) if label else " - ".join(trail[-1:]) or "Section"
        children = [
            " ".join("".join(t.itertext()).split())
            for t in section.findall("v3:component/v3:section/v3:title", _SPL_NS)
        ]
        if not text.strip() and children:
            # A parent with only subsections: list them, so the section itself can be found.
            text = f"{label} covers: " + "; ".join(c for c in children if c) + "."
        if text.strip():
            parts.append(f"## {heading}\n\n{text}")
        _walk_spl(section, [*trail, label] if label else trail, parts)


def _spl_text(element: ET.Element) -> str:
    """Paragraphs and list items of an SPL <text>, one per line."""
    lines: list[str] = []
    for child in element.iter():
        tag = child.tag.split("}")[-1]
        if tag in ("paragraph", "item", "caption", "td"):
            words = " ".join("".join(child.itertext()).split())
            if words and (not lines or lines[-1] != words):
                lines.append(words)
    if not lines:
        lines = [" ".join("".join(element.itertext()).split())]
    return "\n\n".join(lines)


_NAVIGATION = re.compile(r"^##\s+(?:what is in this leaflet|contents|table of contents|test purposes only)\b.*$", re.IGNORECASE)


def _drop_navigation(text: str) -> str:
    """Remove table-of-contents and marker sections: they list headings, not facts."""
    blocks = re.split(r"(?m)^(?=##\s)", text)
    return "".join(b for b in blocks if not _NAVIGATION.match(b.split("\n", 1)[0]))


def _text_sections(path: Path) -> tuple[str, date | None, str]:
    """A Markdown/text file: its own `##` headings (an EMA leaflet has them), else one section."""
    text = _drop_navigation(path.read_text(encoding="utf-8", errors="replace"))
    headings = re.findall(r"^##\s+(.+)$", text, re.MULTILINE)
    if not headings:
        return path.stem, None, f"## {path.stem}\n\n{text}"
    # A leaflet's own title line ("Package leaflet: Information for the user") names the document.
    own = next(
        (h.strip() for h in headings if re.search(r"leaflet|prescribing information|summary of product", h, re.IGNORECASE)), None
    )
    drug = path.stem.split("_")[0].capitalize()
    return (f"{drug} {own}" if own else path.stem.replace("_", " ")), None, text


def _pdf_sections(path: Path, limits: ParseLimits | None) -> tuple[str, date | None, str]:
    """A PDF: its text, with numbered or capitalised heading lines made into sections."""
    from appealgen.stages.parse import parse

    doc = parse(path, limits=limits)
    lines = []
    for line in doc.text.split("\n"):
        stripped = line.strip()
        if _PDF_HEADING.match(stripped) and len(stripped.split()) <= 12:
            lines.append(f"\n## {stripped}\n")
        else:
            lines.append(line)
    body = "\n".join(lines)
    first = next((ln.strip() for ln in doc.text.split("\n") if ln.strip()), path.stem)
    return first[:120], None, body
