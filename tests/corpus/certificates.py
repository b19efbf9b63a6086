"""A deterministic synthetic corpus of CME certificates with known truth.

``generate(out_dir, seed=0)`` writes one text PDF per layout (47 layouts: award-line skeletons,
label-value tables, letters, forms, overlays; portrait/landscape; Helvetica/Times/Courier; many
date styles and credit systems), image-only PDFs and degraded scans of a third of them each,
multi-certificate PDFs and per-licence repeated PDFs, plus ``truth.json``. Every name and
organisation is fictional; the wording imitates the shapes of real certificates without copying
them.

Truth contract (one dict per certificate unit, i.e. per page):

* ``page``: 1-based page in its file.
* ``learner_name``: the name only (no degree, no licence number, no "Dr.").
* ``provider``: the organisation that issues/certifies (the header and the "X certifies that"
  subject; in joint providership that is the non-accredited partner).
* ``accredited_provider``: the organisation named by an accreditation statement (ACCME, Joint
  Accreditation, AOA, CDR) or by an "Accredited Provider" label; ``None`` when the certificate
  names none. It equals ``provider`` when the issuer states its own accreditation. An AAPA
  "authorized to award" sentence is not an accreditation statement.
* ``format``: live | enduring | journal | point_of_care | other (performance improvement,
  test-item writing) | None (the certificate never says).
* dates (ISO): ``date_precision`` "day" → ``completion_date`` only; "month" (the certificate
  gives "March 2025") → ``completion_date`` is the first of that month; "range" →
  ``start_date``/``end_date`` and ``completion_date`` = ``end_date``. Approval, expiry,
  release, issue and letter dates are distractors, never truth.
* ``credits``: ``{"type", "amount", "role"}``, amounts as 2-decimal strings, sorted by
  (type, role, numeric amount), no duplicates. "awarded" = what the learner was awarded/claimed,
  "designated" = a designated/approved maximum, "hours" = "participated for N hours" /
  "Hours of participation" / "I participated in N hours" (typed as the certificate's main
  credit, ama_pra_1). Rate statements ("0.5 per question") and pharmacology/opioid sub-hours
  are not credits.
* ``moc``: ``{"board", "points", "credit_type"}`` with boards ABIM, ABP, ABS, ABA, ABOHNS,
  ABPath (the project's taxonomy spelling); points as stated ("up to N"), ABP whole numbers.
* ``topics``: sorted; only topics named by the title or by a rider sentence.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from tests.corpus._render import (
    Block,
    Columns,
    Degradation,
    PageSpec,
    Para,
    Rows,
    Rule,
    Run,
    Signature,
    Spacer,
    degrade,
    rasterise,
    render_page,
    save_scan,
    write_image_pdf,
    write_pdf,
)

Truth = dict[str, Any]

KINDS = ("text_pdf", "image_pdf", "scan_png", "scan_jpeg", "multi_pdf", "repeated_pdf")
TRUTH_KEYS = frozenset(
    {
        "page",
        "learner_name",
        "provider",
        "accredited_provider",
        "title",
        "format",
        "completion_date",
        "start_date",
        "end_date",
        "date_precision",
        "credits",
        "moc",
        "topics",
    }
)
CREDIT_TYPES = frozenset(
    {
        "ama_pra_1",
        "ama_pra_2",
        "aafp_prescribed",
        "aafp_elective",
        "aoa_1a",
        "aoa_1b",
        "aoa_2a",
        "aoa_2b",
        "aapa_1",
        "aapa_2",
        "ancc_contact_hours",
        "acpe_contact_hours",
        "ipce",
        "cdr_cpeu",
    }
)
MOC_TYPES = frozenset(
    {
        "moc_abim_mk",
        "moc_abim_pa",
        "moc_abim_ps",
        "moc_abp_ll",
        "moc_aba_ll",
        "moc_abs_cme",
        "moc_abs_sa",
        "moc_abohns_ll",
        "moc_abpath_ll",
    }
)
MOC_BOARDS = frozenset({"ABIM", "ABP", "ABS", "ABA", "ABOHNS", "ABPath"})
ROLES = frozenset({"awarded", "designated", "hours"})
FORMATS = frozenset({"live", "enduring", "journal", "point_of_care", "other"})
TOPICS = frozenset(
    {
        "opioid_prescribing",
        "implicit_bias",
        "human_trafficking",
        "cultural_linguistic_competency",
        "pediatric_abusive_head_trauma",
        "pain_management",
        "end_of_life_care",
        "infection_control",
        "domestic_violence",
        "ethics",
        "medical_errors",
        "substance_use_disorder",
        "dea_mate",
    }
)


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    kind: str  # "text_pdf" | "image_pdf" | "scan_png" | "scan_jpeg" | "multi_pdf" | "repeated_pdf"
    layout: str
    truths: list[dict[str, Any]]


# --------------------------------------------------------------------------------------------
# Layouts


@dataclass(frozen=True)
class Layout:
    """Structure and wording of one certificate design; content is drawn per seed."""

    name: str
    skeleton: str
    landscape: bool = False
    align: str = "center"
    font: str = "Helvetica"
    date_style: str = "long"
    system: str = "ama"
    accreditation: str = (
        "direct"  # direct|joint_providership|joint_accreditation|aoa|cdr|label|none
    )
    footer: str = "stacked"  # stacked | two_column | none
    tm: str = "symbol"  # symbol ™ | letters TM | paren (TM) | sup (raised TM) | none
    plural: str = "(s)"  # "(s)" → Credit(s); "auto" → Credit/Credits
    amounts: str = "dec2"  # dec2 2.50 | dec1 2.5 | int 5 | footnote 1*
    fmt: str | None = "enduring"
    fmt_phrase: str | None = None
    designation: bool = True  # footer AMA (or main-system) designation statement
    awarded: bool = True
    riders: tuple[str, ...] = ()
    licence: bool = False
    topic: str | None = None
    border: bool = False
    signature: bool = False
    heading: str = "Certificate of Completion"
    moc: str | None = None
    italic_credit: bool = False
    extras: frozenset[str] = frozenset()
    provider: str | None = None
    partner: str | None = None

    def signature_key(self) -> tuple[Any, ...]:
        """Everything but the name: two layouts with the same key would look alike."""
        return (
            self.skeleton,
            self.landscape,
            self.align,
            self.font,
            self.date_style,
            self.system,
            self.accreditation,
            self.footer,
            self.tm,
            self.plural,
            self.amounts,
            self.fmt,
            self.fmt_phrase,
            self.designation,
            self.awarded,
            self.riders,
            self.licence,
            self.topic,
            self.border,
            self.signature,
            self.heading,
            self.moc,
            self.italic_credit,
            tuple(sorted(self.extras)),
        )


def _x(*flags: str) -> frozenset[str]:
    return frozenset(flags)


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "award_stacked_ja_nursing_pharmacy",
        "award_line",
        system="ja",
        accreditation="joint_accreditation",
        heading="CONTINUING MEDICAL EDUCATION CERTIFICATE",
        provider="Medvantage Online Education",
        extras=_x("pharm"),
    ),
    Layout(
        "award_inline_landscape_times_border",
        "award_line",
        landscape=True,
        font="Times",
        date_style="long_pad",
        footer="two_column",
        tm="letters",
        fmt="live",
        border=True,
        signature=True,
        heading="Certificate of Participation",
        extras=_x("inline"),
    ),
    Layout(
        "award_abim_mk_left",
        "award_line",
        align="left",
        date_style="us_slash",
        system="ama_abim",
        moc="mk",
        topic="end_of_life",
    ),
    Layout(
        "award_abim_landscape_weekday",
        "award_line",
        landscape=True,
        font="Times",
        date_style="weekday",
        system="ama_abim",
        moc="plain",
        accreditation="joint_accreditation",
        footer="two_column",
        tm="paren",
        plural="auto",
        amounts="int",
        fmt="live",
        border=True,
    ),
    Layout(
        "award_abim_pa_courier_pi_cme",
        "award_line",
        align="left",
        font="Courier",
        date_style="iso",
        system="ama_abim",
        moc="pa",
        tm="letters",
        fmt="other",
        fmt_phrase="performance improvement CME activity",
        heading="PERFORMANCE IMPROVEMENT CME",
        extras=_x("cert_id"),
    ),
    Layout(
        "to_certify_times_superscript_tm",
        "to_certify",
        font="Times",
        footer="two_column",
        tm="sup",
        fmt="live",
        border=True,
        signature=True,
        italic_credit=True,
        heading="Certificate of Attendance",
    ),
    Layout(
        "to_certify_month_only_joint_providership",
        "to_certify",
        landscape=True,
        date_style="month_only",
        accreditation="joint_providership",
        footer="two_column",
        amounts="dec1",
        fmt="live",
        topic="domestic_violence",
    ),
    Layout(
        "document_certifies_conference_range",
        "document_certifies",
        landscape=True,
        font="Times",
        date_style="range_conf",
        fmt="live",
        border=True,
        signature=True,
        heading="Certificate of Attendance",
        extras=_x("cert_id"),
    ),
    Layout(
        "jn_label_value_journal",
        "label_value",
        align="left",
        accreditation="label",
        footer="none",
        tm="letters",
        amounts="footnote",
        fmt="journal",
        designation=False,
        heading="Certificate of Completion",
        provider="Meridian Journal Learning",
        partner="Continental Medical Association",
    ),
    Layout(
        "jn_label_value_landscape_times",
        "label_value",
        landscape=True,
        align="left",
        font="Times",
        date_style="us_slash",
        accreditation="label",
        footer="none",
        tm="paren",
        fmt="journal",
        designation=False,
        provider="Meridian Journal Learning",
        partner="Continental Medical Association",
    ),
    Layout(
        "pim_range_statement_ja",
        "pim_range",
        align="left",
        date_style="range_slash",
        system="ja",
        accreditation="joint_accreditation",
        heading="Statement of Participation",
        extras=_x("release_dates"),
    ),
    Layout(
        "pim_range_courier_landscape_jp",
        "pim_range",
        landscape=True,
        font="Courier",
        date_style="range_slash",
        accreditation="joint_providership",
        footer="two_column",
        tm="paren",
        heading="STATEMENT OF PARTICIPATION",
    ),
    Layout(
        "awarded_total_times",
        "awarded_total",
        font="Times",
        date_style="long_pad",
        fmt="live",
        signature=True,
        topic="end_of_life",
        heading="Certificate of Credit",
    ),
    Layout(
        "stanford_hours_landscape_ja",
        "stanford_hours",
        landscape=True,
        date_style="us_slash",
        accreditation="joint_accreditation",
        footer="two_column",
        designation=False,
        border=True,
        heading="Certificate of Participation",
    ),
    Layout(
        "stanford_hours_times_california",
        "stanford_hours",
        font="Times",
        date_style="us_slash",
        designation=False,
        riders=("ca_ab1195", "ca_ab241"),
        heading="Certificate of Participation",
    ),
    Layout(
        "designated_in_body_attendance",
        "designated_only",
        tm="letters",
        fmt="live",
        designation=False,
        awarded=False,
        heading="Certificate of Attendance",
    ),
    Layout(
        "designated_footer_month_only",
        "attendance",
        landscape=True,
        font="Times",
        date_style="month_only",
        accreditation="joint_providership",
        footer="two_column",
        fmt="live",
        awarded=False,
        heading="Certificate of Attendance",
    ),
    Layout(
        "claimed_form_courier",
        "claimed_form",
        align="left",
        font="Courier",
        date_style="us_short",
        tm="paren",
        fmt="live",
        heading="CREDIT CLAIM RECORD",
    ),
    Layout(
        "course_number_texas_licence",
        "course_number",
        accreditation="joint_accreditation",
        licence=True,
        riders=("tx_ht",),
        topic="human_trafficking",
        provider="Amberline Continuing Education",
    ),
    Layout(
        "course_number_kentucky_landscape",
        "course_number",
        landscape=True,
        font="Times",
        date_style="us_slash",
        accreditation="joint_accreditation",
        footer="two_column",
        licence=True,
        riders=("ky_paht", "fl_broker"),
        topic="paht",
        provider="Amberline Continuing Education",
    ),
    Layout(
        "credit_table_ja_live",
        "credit_table",
        system="ja",
        accreditation="joint_accreditation",
        fmt="live",
        signature=True,
    ),
    Layout(
        "credit_table_courier_landscape_iso",
        "credit_table",
        landscape=True,
        font="Courier",
        date_style="iso",
        system="ja",
        accreditation="joint_accreditation",
        footer="two_column",
        tm="letters",
        topic="infection_control",
    ),
    Layout(
        "aafp_prescribed_enduring_times",
        "award_line",
        font="Times",
        system="aafp",
        accreditation="none",
        heading="Certificate of Completion",
        provider="Redstone Academy of Family Physicians",
        topic="implicit_bias",
    ),
    Layout(
        "aafp_prescribed_live_dmy",
        "to_certify",
        landscape=True,
        date_style="dmy_abbr",
        system="aafp",
        footer="two_column",
        amounts="int",
        fmt="live",
        provider="Redstone Academy of Family Physicians",
        extras=_x("ama_dual"),
    ),
    Layout(
        "aoa_1a_to_certify_times",
        "to_certify",
        font="Times",
        system="aoa",
        accreditation="aoa",
        fmt="live",
        border=True,
        topic="infection_control",
        provider="Midlands Osteopathic Learning Collaborative",
    ),
    Layout(
        "aoa_1a_dual_ama_landscape",
        "award_line",
        landscape=True,
        date_style="day_month",
        system="aoa",
        accreditation="aoa",
        footer="two_column",
        fmt="live",
        provider="Midlands Osteopathic Learning Collaborative",
        extras=_x("ama_dual"),
    ),
    Layout(
        "aoa_1b_program_form",
        "aoa_form",
        align="left",
        font="Courier",
        date_style="us_slash",
        system="aoa_1b",
        accreditation="none",
        fmt="live",
        designation=False,
        heading="AOA CATEGORY 1-B CME CERTIFICATE",
        provider="Midlands Osteopathic Learning Collaborative",
    ),
    Layout(
        "aapa_award_portrait",
        "award_line",
        system="aapa",
        accreditation="none",
        fmt="live",
        provider="Pacific Crest Physician Assistant Academy",
    ),
    Layout(
        "aapa_ama_dual_document_landscape",
        "document_certifies",
        landscape=True,
        font="Times",
        date_style="us_slash",
        system="aapa",
        accreditation="joint_accreditation",
        footer="two_column",
        fmt="live",
        extras=_x("ama_dual"),
    ),
    Layout(
        "cdr_cpeu_form",
        "cdr_form",
        align="left",
        system="cdr",
        accreditation="cdr",
        provider="Evergreen Dietetics Learning Center",
        heading="Continuing Professional Education Certificate",
    ),
    Layout(
        "cdr_cpeu_courier_month",
        "to_certify",
        font="Courier",
        date_style="month_only",
        system="cdr",
        accreditation="cdr",
        fmt="live",
        provider="Evergreen Dietetics Learning Center",
        heading="CERTIFICATE OF ATTENDANCE",
    ),
    Layout(
        "abp_moc_award_times",
        "award_line",
        font="Times",
        system="ama_abp",
        fmt="live",
        topic="domestic_violence",
        extras=_x("inline"),
    ),
    Layout(
        "abs_cme_sa_landscape",
        "award_line",
        landscape=True,
        date_style="us_slash",
        system="ama_abs",
        moc="cme_sa",
        footer="two_column",
    ),
    Layout(
        "abs_cme_range_words",
        "document_certifies",
        date_style="range_words",
        system="ama_abs",
        moc="cme",
        accreditation="joint_providership",
        tm="letters",
        fmt="live",
    ),
    Layout(
        "multi_board_moc_left",
        "award_line",
        align="left",
        system="ama_boards",
        topic="ethics",
    ),
    Layout(
        "point_of_care_range_table",
        "poc",
        date_style="range_slash",
        system="poc_multi",
        fmt="point_of_care",
        designation=False,
        provider="ClinQuery Medical Reference",
        heading="Point-of-Care Learning Certificate",
    ),
    Layout(
        "point_of_care_single_day_courier",
        "poc",
        font="Courier",
        date_style="iso",
        tm="paren",
        fmt="point_of_care",
        designation=False,
        provider="ClinQuery Medical Reference",
        heading="CERTIFICATE OF CREDIT",
    ),
    Layout(
        "opioid_rider_award_times",
        "award_line",
        font="Times",
        fmt="live",
        riders=("opioid",),
        topic="opioid",
        signature=True,
    ),
    Layout(
        "california_riders_landscape",
        "to_certify",
        landscape=True,
        footer="two_column",
        riders=("ca_ab1195", "ca_ab241"),
        topic="cultural",
    ),
    Layout(
        "dea_mate_rider_ja",
        "award_line",
        system="ja",
        accreditation="joint_accreditation",
        riders=("dea_mate",),
        topic="sud",
        heading="Certificate of Completion",
    ),
    Layout(
        "letter_ama_times",
        "letter",
        align="left",
        font="Times",
        fmt="live",
        signature=True,
        topic="medical_errors",
    ),
    Layout(
        "letter_aafp_elective_weekday",
        "letter",
        align="left",
        date_style="weekday",
        system="aafp_elective",
        accreditation="none",
        designation=False,
        fmt="live",
        signature=True,
        provider="Redstone Academy of Family Physicians",
    ),
    Layout(
        "test_item_writing_other",
        "to_certify",
        font="Times",
        date_style="us_slash",
        fmt="other",
        fmt_phrase="test-item writing activity",
        amounts="int",
        heading="Certificate of Recognition",
    ),
    Layout(
        "overlay_template_rows",
        "overlay_rows",
        align="left",
        accreditation="joint_accreditation",
        border=True,
        extras=_x("overlay"),
    ),
    Layout(
        "watermark_award_times",
        "award_line",
        font="Times",
        date_style="long_pad",
        fmt="live",
        extras=_x("watermark"),
    ),
    Layout(
        "typo_boilerplate_courier",
        "award_line",
        font="Courier",
        tm="letters",
        fmt="live",
        extras=_x("typos"),
    ),
    Layout(
        "awarded_total_no_format_landscape",
        "awarded_total",
        landscape=True,
        date_style="us_slash",
        accreditation="none",
        footer="none",
        fmt=None,
        designation=False,
        heading="Certificate",
    ),
)

# --------------------------------------------------------------------------------------------
# Pools of fictional content

FIRST = (
    "Marisol Tobias Ingrid Desmond Priya Lucian Naomi Evander Celeste Rafferty Yusuf Henrietta "
    "Bartholomew Oksana Thaddeus Wren Ximena Anselm Delphine Corwin Imogen Casimir Leontyne Orrin"
).split()
LAST = (
    "Quillfeather Okonkwo Vantongeren Halloran Szczepanski Abernathy-Cole Marchetti Lindqvist "
    "Oyelaran Delacroix-Ng Thistlewood Brannigan Kowalczyk Achterberg Rasmussen-Yee Ferreira "
    "Nakashima Obuya Zeller Ravenscroft Mbeki-Larsen Castellanos Whitlock Dunmore"
).split()
PROVIDERS = (
    "Lakeside Medical Education Institute",
    "Northbridge Center for Continuing Education",
    "Cedar Valley Academy of Medicine",
    "Summit Point Institute for Physician Learning",
    "Bluewater Health Sciences Education",
    "Ironwood University School of Medicine",
    "Copperfield Clinical Learning Network",
    "Halcyon Postgraduate Institute",
    "Westmarch Foundation for Medical Education",
)
SOCIETIES = (
    "Society of Coastal Cardiology",
    "Tri-County Pediatric Alliance",
    "Midlands Association of Hospital Medicine",
    "Granite Ridge Oncology Forum",
    "Eastlake Surgical Society",
)
SIGNERS = (
    ("Harriet Q. Pemberton, MD, MPH", "Director, Continuing Medical Education"),
    ("Osric L. Vandermeer, MD", "Chair, CME Committee"),
    ("Junia Castellanos-Reed, DO", "Medical Director"),
    ("Bram T. Ellery, PharmD", "Executive Director, Accredited Education"),
)
CITIES = ("Brightwater, OR 97999", "Fallow Creek, WI 53999", "Port Amberly, ME 04999")
STREETS = ("418 Larkspur Lane", "72 Quarry Hill Road, Suite 210", "1905 Tamarack Court")
STATES = ("CA", "TX", "FL", "NY", "KY", "OH", "WA", "IL")
NEUTRAL_TITLES = (
    "Advances in Heart Failure Management",
    "Hypertension Guidelines: What Changed and Why",
    "Diabetic Kidney Disease: Screening to Treatment",
    "Anticoagulation Choices in Atrial Fibrillation",
    "Pediatric Asthma Action Plans in Practice",
    "Evaluating the Thyroid Nodule",
    "Sepsis Recognition in the Community Hospital",
    "Dermatology Essentials for Primary Care",
    "Chronic Kidney Disease Stage 3: Slowing Progression",
    "Lipid Management After Acute Coronary Syndrome",
    "Interpreting Pulmonary Function Tests",
    "Osteoporosis Screening and Fracture Prevention",
    "Migraine Prevention: New Therapies",
    "Type 2 Diabetes and GLP-1 Receptor Agonists",
    "Community-Acquired Pneumonia in Older Adults",
    "Inflammatory Bowel Disease Update 2024",
    "Early Detection of Colorectal Cancer",
    "Heart Murmurs in Children: When to Refer",
    "Acute Kidney Injury in Hospitalized Patients",
    "Anemia Workup in Primary Care",
    "Adult Immunization Schedules: 2025 Update",
    "Sleep Apnea: Diagnosis and Management",
    "Gout Flares and Long-Term Urate Lowering",
    "Perioperative Management of Anticoagulants",
    "Breast Cancer Survivorship Care",
    "Thyroid Eye Disease: A Case-Based Review",
)
TOPIC_TITLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "opioid": (
        "Safe Opioid Prescribing and Chronic Pain Management",
        ("opioid_prescribing", "pain_management"),
    ),
    "implicit_bias": ("Recognizing Implicit Bias in Clinical Decisions", ("implicit_bias",)),
    "human_trafficking": (
        "Human Trafficking: Identification and Response for Clinicians",
        ("human_trafficking",),
    ),
    "cultural": (
        "Cultural and Linguistic Competency in Patient Communication",
        ("cultural_linguistic_competency",),
    ),
    "paht": (
        "Pediatric Abusive Head Trauma: Recognition and Prevention",
        ("pediatric_abusive_head_trauma",),
    ),
    "end_of_life": ("End-of-Life Care and Advance Care Planning", ("end_of_life_care",)),
    "infection_control": (
        "Infection Control and Barrier Precautions Update",
        ("infection_control",),
    ),
    "domestic_violence": ("Domestic Violence Screening in Primary Care", ("domestic_violence",)),
    "ethics": ("Clinical Ethics at the Bedside", ("ethics",)),
    "medical_errors": ("Preventing Medical Errors in Ambulatory Practice", ("medical_errors",)),
    "sud": ("Treating Substance Use Disorders in Primary Care", ("substance_use_disorder",)),
}
POC_TITLE = "ClinQuery Point-of-Care Clinical Search Learning"
RIDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ca_ab1195": (
        "California Assembly Bill 1195: this activity satisfies the state's cultural and "
        "linguistic competency standard for continuing medical education.",
        ("cultural_linguistic_competency",),
    ),
    "ca_ab241": (
        "In keeping with California Assembly Bill 241, the content also addresses implicit bias "
        "in the delivery of care.",
        ("implicit_bias",),
    ),
    "tx_ht": (
        "Texas: this course is approved by the Texas Health and Human Services Commission "
        "(HHSC) as a human trafficking prevention course for health care practitioners.",
        ("human_trafficking",),
    ),
    "ky_paht": (
        "Kentucky: this course meets the licensure requirement for education on pediatric "
        "abusive head trauma.",
        ("pediatric_abusive_head_trauma",),
    ),
    "dea_mate": (
        "This activity counts toward the one-time DEA MATE Act training requirement on treating "
        "and managing patients with substance use disorders.",
        ("dea_mate", "substance_use_disorder"),
    ),
    "fl_broker": ("Florida licensees: CE Broker provider #50-{n4}; completions are reported.", ()),
    "opioid": (
        "Of the credit awarded, {x} hours address opioid prescribing and {y} hours address pain "
        "management.",
        ("opioid_prescribing", "pain_management"),
    ),
}

MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

AMA_SYSTEMS = frozenset({"ama", "ama_abim", "ama_abp", "ama_abs", "ama_boards", "ja", "poc_multi"})
FORMAT_PHRASE = {
    "live": "live activity",
    "enduring": "enduring material",
    "journal": "journal-based CME activity",
    "point_of_care": "Internet point-of-care activity",
    "other": "other activity",
}
TWO = Decimal("0.01")


def _q(value: Decimal) -> str:
    return str(value.quantize(TWO))


def _long(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def fmt_day(d: date, style: str) -> str:
    month = MONTHS[d.month - 1]
    if style == "long":
        return _long(d)
    if style == "long_pad":
        return f"{month} {d.day:02d}, {d.year}"
    if style == "weekday":
        return f"{WEEKDAYS[d.weekday()]}, {month} {d.day:02d}, {d.year}"
    if style in {"us_slash", "range_slash"}:
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == "us_short":
        return f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}"
    if style == "dmy_abbr":
        return f"{d.day:02d}-{month[:3]}-{d.year % 100:02d}"
    if style == "day_month":
        return f"{d.day:02d} {month}, {d.year}"
    if style == "iso":
        return d.isoformat()
    if style == "month_only":
        return f"{month} {d.year}"
    return _long(d)


# --------------------------------------------------------------------------------------------
# One certificate


@dataclass
class _Cert:
    lay: Layout
    rng: random.Random
    learner: str
    display: str
    degree: str
    provider: str
    acc_org: str
    acc_truth: str | None
    title: str
    topics: set[str]
    day: date
    start: date | None
    amount: Decimal
    maximum: Decimal
    licence: str
    credits: set[tuple[str, str, str]] = field(default_factory=set)
    moc: list[dict[str, str | None]] = field(default_factory=list)

    # ---- numbers and credit phrases

    def amt(self, value: Decimal) -> str:
        style = self.lay.amounts
        if style == "footnote" and value == 1:
            return "1*"
        if style == "int" and value == value.to_integral_value():
            return str(int(value))
        if style == "dec1":
            text = _q(value)
            return text[:-1] if text.endswith("0") else text
        return _q(value)

    def record(self, ctype: str, value: Decimal, role: str) -> str:
        self.credits.add((ctype, _q(value), role))
        return self.amt(value)

    def tm_runs(self, base: str, style: str = "r") -> list[Run]:
        lay = self.lay
        if lay.italic_credit:
            style = "i"
        if lay.tm == "symbol":
            return [(base, style), ("\u2122", style)]
        if lay.tm == "letters":
            return [(base, style), ("TM", style)]
        if lay.tm == "paren":
            return [(base, style), ("(TM)", style)]
        if lay.tm == "sup":
            return [(base, style), ("TM", "sup")]
        return [(base, style)]

    def ama_phrase(self, value: Decimal | None) -> list[Run]:
        if self.lay.plural == "(s)" or value is None:
            base = "AMA PRA Category 1 Credit(s)"
        else:
            base = "AMA PRA Category 1 Credit" + ("" if value <= 1 else "s")
        return self.tm_runs(base)

    def ama(self, value: Decimal, role: str) -> list[Run]:
        """'2.50 AMA PRA Category 1 Credit(s)™' and its truth."""
        return [(self.record("ama_pra_1", value, role) + " ", "r"), *self.ama_phrase(value)]

    def main_award(self) -> list[Run]:
        """The learner's award in the system the certificate is about."""
        system, value = self.lay.system, self.amount
        if system in AMA_SYSTEMS:
            return self.ama(value, "awarded")
        names = {
            "aafp": ("aafp_prescribed", "AAFP Prescribed credits"),
            "aafp_elective": ("aafp_elective", "AAFP Elective credits"),
            "aoa": ("aoa_1a", "AOA Category 1-A credits"),
            "aoa_1b": ("aoa_1b", "AOA Category 1-B credits"),
            "aapa": ("aapa_1", "AAPA Category 1 CME credits"),
            "cdr": ("cdr_cpeu", "continuing professional education units (CPEUs)"),
        }
        ctype, label = names[system]
        return [(f"{self.record(ctype, value, 'awarded')} {label}", "r")]

    @property
    def award_verb(self) -> str:
        return "claimed" if self.lay.system in {"aafp", "aafp_elective"} else "is awarded"

    # ---- dates

    @property
    def precision(self) -> str:
        style = self.lay.date_style
        if style.startswith("range"):
            return "range"
        return "month" if style == "month_only" else "day"

    def date_text(self) -> str:
        """The date as a label-value table shows it."""
        style = self.lay.date_style
        if self.precision != "range":
            return fmt_day(self.day, style)
        assert self.start is not None
        if style == "range_conf":
            month = MONTHS[self.start.month - 1]
            return f"{month} {self.start.day}\u2013{self.day.day}, {self.day.year}"
        return f"{fmt_day(self.start, style)} - {fmt_day(self.day, style)}"

    def when(self) -> str:
        """The date as running text shows it ('on …', 'in March 2025', 'From … to …')."""
        style = self.lay.date_style
        if self.precision == "day":
            return f"on {fmt_day(self.day, style)}"
        if self.precision == "month":
            return f"in {fmt_day(self.day, style)}"
        assert self.start is not None
        if style == "range_slash":
            return f"From {fmt_day(self.start, style)} to {fmt_day(self.day, style)}"
        if style == "range_words":
            return f"from {_long(self.start)} through {_long(self.day)}"
        return f"on {self.date_text()}"

    @property
    def fmt_phrase(self) -> str:
        if self.lay.fmt_phrase:
            return self.lay.fmt_phrase
        return FORMAT_PHRASE.get(self.lay.fmt or "", "activity")

    def truth(self, page: int = 1) -> Truth:
        precision = self.precision
        completion = self.day.replace(day=1) if precision == "month" else self.day
        return {
            "page": page,
            "learner_name": self.learner,
            "provider": self.provider,
            "accredited_provider": self.acc_truth,
            "title": self.title,
            "format": self.lay.fmt,
            "completion_date": completion.isoformat(),
            "start_date": self.start.isoformat() if self.start else None,
            "end_date": self.day.isoformat() if precision == "range" else None,
            "date_precision": precision,
            "credits": [
                {"type": t, "amount": a, "role": r}
                for t, a, r in sorted(self.credits, key=lambda c: (c[0], c[2], Decimal(c[1])))
            ],
            "moc": sorted(self.moc, key=lambda m: (str(m["board"]), str(m["credit_type"]))),
            "topics": sorted(self.topics),
        }


