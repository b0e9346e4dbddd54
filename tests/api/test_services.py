"""Services: the pipeline lock does not hold while a letter waits on the LLM endpoint."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from appealgen.adapters.llm import FakeChat
from appealgen.api.deps import Services
from appealgen.pipeline import Pipeline
from appealgen.stages.llm_drafter import LLMDrafter
from appealgen.store import SqlCaseStore
from tests.api.conftest import CIGNA, FakeRetriever, make_settings

WAIT_S = 1.0


def slow_reply(system: str, user: str) -> str:
    """A good argument, after a pause like a busy LLM endpoint's."""
    time.sleep(WAIT_S)
    return json.dumps({"argument": "The records show the patient meets each coverage criterion listed below."})


class TestServices:
    def test_letters_waiting_on_the_llm_do_not_queue_behind_each_other(self, tmp_path: Path) -> None:
        settings = make_settings(tmp_path)
        pipeline = Pipeline(settings, retriever=FakeRetriever(), drafter=LLMDrafter(FakeChat(slow_reply)))
        services = Services(settings=settings, store=SqlCaseStore.from_settings(settings), pipeline=pipeline)
        text = CIGNA.with_suffix(".txt").read_text()
        services.draft(text, None, None)  # warm-up: lazy loads
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(lambda _: services.draft(text, None, None), range(3)))
        elapsed = time.monotonic() - start
        assert all(s.origin == "llm" for r in results for s in r.draft.sections if s.kind == "basis")
        # Held across drafting, the lock would make three letters take at least 3 x WAIT_S.
        assert elapsed < 2 * WAIT_S, elapsed
