"""Request and response bodies of the REST API that are not pipeline models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from appealgen import __version__
from appealgen.models import AppealResult, CheckReport, DenialBasis


class AppealOut(AppealResult):
    """An appeal case: the pipeline's AppealResult with its id and the latest letter version."""

    id: str
    letter_version: int = Field(1, description="The version of letter_markdown (1 = as drafted)")


class LetterEdit(BaseModel):
    """An edited letter to save as the next version."""

    model_config = ConfigDict(extra="forbid")
    markdown: str = Field(min_length=1, description="The whole letter as Markdown")


class LetterCheck(CheckReport):
    """The checker's report on a saved letter version."""

    version: int


class CheckRequest(BaseModel):
    """A letter to check against an appeal's grounds (nothing is saved)."""

    model_config = ConfigDict(extra="forbid")
    appeal_id: str = Field(
        max_length=64, description="The appeal whose denial, facts and passages ground the letter"
    )
    letter: str = Field(min_length=1, description="The letter as Markdown")


class ClassifyOut(BaseModel):
    """The denial bases a letter states, primary first."""

    bases: list[DenialBasis]


class Health(BaseModel):
    """Whether the service can work."""

    status: Literal["ok", "degraded"]
    version: str = __version__
    store: Literal["ok", "unavailable"]
    index: Literal["ready", "missing"]