_QUARTERS = [Decimal(q) / 4 for q in (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 19, 24, 30)]
_BIG = [Decimal(q) / 4 for q in (40, 50, 58, 66, 80, 98)]


def _amounts(lay: Layout, rng: random.Random) -> tuple[Decimal, Decimal]:
    if lay.amounts == "footnote":
        return Decimal(1), Decimal(1)
    if lay.fmt_phrase == "test-item writing activity":
        return Decimal(10), Decimal(10)
    if lay.amounts == "int":
        maximum = Decimal(rng.choice((1, 2, 3, 4, 5, 6, 8, 12, 15)))
    elif lay.date_style in {"range_conf", "range_words"}:
        maximum = rng.choice(_BIG)
    else:
        maximum = rng.choice(_QUARTERS)
    if lay.amounts == "dec1" and maximum * 2 != (maximum * 2).to_integral_value():
        maximum += Decimal("0.25")
    if rng.random() < 0.5 or maximum <= Decimal("0.5") or lay.amounts == "int":
        return maximum, maximum
    lower = [q for q in _QUARTERS if q < maximum]
    amount = rng.choice(lower[-4:]) if lower else maximum
    if lay.amounts == "dec1" and amount * 2 != (amount * 2).to_integral_value():
        amount -= Decimal("0.25")
    return amount, maximum


