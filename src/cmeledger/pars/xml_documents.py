"""PARS XML batch documents: activities as MEMS (`ACCMEActivities`), learners as Activity
Reports (`ACCMELearnerReports`). One import for both codecs; see `xml_mems` and
`xml_learners` for the schema choices and where they depart from the research note."""

from __future__ import annotations

from cmeledger.pars.xml_learners import (
    PLACEHOLDER_BIRTH_YEAR,
    learner_document,
    learner_element,
    read_learner_document,
    read_learner_element,
)
from cmeledger.pars.xml_mems import mems_document, mems_element, read_mems, read_mems_element
from cmeledger.pars.xml_nodes import ACCME_NS

__all__ = [
    "ACCME_NS",
    "PLACEHOLDER_BIRTH_YEAR",
    "learner_document",
    "learner_element",
    "mems_document",
    "mems_element",
    "read_learner_document",
    "read_learner_element",
    "read_mems",
    "read_mems_element",
]
