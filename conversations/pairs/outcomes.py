"""How a mentoring ends well: the kinds of outcome and job contracts both sides report."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Contract", "OutcomeKind"]


class OutcomeKind(StrEnum):
    JOB = "job"
    FURTHER_STUDIES = "further_studies"
    BUSINESS_CREATION = "business_creation"


class Contract(StrEnum):
    CDI = "cdi"
    CDD = "cdd"
    INTERIM = "interim"
    WORK_STUDY = "work_study"
    OTHER = "other"