def _person(rng: random.Random) -> str:
    first = rng.choice(FIRST)
    last = rng.choice(LAST)
    roll = rng.random()
    if roll < 0.55:
        return f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
    if roll < 0.65:
        return f"{first} {rng.choice(FIRST)} {last}"
    return f"{first} {last}"


def _degree(system: str, rng: random.Random) -> str:
    pools = {
        "aoa": ("DO",),
        "aoa_1b": ("DO",),
        "aapa": ("PA-C", "MPAS, PA-C"),
        "cdr": ("RDN", "MS, RDN", "RD, LDN"),
        "ja": ("MD", "RN, BSN", "PharmD", "MSN, APRN"),
    }
    return rng.choice(pools.get(system, ("MD", "MD", "DO", "MD, PhD", "MD, FACP", "BS")))


def _licence(rng: random.Random) -> str:
    state = rng.choice(STATES)
    number = f"{rng.choice('ABCGR')}{rng.randrange(10000, 99999)}"
    return f"{state}:{number}"


def _glue(name: str, degree: str, licence: str, variant: int) -> str:
    state, number = licence.split(":")
    if variant == 0:
        return f"{name}, {degree}  License #{number}"
    if variant == 1:
        return f"{name}, {degree} {state} Lic# {number}"
    return f"{name}, {degree} {number}"


