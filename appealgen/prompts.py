"""Prompt templates: one file each in prompts/, named variables, a hash recorded with every use."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import BaseModel

from appealgen.errors import KnowledgeError
from appealgen.settings import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"
_VARIABLE = re.compile(r"\{([a-z_]+)\}")


class Prompt(BaseModel):
    """A loaded prompt template."""

    name: str
    text: str

    @property
    def variables(self) -> set[str]:
        """The named variables the template needs."""
        return set(_VARIABLE.findall(self.text))

    @property
    def hash(self) -> str:
        """A short hash of the template text, recorded with every draft."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    def render(self, **values: str) -> str:
        """Fill every variable; a missing or unknown one is an error."""
        missing = self.variables - values.keys()
        extra = values.keys() - self.variables
        if missing or extra:
            raise KnowledgeError(
                f"Prompt {self.name}: missing {sorted(missing)}, unknown {sorted(extra)}"
            )
        return _VARIABLE.sub(lambda m: values[m.group(1)], self.text)


def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> Prompt:
    """Read prompts/<name>.md."""
    path = folder / f"{name}.md"
    try:
        return Prompt(name=name, text=path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"Prompt file not found: {path}") from None
