"""The `appealgen` command line. Errors become a one-line message and an exit code here only."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from appealgen import errors
from appealgen.settings import Settings


def _print_json(data: Any) -> None:
    if isinstance(data, BaseModel):
        print(data.model_dump_json(indent=2))
    else:
        print(json.dumps(data, indent=2, default=str))


def _cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.patient_facts import load_patient_facts
    from appealgen.pipeline import Pipeline
    from appealgen.stages.render import render

    patient = load_patient_facts(Path(args.facts)) if args.facts else None
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    result = Pipeline(settings).run(Path(args.denial), patient)
    files = render(result, Path(args.out), formats)
    if args.json:
        _print_json(result)
    else:
        verdict = "passed" if result.check.passed else f"has {len(result.check.findings)} finding(s)"
        print(f"Letter: {files.get('md') or next(iter(files.values()))} (check {verdict})")
        print(f"Packet: {files.get('packet.md') or files.get('packet.pdf') or files.get('packet.docx')}")
        for f in result.check.findings:
            print(f"  [{f.severity}] {f.rule}: {f.message}")
    return 0


def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.stages.extract import extract
    from appealgen.stages.parse import parse

    facts = extract(parse(Path(args.denial), limits=settings.parse))
    _print_json(facts.model_dump(mode="json", exclude={"spans"}) if not args.spans else facts)
    return 0


def _cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.stages.extract import extract
    from appealgen.stages.llm_classifier import basis_classifier
    from appealgen.stages.parse import parse

    doc = parse(Path(args.denial), limits=settings.parse)
    bases = basis_classifier(settings).classify(doc, extract(doc))
    if args.json:
        _print_json({"bases": [b.model_dump(mode="json") for b in bases]})
    else:
        for b in bases:
            print(f"{b.id} ({b.confidence:.2f}): {b.evidence.text}")
    return 0


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from appealgen.adapters.embeddings import default_embedder
    from appealgen.adapters.hybrid import HybridIndex
    from appealgen.corpus import chunk_corpus, load_corpus
    from appealgen.errors import IndexMissingError
    from appealgen.ingest import ingest

    added = [
        ingest(Path(f), kind=args.kind, drug=args.drug, payer=args.payer, title=args.title, limits=settings.parse)
        for f in args.add or []
    ]
    embedder = default_embedder(settings)
    existing = None
    if added and not args.corpus:
        try:
            existing = HybridIndex.open(settings.index_dir, embedder, settings.chroma_url)
        except IndexMissingError:
            existing = None
    docs = added if existing else load_corpus(Path(args.corpus) if args.corpus else settings.corpus_dir) + added
    chunks = chunk_corpus(docs)
    with tqdm(total=len(chunks), desc="Indexing", unit="chunk", disable=args.json or not sys.stderr.isatty()) as bar:
        if existing:
            existing.add(chunks, documents=len(docs), progress=bar.update)
            index = existing
        else:
            index = HybridIndex.build(chunks, embedder, settings.index_dir, settings.chroma_url,
                                      documents=len(docs), progress=bar.update)
    counts = {"documents": len(docs), "chunks": len(chunks), "seconds": index.manifest.seconds,
              "index_dir": str(settings.index_dir), "corpus_hash": index.manifest.corpus_hash}
    if args.json:
        _print_json(counts)
    else:
        print(f"Indexed {len(docs)} documents, {len(chunks)} chunks in {index.manifest.seconds:.1f} s -> {settings.index_dir}")
    return 0


def _cmd_retrieve(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.adapters.embeddings import default_embedder
    from appealgen.adapters.hybrid import HybridIndex, SearchFilters

    index = HybridIndex.open(settings.index_dir, default_embedder(settings), settings.chroma_url)
    filters = SearchFilters(drug=args.drug, payer=args.payer, state=args.state, plan_type=args.plan_type,
                            kinds=[args.kind] if args.kind else [])
    passages = index.search(args.query, filters, k=args.k, mode=args.mode)
    rows = [{"id": p.id, "source": p.source, "title": p.title, "section": p.section, "text": p.text, "score": p.score}
            for p in passages]
    if args.json:
        _print_json({"passages": rows})
    else:
        for r in rows:
            print(f"{r['score']:.4f}  {r['id']}  ({r['section']})")
    return 0


def _cmd_assess(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.knowledge.criteria import CriteriaLibrary
    from appealgen.patient_facts import load_patient_facts
    from appealgen.stages.assess import assess

    library = CriteriaLibrary.load(settings.corpus_dir / "criteria")
    result = assess(load_patient_facts(Path(args.facts)), args.drug.lower(), args.payer, library)
    if result.criteria_set is None:
        raise errors.InputError(f"No criteria for drug {args.drug!r} in {settings.corpus_dir / 'criteria'}.")
    rows = [{"id": c.id, "text": c.text, "status": c.status, "evidence": c.evidence, "passage_id": c.passage_id}
            for c in result.criteria]
    if args.json:
        _print_json({"criteria_set": result.criteria_set, "criteria": rows, "unknown_fact_fields": result.unknown_fact_fields})
    else:
        for r in rows:
            print(f"{r['status']:8} {r['id']}: {r['evidence']}")
    return 0


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.models import AppealResult
    from appealgen.stages.check import check

    letter_path, result_path = Path(args.letter), Path(args.result)
    try:
        letter = letter_path.read_text(encoding="utf-8")
        result = AppealResult.model_validate_json(result_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise errors.InputError(f"File not found: {exc.filename}") from None
    except ValueError as exc:
        raise errors.InputError(f"{result_path} is not an appealgen result.json ({type(exc).__name__}).") from None
    report = check(letter, result.check_context())
    if args.json:
        _print_json(report)
    else:
        print("passed" if report.passed else "failed")
        for f in report.findings:
            print(f"  [{f.severity}] {f.rule}: {f.message}")
    return 0 if report.passed else 1


def _cmd_deadlines(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.knowledge.appeal_rules import deadlines

    try:
        letter_date = date.fromisoformat(args.letter_date) if args.letter_date else None
    except ValueError:
        raise errors.InputError(f"--letter-date must be YYYY-MM-DD, got {args.letter_date!r}") from None
    rows = deadlines(args.plan_type, args.state, letter_date)
    if args.json:
        _print_json({"deadlines": [r.model_dump(mode="json") for r in rows]})
    else:
        for r in rows:
            span = f"{r.days} {r.day_type} days" if r.days else (f"{r.months} months" if r.months else "-")
            print(f"{r.step:28} due {r.due or '-':10}  {span:18} {r.citation}")
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from appealgen.api.app import create_app

    if args.workers > 1:  # each worker process builds its app from the same APPEALGEN_* environment
        uvicorn.run("appealgen.api.app:app_from_environment", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level)
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from appealgen.store import SqlCaseStore

    store = SqlCaseStore.from_settings(settings)
    try:
        if args.keys_command == "create":
            _key, secret = store.create_key(args.name)
            print(secret)
            print(f"Created key {args.name!r}; it is shown only this once.", file=sys.stderr)
        elif args.keys_command == "revoke":
            key = store.revoke_key(args.name)
            print(f"Revoked key {key.name!r}.")
        else:
            keys = store.list_keys()
            rows = [{"name": k.name, "created": k.created_at.isoformat(timespec="seconds"),
                     "revoked": k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else None} for k in keys]
            if args.json:
                _print_json({"keys": rows})
            else:
                for r in rows:
                    print(f"{r['name']:30} created {r['created']}  {'revoked ' + r['revoked'] if r['revoked'] else 'active'}")
    finally:
        store.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    p = argparse.ArgumentParser(prog="appealgen", description="Grounded appeals of specialty-drug denials.")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("draft", help="the whole pipeline: denial -> letter, appeal packet and result.json")
    d.add_argument("denial")
    d.add_argument("--facts")
    d.add_argument("--out", default="out")
    d.add_argument("--format", default="md")
    d.add_argument("--json", action="store_true")
    d.set_defaults(fn=_cmd_draft)

    e = sub.add_parser("extract", help="parse + extract DenialFacts")
    e.add_argument("denial")
    e.add_argument("--json", action="store_true")
    e.add_argument("--spans", action="store_true", help="include where each value occurs")
    e.set_defaults(fn=_cmd_extract)

    c = sub.add_parser("classify", help="parse + extract + classify denial bases")
    c.add_argument("denial")
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=_cmd_classify)

    i = sub.add_parser("index", help="build the retrieval index from the corpus")
    i.add_argument("--corpus")
    i.add_argument("--add", nargs="*", help="documents to add: FDA SPL .xml, .pdf, .md, .txt")
    i.add_argument("--kind", default="label", choices=["label", "policy", "rule", "guideline"])
    i.add_argument("--drug", help="drug the added documents are about")
    i.add_argument("--payer", help="payer the added documents come from")
    i.add_argument("--title", help="source title of the added documents")
    i.add_argument("--json", action="store_true")
    i.set_defaults(fn=_cmd_index)

    r = sub.add_parser("retrieve", help="search the index")
    r.add_argument("query")
    r.add_argument("--drug")
    r.add_argument("--payer")
    r.add_argument("--state")
    r.add_argument("--plan-type")
    r.add_argument("--kind", choices=["label", "policy", "rule", "guideline"])
    r.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    r.add_argument("-k", type=int, default=5)
    r.add_argument("--json", action="store_true")
    r.set_defaults(fn=_cmd_retrieve)

    a = sub.add_parser("assess", help="check patient facts against coverage criteria")
    a.add_argument("--drug", required=True)
    a.add_argument("--payer")
    a.add_argument("--facts", required=True)
    a.add_argument("--json", action="store_true")
    a.set_defaults(fn=_cmd_assess)

    k = sub.add_parser("check", help="check a (possibly edited) letter against its result.json")
    k.add_argument("letter")
    k.add_argument("--result", required=True)
    k.add_argument("--json", action="store_true")
    k.set_defaults(fn=_cmd_check)

    dl = sub.add_parser("deadlines", help="appeal routes and due dates")
    dl.add_argument("--plan-type", required=True)
    dl.add_argument("--state")
    dl.add_argument("--letter-date")
    dl.add_argument("--json", action="store_true")
    dl.set_defaults(fn=_cmd_deadlines)

    sv = sub.add_parser("serve", help="the web page and REST API (uvicorn)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    sv.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (about one per CPU core)")
    sv.set_defaults(fn=_cmd_serve)

    ks = sub.add_parser("keys", help="API keys: create, revoke, list")
    ks_sub = ks.add_subparsers(dest="keys_command", required=True)
    kc = ks_sub.add_parser("create", help="make a key; prints it once on its own line")
    kc.add_argument("name")
    kr = ks_sub.add_parser("revoke", help="revoke a key by name")
    kr.add_argument("name")
    kl = ks_sub.add_parser("list", help="names, created, revoked (never the keys)")
    kl.add_argument("--json", action="store_true")
    ks.set_defaults(fn=_cmd_keys)

    from appealgen.evaluation.cli import add_parser as add_eval_parser

    add_eval_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 ok, 2 bad input, 3 dependency failed, 1 bug (or a failed check)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.fn(args, Settings()))
    except errors.AppealgenError as exc:
        print(f"appealgen: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