def _new_cert(
    lay: Layout,
    rng: random.Random,
    person: tuple[str, str] | None = None,
    licence: str | None = None,
) -> _Cert:
    # Draw every value in a fixed order so that overrides never shift later draws.
    drawn_person = _person(rng)
    degree = _degree(lay.system, rng)
    drawn_licence = _licence(rng)
    pool_provider = rng.choice(PROVIDERS)
    society = rng.choice(SOCIETIES)
    neutral = rng.choice(NEUTRAL_TITLES)
    base = date(2023, 1, 2) + timedelta(days=rng.randrange(0, 900))
    span = rng.randrange(1, 4)
    long_span = rng.randrange(60, 200)
    amount, maximum = _amounts(lay, rng)
    glue_variant = rng.randrange(3)

    learner, degree = person or (drawn_person, degree)
    licence = licence or drawn_licence
    accredited = lay.provider or pool_provider
    if lay.accreditation == "joint_providership":
        provider = lay.partner or society
        acc_truth: str | None = accredited
    elif lay.accreditation == "label":
        provider = accredited
        acc_truth = lay.partner
    elif lay.accreditation == "none":
        provider, acc_truth = accredited, None
    else:
        provider, acc_truth = accredited, accredited
    if lay.topic:
        title, topics = TOPIC_TITLES[lay.topic]
    elif lay.skeleton == "poc":
        title, topics = POC_TITLE, ()
    else:
        title, topics = neutral, ()
    if lay.skeleton.startswith("course_number"):
        title = f"#{9 * 10000 + base.toordinal() % 10000} {title}"
    start: date | None = None
    day = base
    if lay.date_style == "range_conf":
        day = base.replace(day=min(base.day, 24))
        start, day = day, day + timedelta(days=span)
    elif lay.date_style in {"range_words"}:
        start, day = base, base + timedelta(days=span)
    elif lay.date_style == "range_slash":
        start, day = base, base + timedelta(days=long_span)
    display = f"{learner}, {degree}"
    if lay.licence:
        display = _glue(learner, degree, licence, glue_variant)
    cert = _Cert(
        lay=lay,
        rng=rng,
        learner=learner,
        display=display,
        degree=degree,
        provider=provider,
        acc_org=accredited,
        acc_truth=acc_truth,
        title=title,
        topics=set(topics),
        day=day,
        start=start,
        amount=amount,
        maximum=maximum,
        licence=licence,
    )
    for rider in lay.riders:
        cert.topics.update(RIDERS[rider][1])
    return cert


