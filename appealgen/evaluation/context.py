"""What every evaluation task shares: settings, the index (built once), the criteria, and
cached pipeline runs with per-stage timings."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

from appealgen.adapters.embeddings import Embedder, default_embedder
from appealgen.adapters.hybrid import HybridIndex
from appealgen.knowledge.criteria import CriteriaLibrary
from appealgen.models import (
    AppealResult,
    DenialBasis,
    DenialFacts,
    PatientFacts,
)
from appealgen.pipeline import Pipeline
from appealgen.settings import PROJECT_ROOT, Settings
from appealgen.stages.classify import classify
from appealgen.stages.draft import Drafter, TemplateDrafter
from appealgen.stages.extract import extract
from appealgen.stages.parse import parse
from appealgen.stages.render import render
from appealgen.stages.retrieve import Retriever

STAGES = ("parse", "extract", "classify", "retrieve", "assess", "draft", "check", "render")
T = TypeVar("T")


class CachingEmbedder:
    """Wraps an embedder and remembers each text's vector: hybrid and dense search embed
    the same query, and the eval asks the same queries in three modes."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, computing only those not seen before."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            for text, vector in zip(todo, self.inner.embed(todo), strict=True):
                self._cache[text] = vector
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


class Read(BaseModel):
    """parse + extract + classify of one letter."""

    text: str
    facts: DenialFacts
    bases: list[DenialBasis]


class TracedRun(BaseModel):
    """A whole-pipeline result with the milliseconds each stage took."""

    result: AppealResult
    ms: dict[str, float]


def traced_run(
    settings: Settings,
    source: Path,
    patient: PatientFacts | None,
    retriever: Retriever,
    criteria: CriteriaLibrary,
    render_dir: Path,
    drafter: Drafter | None = None,
) -> TracedRun:
    """Pipeline.run with a timer around each stage, then render (md, pdf and docx)."""
    ms: dict[str, float] = {}

    def timed(stage: str, fn: Callable[[], T]) -> T:
        started = time.perf_counter()
        value = fn()
        ms[stage] = ms.get(stage, 0.0) + (time.perf_counter() - started) * 1000
        return value

    pipeline = Pipeline(settings, retriever=retriever, drafter=drafter or TemplateDrafter(), criteria=criteria)
    result = pipeline.run(source, patient, timer=timed)
    timed(
        "render",
        lambda: render(result, render_dir, ("md", "pdf", "docx")),
    )
    return TracedRun(result=result, ms={s: round(ms[s], 3) for s in STAGES})


@dataclass
class EvalContext:
    """Shared state of one evaluation run. The index is built once (or reused) and cached.

    Attributes:
        settings: appealgen settings (corpus_dir is the corpus indexed).
        dataset_dir: the dataset root that tasks' `dataset` names are relative to.
        index: an open corpus index to reuse (tests pass their session index).
        index_dir: a built index folder to reuse (the CLI's --index).
        shared_dir: where the real documents live (real_labels/).
        project_root: where tasks' repository-relative paths (fixtures) start.
    """

    settings: Settings
    dataset_dir: Path
    index: HybridIndex | None = None
    index_dir: Path | None = None
    shared_dir: Path = PROJECT_ROOT.parent / "shared" / "data"
    project_root: Path = PROJECT_ROOT
    notes: list[str] = field(default_factory=list)
    _reads: dict[Path, Read] = field(default_factory=dict)
    _runs: dict[tuple[Path, bool], TracedRun] = field(default_factory=dict)

    @cached_property
    def workdir(self) -> Path:
        """A private temporary folder for index copies and rendered letters."""
        return Path(tempfile.mkdtemp(prefix="appealgen-eval-"))

    @cached_property
    def embedder(self) -> CachingEmbedder:
        """The embedding model, loaded once."""
        return CachingEmbedder(default_embedder(self.settings))

    @cached_property
    def criteria(self) -> CriteriaLibrary:
        """The corpus criteria sets."""
        return CriteriaLibrary.load(self.settings.corpus_dir / "criteria")

    def corpus_index(self) -> HybridIndex:
        """The index over the corpus: the one given, the folder given, or one built now."""
        if self.index is None:
            if self.index_dir is not None:
                self.index = HybridIndex.open(self.index_dir, self.embedder)
            else:
                from appealgen.corpus import chunk_corpus, load_corpus

                docs = load_corpus(self.settings.corpus_dir)
                self.index = HybridIndex.build(
                    chunk_corpus(docs), self.embedder, self.workdir / "index", documents=len(docs)
                )
        return self.index

    def index_copy(self, name: str) -> HybridIndex:
        """A private copy of the corpus index that a task may extend without touching it."""
        source = self.corpus_index().index_dir
        target = self.workdir / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
        return HybridIndex.open(target, self.embedder)

    def read(self, path: Path) -> Read:
        """parse + extract + classify of a letter, computed once."""
        if path not in self._reads:
            run = self._runs.get((path, True)) or self._runs.get((path, False))
            if run:
                r = run.result
                self._reads[path] = Read(text=r.denial_text, facts=r.facts, bases=r.bases)
            else:
                doc = parse(path, limits=self.settings.parse)
                facts = extract(doc)
                self._reads[path] = Read(text=doc.text, facts=facts, bases=classify(doc, facts))
        return self._reads[path]

    def run(
        self, path: Path, patient: PatientFacts | None, with_retrieval: bool = True
    ) -> TracedRun:
        """The whole pipeline on a letter (corpus index, or no retrieval), computed once."""
        key = (path, with_retrieval)
        if key not in self._runs:
            from appealgen.evaluation.baselines import EmptyRetriever

            retriever: Retriever = self.corpus_index() if with_retrieval else EmptyRetriever()
            out = (
                self.workdir
                / "letters"
                / ("full" if with_retrieval else "no-retrieval")
                / path.stem
            )
            self._runs[key] = traced_run(
                self.settings, path, patient, retriever, self.criteria, out
            )
        return self._runs[key]

    def close(self) -> None:
        """Remove the temporary folder."""
        if "workdir" in self.__dict__:
            shutil.rmtree(self.workdir, ignore_errors=True)
