"""The payer directory: canonical ids and the aliases letters use, PBMs included."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, Field, PrivateAttr

from appealgen.knowledge._data import load_yaml
from appealgen.knowledge.states import STATE_NAMES


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
    _matchers: list[tuple[re.Pattern[str], dict[str, Payer], bool]] | None = PrivateAttr(default=None)

    def get(self, payer_id: str) -> Payer | None:
        """The payer with this id, if any."""
        return next((p for p in self.payers if p.id == payer_id), None)

    def find_all(self, text: str) -> list[PayerMatch]:
        """Every alias occurrence, the longest alias at each position, in text order."""
        found: list[PayerMatch] = []
        for pattern, by_alias, exact in self._alias_matchers():
            for m in pattern.finditer(text):
                payer = by_alias[m.group(1) if exact else m.group(1).lower()]
                found.append(PayerMatch(payer=payer, start=m.start(1), end=m.end(1)))
        found.extend(self._blue_plans(text))
        # The two patterns (case-sensitive short acronyms, the rest ignoring case) may overlap:
        # keep the longer match.
        kept: list[PayerMatch] = []
        for match in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
            if not any(match.start < k.end and k.start < match.end for k in kept):
                kept.append(match)
        return sorted(kept, key=lambda f: f.start)

    def _blue_plans(self, text: str) -> list[PayerMatch]:
        """Blue Cross and Blue Shield plans named with their state, listed or not.

        "BlueCross BlueShield of Alabama", "Highmark Blue Cross Blue Shield West Virginia",
        "Regence BlueShield of Idaho" and "Wellmark Blue Cross and Blue Shield" are each a
        state's Blue plan (bcbs-<state>). A family name without a state means its home
        state. Anthem's and Empire's Blue plans keep their own ids.
        """
        out: list[PayerMatch] = []
        for m in _BLUE_PLAN.finditer(text):
            family = (m.group("family") or "").lower()
            if family in ("anthem", "empire"):
                continue
            state_name = m.group("post") or m.group("pre") or m.group("post2")
            code = _STATE_CODES.get(" ".join(state_name.lower().split())) if state_name else _BLUE_HOMES.get(family)
            if not code:
                continue
            payer_id = f"bcbs-{code.lower()}"
            payer = self.get(payer_id) or Payer(id=payer_id, name=" ".join(m.group(0).split()), aliases=[])
            out.append(PayerMatch(payer=payer, start=m.start(), end=m.end()))
        return out

    def _alias_matchers(self) -> list[tuple[re.Pattern[str], dict[str, Payer], bool]]:
        """One alternation per case rule, longest alias first, compiled once."""
        if self._matchers is None:
            groups: dict[bool, dict[str, Payer]] = {True: {}, False: {}}
            for alias, payer in _alias_table(self):
                # Short all-caps aliases (UHC, ESI) must match case; longer ones need not.
                exact = alias.isupper() and len(alias) <= 5
                groups[exact].setdefault(alias if exact else alias.lower(), payer)
            self._matchers = [
                (re.compile(rf"(?<![\w-])({'|'.join(re.escape(a) for a in aliases)})(?![\w-])",
                            0 if exact else re.IGNORECASE), aliases, exact)
                for exact, aliases in groups.items() if aliases
            ]
        return self._matchers


_STATE_CODES = {name.lower(): code for code, name in STATE_NAMES.items()}
# Blue plan families and the state each is the Blue plan of when no other state is named
# (Highmark Inc. is Pennsylvania's; its West Virginia, Delaware and New York plans carry the
# state in their names).
_BLUE_HOMES = {"highmark": "PA", "wellmark": "IA", "premera": "WA", "excellus": "NY", "carefirst": "MD",
               "independence": "PA", "capital": "PA", "horizon": "NJ"}  # Regence: only with its state
_STATE_ALT = "|".join(sorted((re.escape(n).replace(r"\ ", r"\s+") for n in STATE_NAMES.values()), key=len, reverse=True))
_BLUE_PLAN = re.compile(
    rf"(?:\b(?P<family>Highmark|Regence|Wellmark|Premera|Excellus|CareFirst|Capital|Independence|Horizon|Anthem|Empire)\s+)?"
    rf"(?:\b(?P<pre>{_STATE_ALT})\s+)?\bBlue\s?Cross(?:\s+(?:and|&))?(?:\s+Blue\s?Shield)?"
    rf"(?:(?:\s+of)?(?:\s+the)?\s+(?P<post>{_STATE_ALT})\b)?"
    rf"|\b(?P<family2>Regence|Highmark|Premera)\s+Blue\s?Shield(?:\s+of)?\s+(?P<post2>{_STATE_ALT})\b",
    re.IGNORECASE,
)


def _alias_table(directory: PayerDirectory) -> list[tuple[str, Payer]]:
    pairs = [(alias, p) for p in directory.payers for alias in p.aliases]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


@cache
def payer_directory() -> PayerDirectory:
    """The bundled payer directory."""
    return PayerDirectory.model_validate(load_yaml("payers.yaml"))