# --------------------------------------------------------------------------------------------
# Wording


def _typo(c: _Cert, good: str, bad: str) -> str:
    return bad if "typos" in c.lay.extras else good


def _p(c: _Cert, runs: str | Sequence[Run], size: float = 11.0, **kw: Any) -> Para:
    seq: tuple[Run, ...] = ((runs, "r"),) if isinstance(runs, str) else tuple(runs)
    kw.setdefault("align", c.lay.align)
    return Para(seq, size=size, **kw)


def _name(c: _Cert, size: float = 22.0) -> Para:
    style = "bi" if c.lay.font == "Times" else "b"
    return _p(c, [(c.display, style)], size, before=10, static=False)


def _title(c: _Cert, size: float = 14.0) -> Para:
    return _p(c, [(c.title, "b")], size, before=6, static=False)


def _header(c: _Cert) -> list[Block]:
    lay = c.lay
    heading_style = "bi" if lay.font == "Times" else "b"
    blocks: list[Block] = [_p(c, [(c.provider, "b")], 15, before=0)]
    if lay.provider is None and lay.accreditation not in {"joint_providership"}:
        blocks.append(_p(c, "Office of Continuing Medical Education", 9, before=2))
    blocks.append(_p(c, [(lay.heading, heading_style)], 22 if lay.landscape else 20, before=14))
    blocks.append(Rule(before=6, after=2, frac=0.5))
    return blocks


def _accreditation(c: _Cert) -> list[str]:
    a, p, lay = c.acc_org, c.provider, c.lay
    accme = "Accreditation Council for Continuing Medical Education (ACCME)"
    out: list[str] = []
    if lay.accreditation == "direct":
        out.append(
            f"{a} is {_typo(c, 'accredited', 'accredted')} by the {accme} to provide continuing "
            "medical education for physicians."
        )
    elif lay.accreditation == "joint_providership":
        out.append(
            "This activity was planned and carried out in keeping with the accreditation "
            f"requirements and policies of the {accme} through the joint providership of {a} "
            f"and {p}. {a} is accredited by the ACCME to provide continuing medical education "
            "for physicians."
        )
    elif lay.accreditation == "joint_accreditation":
        out.append(
            f"In support of improving patient care, {a} is jointly accredited by the {accme}, "
            "the Accreditation Council for Pharmacy Education (ACPE), and the American Nurses "
            "Credentialing Center (ANCC), to provide continuing education for the healthcare team."
        )
    elif lay.accreditation == "aoa":
        verb = c.record("aoa_1a", c.maximum, "designated")
        out.append(
            f"{a} is accredited by the American Osteopathic Association to provide osteopathic "
            f"continuing medical education for physicians. {a} designates this program for a "
            f"maximum of {verb} AOA Category 1-A credits and will report CME and specialty "
            "credits in line with the extent of each physician's participation."
        )
        if "ama_dual" in lay.extras:
            out.append(
                f"{a} is also accredited by the {accme} to provide continuing medical "
                "education for physicians."
            )
    elif lay.accreditation == "cdr":
        out.append(
            f"{a} (provider EV{c.day.year % 100}7) is a Continuing Professional Education "
            "Accredited Provider with the Commission on Dietetic Registration (CDR)."
        )
    return out


