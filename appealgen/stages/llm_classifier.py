"""An LLM beside the rules classifier: it may add bases, each backed by a quote found in the letter.

Used only when an LLM endpoint is configured. The rules result stays as it is (its primary
basis stays primary); the model's answer adds a basis only when the words it quotes occur in
the letter's decision text (exactly, or after collapsing whitespace), and the quote becomes
the evidence span. A quote that is not in the letter, or that sits in the appeal-rights
notice, is ignored, so the model cannot add a basis the letter does not state.
"""

from __future__ import annotations

import logging
import re

from pydantic import BaseModel, ValidationError

from appealgen.adapters.llm import ChatModel, chat_model
from appealgen.errors import LLMError
from appealgen.knowledge.letter_layout import rights_notice_start
from appealgen.models import BASIS_IDS, DenialBasis, DenialFacts, ParsedDocument, Span
from appealgen.prompts import load_prompt
from appealgen.settings import Settings
from appealgen.stages.classify import BasisClassifier, RulesClassifier

log = logging.getLogger(__name__)
LLM_CONFIDENCE = 0.5  # below a rules basis with one strong cue (0.63)
_SYSTEM = "You label insurance denial letters. Reply with JSON only."


class _Item(BaseModel):
    id: str
    quote: str


class _Reply(BaseModel):
    bases: list[_Item]


class LLMClassifier:
    """Rules first; a chat model may add bases it can quote from the letter's decision."""

    def __init__(self, chat: ChatModel, rules: BasisClassifier | None = None) -> None:
        self._chat = chat
        self._rules = rules or RulesClassifier()
        self._prompt = load_prompt("classify_bases")

    def classify(self, doc: ParsedDocument, facts: DenialFacts) -> list[DenialBasis]:
        """The rules' bases, then any basis the model quotes from the decision text."""
        found = self._rules.classify(doc, facts)
        try:
            reply = self._chat.complete(_SYSTEM, self._prompt.render(basis_list="\n".join(BASIS_IDS), letter=doc.text))
        except LLMError as exc:
            log.warning("LLM classifier unavailable (%s); using the rules alone", exc.one_line())
            return found
        items = _parse(reply)
        boundary = rights_notice_start(doc.text)
        have: set[str] = {b.id for b in found}
        for item in items:
            where = find_quote(doc.text, item.quote) if item.id in BASIS_IDS and item.id not in have else None
            if where is None or where[0] >= boundary:
                continue
            start, end = where
            found.append(
                DenialBasis(
                    id=item.id,
                    confidence=LLM_CONFIDENCE,
                    evidence=Span(start=start, end=end, text=doc.text[start:end]),
                )
            )
            have.add(item.id)
        return found


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Offsets of quote in text: an exact match, else one where any whitespace run may differ."""
    quote = quote.strip()
    if len(quote) < 8:
        return None  # a word or two proves nothing
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def basis_classifier(settings: Settings) -> BasisClassifier:
    """The LLM classifier when an LLM endpoint is configured, else the rules alone."""
    chat = chat_model(settings)
    return LLMClassifier(chat) if chat else RulesClassifier()


def _parse(reply: str) -> list[_Item]:
    body = reply.strip()
    start, end = body.find("{"), body.rfind("}")
    try:
        return _Reply.model_validate_json(body[start : end + 1] if start >= 0 else body).bases
    except ValidationError:
        # The rules answer stands; the reply itself may quote the letter, so it is not logged.
        log.warning("LLM classifier reply was not the expected JSON; using the rules alone")
        return []
