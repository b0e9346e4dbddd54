"""Corpus documents (Markdown + YAML front matter) and their chunks with stable ids.

A chunk id is `<document id>#<heading slug>-<n>`: it depends only on the document id,
the section heading and the chunk's position inside that section, so a citation
survives a re-index and edits to other sections.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from appealgen.errors import InputError, KnowledgeError

MAX_CHUNK_WORDS = 300
_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_KINDS = {"label", "policy", "rule", "guideline"}


class DocumentMeta(BaseModel):
    """Front matter of a corpus document."""

    id: str
    kind: str
    drug: str | None = None
    payer: str | None = None
    plan_types: list[str] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list)
    source_title: str
    source_url: str | None = None
    effective_date: date | str | None = None
    verified: bool = False
    unverified_notes: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in _KINDS:
            raise ValueError(f"kind must be one of {sorted(_KINDS)}")
        return value

    @field_validator("drug", "payer")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else None


class Document(BaseModel):
    """A corpus document: metadata, title and Markdown body."""

    meta: DocumentMeta
    title: str
    body: str
    path: str | None = None


class Chunk(BaseModel):
    """A retrieval unit: part of one section of one document."""

    id: str
    doc_id: str
    title: str
    section: str
    text: str
    meta: DocumentMeta

    def citation(self) -> str:
        """Source title, date and URL, as a letter cites it."""
        parts = [self.meta.source_title]
        if self.meta.effective_date:
            parts.append(str(self.meta.effective_date))
        if self.meta.source_url:
            parts.append(self.meta.source_url)
        return ", ".join(parts)

    def embedding_text(self) -> str:
        """What the dense index embeds: where the text comes from, then the text."""
        return f"{self.title}. {self.section}. {self.text}"


def slugify(heading: str) -> str:
    """Lower-case, every run of non-alphanumerics replaced by '-', trimmed."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or "section"


def load_document(path: Path) -> Document:
    """Read one Markdown document with front matter."""
    raw = path.read_text(encoding="utf-8")
    return parse_document(raw, path=str(path))


def parse_document(raw: str, path: str | None = None) -> Document:
    """Split front matter from body and validate the metadata."""
    where = path or "document"
    if not raw.startswith("---"):
        raise KnowledgeError(f"{where}: missing YAML front matter")
    try:
        _, front, body = raw.split("---", 2)
        meta = DocumentMeta.model_validate(yaml.safe_load(front) or {})
    except (ValueError, yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{where}: invalid front matter: {exc}") from None
    title_match = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
    title = title_match.group(1).strip() if title_match else meta.source_title
    return Document(meta=meta, title=title, body=body.strip(), path=path)


def load_corpus(root: Path) -> list[Document]:
    """Every *.md document under root (criteria and READMEs excluded), sorted by path."""
    if not root.is_dir():
        raise InputError(f"Corpus folder not found: {root}")
    docs = [
        load_document(p)
        for p in sorted(root.rglob("*.md"))
        if p.name.lower() != "readme.md" and "criteria" not in p.parts
    ]
    seen: dict[str, str] = {}
    for d in docs:
        if d.meta.id in seen:
            raise KnowledgeError(f"Duplicate document id {d.meta.id!r} in {seen[d.meta.id]} and {d.path}")
        seen[d.meta.id] = d.path or ""
    return docs


def chunk_document(doc: Document, max_words: int = MAX_CHUNK_WORDS) -> list[Chunk]:
    """Split at headings; split long sections at paragraph (then sentence) boundaries."""
    sections = _sections(doc.body, doc.title)
    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    for heading, text in sections:
        if not text.strip():
            continue
        slug = slugify(heading)
        if slug in used:  # a repeated heading gets its own slug
            used[slug] += 1
            slug = f"{slug}-{used[slug]}"
        else:
            used[slug] = 1
        for n, piece in enumerate(_split_words(text, max_words), start=1):
            chunks.append(
                Chunk(
                    id=f"{doc.meta.id}#{slug}-{n}",
                    doc_id=doc.meta.id,
                    title=doc.title,
                    section=heading,
                    text=piece,
                    meta=doc.meta,
                )
            )
    return chunks


def chunk_corpus(docs: Iterable[Document]) -> list[Chunk]:
    """Chunks of every document, in order."""
    return [c for d in docs for c in chunk_document(d)]


def corpus_hash(chunks: Iterable[Chunk]) -> str:
    """A fingerprint of every chunk id and text (changes when the corpus does)."""
    h = hashlib.sha256()
    for c in chunks:
        h.update(c.id.encode())
        h.update(b"\0")
        h.update(c.text.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _sections(body: str, title: str) -> list[tuple[str, str]]:
    matches = [m for m in _HEADING.finditer(body) if len(m.group(1)) >= 2]
    if not matches:
        return [(title, _strip_title(body))]
    out: list[tuple[str, str]] = []
    intro = _strip_title(body[: matches[0].start()])
    if intro.strip():
        out.append(("Overview", intro))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        out.append((m.group(2).strip(), body[m.end() : end].strip()))
    return out


def _strip_title(text: str) -> str:
    return re.sub(r"^#\s+.+$", "", text, count=1, flags=re.MULTILINE).strip()


def _split_words(text: str, max_words: int) -> list[str]:
    if len(text.split()) <= max_words:
        return [text.strip()]
    units: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        if len(para.split()) <= max_words:
            units.append(para.strip())
        else:
            for sentence in re.split(r"(?<=[.!?])\s+", para):
                words = sentence.split()
                # A run-on sentence longer than a chunk is cut at word boundaries.
                units.extend(" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words))
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for unit in units:
        words = len(unit.split())
        if current and count + words > max_words:
            pieces.append("\n\n".join(current))
            current, count = [], 0
        current.append(unit)
        count += words
    if current:
        pieces.append("\n\n".join(current))
    return pieces