def _designation(c: _Cert) -> list[Sequence[Run]]:
    lay, a = c.lay, c.acc_org
    out: list[Sequence[Run]] = []
    ama_designation = lay.designation and (lay.system in AMA_SYSTEMS or "ama_dual" in lay.extras)
    if ama_designation and lay.system not in {"cdr"}:
        maximum = _typo(c, "maximum", "maxiumum")
        runs: list[Run] = [
            (f"{a} designates this {c.fmt_phrase} for a {maximum} of ", "r"),
            *c.ama(c.maximum, "designated"),
            (
                ". Physicians should claim only the credit commensurate with the extent of "
                "their participation in the activity.",
                "r",
            ),
        ]
        out.append(runs)
    system = lay.system
    if system == "ja":
        ch = c.record("ancc_contact_hours", c.maximum, "designated")
        pharm = ""
        if "pharm" in lay.extras:
            pharm = f", of which {_q(c.maximum / 2)} are in the area of pharmacology"
        out.append(
            [(f"Nurses: this activity is designated for {ch} ANCC contact hours{pharm}.", "r")]
        )
        ph = c.record("acpe_contact_hours", c.maximum, "designated")
        mode = "L" if lay.fmt == "live" else "H"
        ordinal = c.day.toordinal()
        uan = (
            f"JA{4000000 + ordinal % 99991:07d}-0000-{c.day.year % 100}-"
            f"{ordinal % 900 + 100:03d}-{mode}01-P"
        )
        ceu = (c.maximum / 10).quantize(Decimal("0.001")).normalize()
        out.append(
            [
                (
                    f"Pharmacists: {a} designates this continuing education activity for {ph} "
                    f"contact hours ({ceu} CEUs) (Universal Activity Number {uan}).",
                    "r",
                )
            ]
        )
        ip = c.record("ipce", c.maximum, "designated")
        out.append(
            [
                (
                    "This activity was planned by and for the healthcare team, and learners will "
                    f"receive {ip} Interprofessional Continuing Education (IPCE) credits for "
                    "learning and change.",
                    "r",
                )
            ]
        )
    elif system == "ama_abim":
        pts = c.maximum if lay.designation else c.amount
        kinds = {"mk": "Medical Knowledge MOC points", "pa": "Practice Assessment MOC points"}
        ctype = {"mk": "moc_abim_mk", "pa": "moc_abim_pa"}.get(lay.moc or "")
        c.moc.append({"board": "ABIM", "points": _q(pts), "credit_type": ctype})
        out.append(
            [
                (
                    "Successful completion of this CME activity, which includes participation in "
                    "the evaluation component, enables the participant to earn up to "
                    f"{c.amt(pts)} {kinds.get(lay.moc or '', 'MOC points')} in the American "
                    "Board of Internal Medicine's (ABIM) Maintenance of Certification (MOC) "
                    "program. Points are granted in step with the CME credit claimed; "
                    f"{a} reports completion data to ACCME so that ABIM MOC credit can be "
                    "granted.",
                    "r",
                )
            ]
        )
    elif system == "ama_abp":
        whole = int(c.maximum.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        c.moc.append({"board": "ABP", "points": _q(Decimal(whole)), "credit_type": "moc_abp_ll"})
        out.append(
            [
                (
                    "Successful completion of this CME activity, which includes an individual "
                    "assessment with feedback to the learner, enables the learner to earn up to "
                    f"{whole} MOC points in the American Board of Pediatrics' (ABP) Maintenance "
                    "of Certification (MOC) program, counted toward Lifelong Learning and "
                    "Self-Assessment (Part 2).",
                    "r",
                )
            ]
        )
    elif system == "ama_abs":
        points = _q(c.maximum)
        c.moc.append({"board": "ABS", "points": points, "credit_type": "moc_abs_cme"})
        target = "the Accredited CME requirement"
        if lay.moc == "cme_sa":
            c.moc.append({"board": "ABS", "points": points, "credit_type": "moc_abs_sa"})
            target = "both the Accredited CME and the Self-Assessment requirements"
        out.append(
            [
                (
                    "Successful completion of this CME activity enables the learner to earn up "
                    f"to {c.amt(c.maximum)} credits toward {target} of the American Board of "
                    "Surgery's (ABS) Continuous Certification program. Completion data are "
                    "shared with the ABS through ACCME.",
                    "r",
                )
            ]
        )
    elif system == "ama_boards":
        shown = c.amt(c.maximum)
        whole = int(c.maximum.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        boards = [
            ("ABIM", "moc_abim_mk", f"ABIM MOC: {shown} Medical Knowledge points"),
            (
                "ABOHNS",
                "moc_abohns_ll",
                f"ABOHNS Continuing Certification: {shown} Lifelong Learning credits",
            ),
            (
                "ABPath",
                "moc_abpath_ll",
                f"ABPath Continuing Certification: {shown} Lifelong Learning credits",
            ),
            ("ABA", "moc_aba_ll", f"ABA MOCA 2.0\u00ae: {shown} Lifelong Learning credits"),
            ("ABP", "moc_abp_ll", f"ABP MOC: {whole} Lifelong Learning and Self-Assessment points"),
        ]
        out.append(
            [
                (
                    "Successful completion of this CME activity enables the learner to earn "
                    "credit toward the following board programs; completion data are sent to "
                    "the boards through ACCME:",
                    "r",
                )
            ]
        )
        for board, ctype, line in boards:
            points = _q(Decimal(whole)) if board == "ABP" else _q(c.maximum)
            c.moc.append({"board": board, "points": points, "credit_type": ctype})
            out.append([(f"\u2022 {line}", "r")])
    elif system == "aafp":
        kind = "Live" if lay.fmt == "live" else "Enduring Material"
        up = c.record("aafp_prescribed", c.maximum, "designated")
        out.append(
            [
                (
                    f"This {kind} activity, {c.title}, has been reviewed and is acceptable for up "
                    f"to {up} Prescribed credit(s) by the American Academy of Family Physicians. "
                    f"Term of approval begins {_long(c.day - timedelta(days=150))}. Term of "
                    "approval is for one year from this date.",
                    "r",
                )
            ]
        )
        out.append(
            [
                (
                    "AAFP Prescribed credit is accepted by the American Medical Association as "
                    "equivalent to ",
                    "r",
                ),
                *c.ama_phrase(None),
                (" toward the AMA Physician's Recognition Award.", "r"),
            ]
        )
    elif system == "aapa":
        up = c.record("aapa_1", c.maximum, "designated")
        out.append(
            [
                (
                    f"{a} has been authorized by the American Academy of PAs (AAPA) to award "
                    "AAPA Category 1 CME credit for activities planned in line with AAPA CME "
                    f"Criteria. This activity is designated for {up} AAPA Category 1 CME credits. "
                    f"Approval is valid until {_long(c.day + timedelta(days=240))}. PAs should "
                    "claim only the credit that matches their participation.",
                    "r",
                )
            ]
        )
    elif system == "cdr":
        up = c.record("cdr_cpeu", c.maximum, "designated")
        out.append(
            [
                (
                    f"This program offers up to {up} CPEUs from the Commission on Dietetic "
                    "Registration. CPE Level 2.",
                    "r",
                )
            ]
        )
    return out


def _riders(c: _Cert) -> list[str]:
    out: list[str] = []
    for rider in c.lay.riders:
        text = RIDERS[rider][0]
        if rider == "opioid":
            x = max(Decimal("0.25"), (c.amount / 2).quantize(Decimal("0.25")))
            text = text.format(x=_q(x), y=_q(Decimal("0.5")))
        elif rider == "fl_broker":
            text = text.format(n4=f"{c.day.toordinal() % 9000 + 1000}")
        out.append(text)
    return out


def _footer(c: _Cert) -> list[Block]:
    lay = c.lay
    left = _accreditation(c)
    right: list[Sequence[Run]] = _designation(c)
    right += [[(r, "r")] for r in _riders(c)]
    if "release_dates" in lay.extras:
        release = c.day - timedelta(days=200)
        right.append(
            [
                (
                    f"Release date: {_long(release)}. Expiration date: "
                    f"{_long(release + timedelta(days=365 * 2))}.",
                    "r",
                )
            ]
        )
    if lay.footer == "none" or not (left or right):
        return []
    size = 8.5 if lay.footer == "two_column" else 9.0
    if lay.footer == "two_column":
        lcol = tuple(Para(((t, "r"),), size=size, align="left", before=4) for t in left)
        rcol = tuple(Para(tuple(r), size=size, align="left", before=4) for r in right)
        if not lcol:
            lcol, rcol = rcol[: len(rcol) // 2 or 1], rcol[len(rcol) // 2 or 1 :]
        return [Rule(before=0, after=2, frac=1.0, thickness=0.5), Columns(lcol, rcol)]
    paras: list[Block] = [Rule(before=0, after=2, frac=1.0, thickness=0.5)]
    paras += [_p(c, t, size, before=4) for t in left]
    paras += [_p(c, r, size, before=4) for r in right]
    return paras


def _tail(c: _Cert) -> list[Block]:
    lay = c.lay
    out: list[Block] = []
    if lay.signature:
        name, role = SIGNERS[c.day.toordinal() % len(SIGNERS)]
        out.append(Signature(name, role, align="right" if lay.align == "left" else "center"))
    if "cert_id" in lay.extras:
        initials = "".join(w[0] for w in c.provider.split() if w[0].isupper())
        out.append(
            _p(
                c,
                f"Certificate ID: {initials}-{c.day.year}-{c.day.toordinal() % 999983:06d}",
                8,
                before=8,
                static=False,
            )
        )
    return out


def _body(c: _Cert) -> list[Block]:
    lay, sk = c.lay, c.lay.skeleton

    def award() -> list[Run]:
        # called only where the wording shows the award, so that truth follows the text
        return c.main_award() if lay.awarded else []

    if sk in {"award_line", "course_number"}:
        certifies = _typo(c, "certifies that", "certifies tthat")
        participated = _typo(c, "has participated", "has partcipated")
        if "inline" in lay.extras:
            runs: list[Run] = [
                (f"{c.provider} {certifies} ", "r"),
                (c.display, "b"),
                (f" {participated} in the {c.fmt_phrase} titled ", "r"),
                (c.title, "b"),
                (f" {c.when()} and {c.award_verb} ", "r"),
                *award(),
                (".", "r"),
            ]
            return [Spacer(8), _p(c, runs, 13, before=10, static=False)]
        return [
            _p(c, f"{c.provider} {certifies}", 12, before=12),
            _name(c),
            _p(c, f"{participated} in the {c.fmt_phrase} titled", 12, before=8),
            _title(c),
            _p(
                c,
                [(f"{c.when()} and {c.award_verb} ", "r"), *award(), (".", "r")],
                12,
                before=8,
                static=False,
            ),
        ]
    if sk == "to_certify":
        verb = "attended the" if lay.fmt == "live" else "has completed the"
        if lay.fmt_phrase == "test-item writing activity":
            verb = "has completed the"
        tail: list[Run] = [(f"{c.when()}, and has been awarded ", "r"), *award(), (".", "r")]
        return [
            _p(c, "This is to certify that", 13, before=14),
            _name(c),
            _p(c, f"{verb} {c.fmt_phrase}", 12, before=8),
            _title(c),
            _p(c, tail, 12, before=8, static=False),
        ]
    if sk == "document_certifies":
        verb = "attended the" if lay.fmt == "live" else "completed the"
        runs = [
            ("This document certifies that ", "r"),
            (c.display, "b"),
            (f" {verb} {c.fmt_phrase} ", "r"),
            (c.title, "b"),
            (f", presented by {c.provider} {c.when()}, and was awarded ", "r"),
            *award(),
            (".", "r"),
        ]
        return [Spacer(10), _p(c, runs, 13, before=10, static=False)]
    if sk == "label_value":
        label = {"journal": "Journal-based CME activity"}.get(lay.fmt or "", c.fmt_phrase)
        credit_type = "".join(t for t, _ in c.ama_phrase(None))
        hours = c.record("ama_pra_1", c.amount, "hours")
        assert c.acc_truth is not None
        return [
            _p(c, "This certifies that", 12, before=16),
            _name(c, 20),
            Rows((("successfully completed", ((label, "r"),)),), size=11, label_frac=0.34),
            _title(c, 13),
            Rows(
                (
                    ("Date", ((c.date_text(), "r"),)),
                    ("Credit type", ((credit_type, "r"),)),
                    ("Credits / Hours of participation", ((hours, "r"),)),
                    ("Accredited Provider", ((c.acc_truth, "r"),)),
                ),
                size=11,
                label_frac=0.34,
                before=10,
            ),
            _p(
                c,
                "* Claim only the credit that matches the time you spent on the article and "
                "its assessment.",
                8,
                before=18,
            ),
            _p(c, f"\u00a9 {c.day.year} {c.provider}", 8, before=4),
        ]
    if sk == "pim_range":
        runs = [
            (f"{c.provider} certifies that ", "r"),
            (c.display, "b"),
            (" has participated in the enduring material CME activity titled ", "r"),
            (c.title, "b"),
            (f" {c.when()} and is awarded ", "r"),
            *award(),
            (".", "r"),
        ]
        return [Spacer(10), _p(c, runs, 12, before=10, static=False)]
    if sk == "awarded_total":
        phrase = f"for participating in the {c.fmt_phrase}" if lay.fmt else "for participating in"
        return [
            _name(c),
            _p(c, [("is awarded a total of ", "r"), *award()], 13, before=8, static=False),
            _p(c, phrase, 12, before=8),
            _title(c),
            _p(c, f"{c.when()}.", 12, before=8, static=False),
        ]
    if sk == "stanford_hours":
        hours = c.record("ama_pra_1", c.amount, "hours")
        return [
            _p(c, f"{c.provider} certifies that", 12, before=12),
            _name(c),
            _p(
                c,
                f"has participated for {hours} hours in the Enduring Material titled",
                12,
                before=8,
                static=False,
            ),
            _title(c),
            _p(c, f"{c.when()}.", 12, before=8, static=False),
            _p(
                c,
                [
                    ("This Activity was designated for ", "r"),
                    *c.ama(c.maximum, "designated"),
                    (".", "r"),
                ],
                11,
                before=14,
            ),
        ]
    if sk in {"designated_only", "attendance"}:
        blocks: list[Block] = [
            _p(c, "This certifies that", 13, before=14),
            _name(c),
            _p(c, f"attended the {c.fmt_phrase}", 12, before=8),
            _title(c),
            _p(c, f"{c.when()}.", 12, before=8, static=False),
        ]
        if sk == "designated_only":
            blocks.append(
                _p(
                    c,
                    [
                        ("This activity was designated for ", "r"),
                        *c.ama(c.maximum, "designated"),
                        (".", "r"),
                    ],
                    11,
                    before=14,
                )
            )
        return blocks
    if sk == "claimed_form":
        claimed = [
            *c.ama(c.amount, "awarded"),
            (
                f" out of a designated maximum of {c.record('ama_pra_1', c.maximum, 'designated')}",
                "r",
            ),
        ]
        hours = c.record("ama_pra_1", c.amount, "hours")
        return [
            Rows(
                (
                    ("Participant", ((c.display, "r"),)),
                    ("Activity title", ((c.title, "r"),)),
                    ("Activity type", ((c.fmt_phrase.capitalize(), "r"),)),
                    ("Date of participation", ((c.date_text(), "r"),)),
                    ("Claimed credit", tuple(claimed)),
                    ("Provider", ((c.provider, "r"),)),
                ),
                style="colon",
                size=11,
                before=16,
                label_frac=0.3,
            ),
            _p(
                c,
                f"I certify that I participated in {hours} hours of this activity.",
                11,
                before=18,
                static=False,
            ),
            Signature(c.learner, "Participant signature", align="left"),
        ]
    if sk == "credit_table":
        rows: list[tuple[str, tuple[Run, ...]]] = [("Credit type", (("Credits awarded", "b"),))]
        ama_label = "".join(t for t, s in c.ama_phrase(c.amount) if s != "sup")
        rows.append((ama_label, ((c.record("ama_pra_1", c.amount, "awarded"), "r"),)))
        rows.append(
            ("ANCC contact hours", ((c.record("ancc_contact_hours", c.amount, "awarded"), "r"),))
        )
        rows.append(
            ("ACPE contact hours", ((c.record("acpe_contact_hours", c.amount, "awarded"), "r"),))
        )
        rows.append(("IPCE credits", ((c.record("ipce", c.amount, "awarded"), "r"),)))
        return [
            _p(c, "This is to certify that", 12, before=10),
            _name(c),
            _p(c, f"completed the {c.fmt_phrase}", 12, before=6),
            _title(c),
            _p(c, f"{c.when()}.", 12, before=6, static=False),
            Rows(tuple(rows), style="grid", size=10, before=12, label_frac=0.6),
        ]
    if sk == "aoa_form":
        return [
            Rows(
                (
                    ("AOA ID", ((f"{c.day.toordinal() % 900000 + 100000}", "r"),)),
                    ("Physician", ((c.display, "r"),)),
                    ("Program", ((c.title, "r"),)),
                    ("Program Number", ((f"{c.day.year}-{c.day.toordinal() % 9000:04d}", "r"),)),
                    ("Date(s) of program", ((c.date_text(), "r"),)),
                    ("Credits earned", tuple(award())),
                    ("Issue Date", ((fmt_day(c.day + timedelta(days=9), lay.date_style), "r"),)),
                ),
                style="colon",
                before=16,
                label_frac=0.32,
            ),
            _p(
                c,
                f"This activity was designated for {c.record('aoa_1b', c.maximum, 'designated')} "
                "CME credit(s) in Category 1-B and will be submitted to the AOA.",
                11,
                before=14,
            ),
        ]
    if sk == "cdr_form":
        return [
            Rows(
                (
                    ("Participant", ((c.display, "r"),)),
                    (
                        "CDR registration number",
                        ((f"{c.day.toordinal() % 9000000 + 1000000}", "r"),),
                    ),
                    ("Program title", ((c.title, "r"),)),
                    ("Activity type", (("Self-study enduring material", "r"),)),
                    ("Date completed", ((c.date_text(), "r"),)),
                    ("CPEUs awarded", ((c.record("cdr_cpeu", c.amount, "awarded"), "r"),)),
                    ("CPE level", (("2", "r"),)),
                ),
                style="colon",
                before=16,
                label_frac=0.34,
                bold_labels=True,
            ),
        ]
    if sk == "poc":
        blocks = [
            _p(c, f"{c.provider} certifies that", 12, before=12),
            _name(c),
            _p(
                c,
                [
                    ("has earned ", "r"),
                    *award(),
                    (" through the Internet point-of-care activity", "r"),
                ],
                12,
                before=8,
                static=False,
            ),
            _title(c),
            _p(
                c,
                f"for clinical questions researched and documented {c.when()}.",
                11,
                before=8,
                static=False,
            ),
            _p(c, "Credit accrues at 0.5 per documented clinical question.", 9, before=8),
        ]
        if lay.system == "poc_multi":
            aafp = min(c.amount, Decimal(20))
            blocks.append(
                Rows(
                    (
                        ("Credit type", (("Amount", "b"),)),
                        ("AMA PRA Category 1 Credit(s)\u2122", ((c.amt(c.amount), "r"),)),
                        (
                            "AAFP Prescribed credit",
                            ((c.record("aafp_prescribed", aafp, "awarded"), "r"),),
                        ),
                        (
                            "AOA Category 2-B credit",
                            ((c.record("aoa_2b", c.amount, "awarded"), "r"),),
                        ),
                    ),
                    style="grid",
                    size=10,
                    before=12,
                    label_frac=0.6,
                )
            )
        return blocks
    if sk == "letter":
        last = c.learner.split()[-1]
        letter_day = c.day + timedelta(days=21)
        return [
            _p(c, _long(letter_day), 11, before=18, static=False),
            _p(c, c.display, 11, before=14, static=False),
            _p(c, STREETS[c.day.toordinal() % len(STREETS)], 11, before=1, static=False),
            _p(c, CITIES[c.day.toordinal() % len(CITIES)], 11, before=1, static=False),
            _p(c, f"Dear Dr. {last}:", 11, before=16, static=False),
            _p(
                c,
                [
                    ("Thank you for attending ", "r"),
                    (c.title, "b"),
                    (
                        f", a {c.fmt_phrase} presented by {c.provider} {c.when()}. Our records "
                        "show that you have been awarded ",
                        "r",
                    ),
                    *award(),
                    (" for your participation. Please keep this letter for your records.", "r"),
                ],
                11,
                before=10,
                static=False,
            ),
            _p(c, "Sincerely,", 11, before=14),
        ]
    if sk == "overlay_rows":
        return [
            _p(
                c,
                "This certifies that the participant below completed the activity shown.",
                12,
                before=14,
            ),
            Rows(
                (
                    ("Participant", ((c.display, "b"),)),
                    ("Activity", ((c.title, "r"),)),
                    ("Format", ((c.fmt_phrase.capitalize(), "r"),)),
                    ("Date completed", ((c.date_text(), "r"),)),
                    ("Credit awarded", tuple(award())),
                ),
                size=12,
                before=14,
                label_frac=0.3,
            ),
        ]
    raise ValueError(f"unknown skeleton {sk}")


def _letterhead(c: _Cert) -> list[Block]:
    return [
        _p(c, [(c.provider, "b")], 16, before=0),
        _p(c, "Continuing Medical Education", 10, before=2),
        Rule(before=6, after=2, frac=1.0, thickness=1.2),
    ]


def _page(c: _Cert) -> PageSpec:
    lay = c.lay
    head = _letterhead(c) if lay.skeleton == "letter" else _header(c)
    body = head + _body(c) + _tail(c)
    return PageSpec(
        body=tuple(body),
        footer=tuple(_footer(c)),
        family=lay.font,
        landscape=lay.landscape,
        border=lay.border,
        watermark="CERTIFIED" if "watermark" in lay.extras else None,
        overlay="overlay" in lay.extras,
    )


def compose(
    lay: Layout,
    seed: int,
    *,
    salt: str = "",
    person: tuple[str, str] | None = None,
    licence: str | None = None,
) -> tuple[PageSpec, Truth, tuple[str, str]]:
    """One certificate of a layout: its page, its truth (page 1) and its (learner, degree).

    ``person`` and ``licence`` override the drawn learner and licence number without changing
    anything else on the certificate.
    """
    rng = random.Random(f"cert:{seed}:{lay.name}:{salt}")
    cert = _new_cert(lay, rng, person=person, licence=licence)
    return _page(cert), cert.truth(), (cert.learner, cert.degree)


# --------------------------------------------------------------------------------------------
# Files


def _scan_plan(seed: int, index: int, order: int, kind: str) -> Degradation:
    """Degradation of the ``order``-th scan: mostly mild skew (|angle| <= 1.5), a quarter of
    them 1.5-3 degrees, four turned by exactly 90 or 180 degrees, half of the JPEGs in colour
    on tinted paper (PNG scans stay greyscale, which keeps them small)."""
    rng = random.Random(f"scan:{seed}:{index}")
    turns = {1: 1, 4: 2, 8: 1, 12: 2}.get(order, 0)
    tints = ((250, 244, 228), (238, 243, 250), (247, 238, 226))
    if turns:
        angle = 0.0
    elif rng.random() < 0.72:
        angle = rng.uniform(-1.5, 1.5)
    else:
        angle = rng.choice((-1, 1)) * rng.uniform(1.5, 3.0)
    return Degradation(
        dpi=rng.choice((200, 240) if kind == "scan_png" else (200, 240, 300)),
        angle=round(angle, 1),
        quarter_turns=turns,
        blur=round(rng.uniform(0.3, 0.75), 2),
        noise=rng.randrange(8, 30),
        jpeg_quality=rng.randrange(60, 86),
        tint=tints[order % 3] if kind == "scan_jpeg" and (order // 2) % 2 == 0 else None,
    )


def _write_text(out: Path, stem: str, pages: list[PageSpec], title: str) -> Path:
    path = out / f"{stem}.pdf"
    write_pdf(path, pages, title=title)
    return path


def _manifest_entry(f: CorpusFile, out_dir: Path, extra: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": f.path.relative_to(out_dir).as_posix(),
        "kind": f.kind,
        "layout": f.layout,
        "truths": f.truths,
    }
    entry.update(extra)
    return entry


def generate(out_dir: Path, *, seed: int = 0, scans: bool = True) -> list[CorpusFile]:
    """Write the corpus into ``out_dir`` (created if missing) and return what was written.

    Deterministic for a seed. ``scans=False`` skips the image PDFs and the scans (text, multi
    and repeated PDFs only), for quick tests.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[CorpusFile] = []
    extras: list[dict[str, Any]] = []
    composed: list[tuple[Layout, PageSpec, Truth, Path]] = []
    for index, lay in enumerate(LAYOUTS):
        page, truth, _ = compose(lay, seed)
        stem = f"{index:02d}_{lay.name}"
        path = _write_text(out_dir, stem, [page], truth["title"])
        composed.append((lay, page, truth, path))
        files.append(CorpusFile(path, "text_pdf", lay.name, [truth]))
        extras.append({})

    # multi-certificate PDFs: one learner, different activities, one per page
    by_name = {lay.name: lay for lay in LAYOUTS}
    bundles = {
        "multi_journal_bundle": ["jn_label_value_journal"] * 4,
        "multi_mixed_bundle": [
            "award_abim_mk_left",
            "to_certify_times_superscript_tm",
            "credit_table_ja_live",
        ],
    }
    for bundle, names in bundles.items():
        pages: list[PageSpec] = []
        truths: list[Truth] = []
        person: tuple[str, str] | None = None
        for i, name in enumerate(names):
            for attempt in range(50):
                page, truth, drawn = compose(
                    by_name[name], seed, salt=f"{bundle}:{i}:{attempt}", person=person
                )
                if truth["title"] not in {t["title"] for t in truths}:
                    break
            person = person or drawn
            truth["page"] = i + 1
            pages.append(page)
            truths.append(truth)
        path = _write_text(out_dir, bundle, pages, "Certificates")
        files.append(CorpusFile(path, "multi_pdf", "+".join(names), truths))
        extras.append({})

    # the same certificate once per state licence, the licence number glued to the name
    repeats = {
        "repeated_licences_course": (
            "course_number_texas_licence",
            ("CA:G48213", "TX:R7731", "FL:ME90412"),
        ),
        "repeated_licences_kentucky": (
            "course_number_kentucky_landscape",
            ("KY:41877", "OH:35.118842"),
        ),
    }
    for stem, (name, licences) in repeats.items():
        pages, truths = [], []
        for i, lic in enumerate(licences):
            page, truth, _ = compose(by_name[name], seed, salt=stem, licence=lic)
            truth["page"] = i + 1
            pages.append(page)
            truths.append(truth)
        path = _write_text(out_dir, stem, pages, truths[0]["title"])
        files.append(CorpusFile(path, "repeated_pdf", name, truths))
        extras.append({})

    if scans:
        scan_order = 0
        for index, (lay, page_spec, truth, path) in enumerate(composed):
            stem = f"{index:02d}_{lay.name}"
            if index % 3 == 0:
                img = rasterise(path, 200, 0)[0]
                out = out_dir / f"{stem}.image.pdf"
                write_image_pdf(out, [img], [lay.landscape])
                files.append(CorpusFile(out, "image_pdf", lay.name, [copy.deepcopy(truth)]))
                extras.append({})
                continue
            kind = "scan_png" if index % 3 == 1 else "scan_jpeg"
            plan = _scan_plan(seed, index, scan_order, kind)
            scan_order += 1
            out = out_dir / f"{stem}.scan.{'png' if kind == 'scan_png' else 'jpg'}"
            clean = render_page(page_spec, plan.dpi, plan.angle)
            noisy = degrade(clean, plan, random.Random(f"noise:{seed}:{index}"))
            save_scan(noisy, out, plan)
            files.append(CorpusFile(out, kind, lay.name, [copy.deepcopy(truth)]))
            extras.append({"degradation": plan.__dict__})

    manifest = [_manifest_entry(f, out_dir, e) for f, e in zip(files, extras, strict=True)]
    (out_dir / "truth.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return files


def load(out_dir: Path) -> list[CorpusFile]:
    """Read back a generated corpus from its ``truth.json``."""
    entries = json.loads((out_dir / "truth.json").read_text())
    return [CorpusFile(out_dir / e["path"], e["kind"], e["layout"], e["truths"]) for e in entries]


def main(argv: Sequence[str]) -> int:
    """``python -m tests.corpus.certificates OUT_DIR [SEED] [--no-scans]``"""
    args = [a for a in argv if not a.startswith("--")]
    if not args:
        print(main.__doc__)
        return 2
    started = time.perf_counter()
    files = generate(
        Path(args[0]), seed=int(args[1]) if len(args) > 1 else 0, scans="--no-scans" not in argv
    )
    print(f"{len(files)} files in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
