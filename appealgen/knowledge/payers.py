"""The payer directory: canonical ids and the aliases letters use, PBMs included."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, Field

from appealgen.knowledge._data import load_yaml


class Payer(BaseModel):
    """One payer or pharmacy benefit manager."""

    id: str
    name: str
    aliases: list[str]
    kind: str = "plan"
    plan_type_hint: str | None = None


class PayerMatch(BaseModel):
    """A payer alias found in a text."""

    payer: Payer
    start: int
    end: int


class PayerDirectory(BaseModel):
    """All known payers, searchable by alias."""

    payers: list[Payer] = Field(default_factory=list)

    def get(self, payer_id: str) -> Payer | None:
        """The payer with this id, if any."""
        return next((p for p in self.payers if p.id == payer_id), None)

    def find_all(self, text: str) -> list[PayerMatch]:
        """Every alias occurrence, longest alias first at each position, in text order."""
        found: list[PayerMatch] = []
        taken: list[tuple[int, int]] = []
        for alias, payer in _alias_table(self):
            # Short all-caps aliases (UHC, ESI) must match case; longer ones need not.
            flags = 0 if (alias.isupper() and len(alias) <= 5) else re.IGNORECASE
            for m in re.finditer(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", text, flags):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append(PayerMatch(payer=payer, start=m.start(), end=m.end()))
        return sorted(found, key=lambda f: f.start)


def _alias_table(directory: PayerDirectory) -> list[tuple[str, Payer]]:
    pairs = [(alias, p) for p in directory.payers for alias in p.aliases]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


@cache
def payer_directory() -> PayerDirectory:
    """The bundled payer directory."""
    return PayerDirectory.model_validate(load_yaml("payers.yaml"))
