"""Header and row text of the transcript fixtures (see fixtures.py), one "a | b | c" per row."""

from __future__ import annotations

Row = tuple[str, ...]


def r(line: str) -> Row:
    return tuple(cell.strip() for cell in line.split("|"))


def rows(block: str) -> tuple[Row, ...]:
    return tuple(r(line) for line in block.strip().splitlines())


PASSPORT_HEADER = r(
    "Activity Title | Provider | ACCME Activity ID | Completion Date | Credit Type | Credits"
    " | MOC Board | MOC Points"
)

PASSPORT_ROWS = rows("""
Hypertension Update 2024 | Stanford Medicine CME | 202412345 | 03/14/2024 | AMA PRA Category 1 Credit | 2.00 | ABIM | 2.00
Hypertension Update 2024 | Stanford Medicine CME | 202412345 | 03/14/2024 | Nursing | 2.00 | |
Pediatric Sepsis Recognition | Children's Hospital Colorado | 202498765 | 05/02/2024 | AMA PRA Category 1 Credit | 1.50 | ABP | 1.50
Opioid Prescribing: Safe Practice | Boston University CME | 202311111 | 11/20/2023 | AMA PRA Category 1 Credit | 3.00 | |
""")  # noqa: E501

EDHUB_HEADER = r(
    "Activity Title | Completion Date | Credit Type | Credits Claimed | Accredited Provider"
    " | Format"
)

EDHUB_ROWS = rows("""
Effect of Semaglutide on Kidney Outcomes | October 22, 2023 | AMA PRA Category 1 Credit(s)™ | 1 | American Medical Association | Journal-based CME activity
STEPS Forward: Preventing Physician Burnout | November 3, 2023 | AMA PRA Category 1 Credit(s)™ | 0.50 | American Medical Association | Enduring material
JAMA Clinical Reviews: Atrial Fibrillation | December 12, 2023 | AMA PRA Category 1 Credit(s)™ | 0.25 | American Medical Association | Internet point-of-care
""")  # noqa: E501

AAFP_HEADER = r("Date | Activity Title | Sponsor | Credit Type | Live/Enduring | Credits")

AAFP_ROWS = rows("""
02/10/2023 | FMX 2023 - Family Medicine Experience | AAFP | Prescribed | Live | 7.33
04/18/2023 | Formal Activity - Elective | County Hospital | Elective | Live | 2.00
06/01/2023 | AFP Journal CME Quiz: Asthma | AAFP | Prescribed | Enduring | 1.00
09/12/2023 | Total Knee Arthroplasty: Primary Care Follow-up | Ortho Partners | Prescribed | Live | 1.25
""")  # noqa: E501

ACP_HEADER = r("Activity | Date Earned | CME Credits | ABIM MOC Points | MOC Type")

ACP_ROWS = rows("""
MKSAP 19: Cardiovascular Medicine | 01/22/2024 | 16.00 | 16 | Medical Knowledge
Internal Medicine Meeting 2024 | 04/20/2024 | 18.50 | 18.50 |
ACP Quality Improvement Module | 06/30/2024 | 5.00 | 5 | Practice Assessment
""")

ACS_HEADER = r("Program Name | Date Awarded | CME Credit | Self-Assessment Credit")

ACS_ROWS = rows("""
Clinical Congress 2023 | 10/25/2023 | 24.00 |
Tumor Board 01/2024 - 06/2024 | 06/30/2024 | 12.00 |
SESAP 17: Breast | 03/02/2024 | 10.00 | 10.00
""")

ACOEM_HEADER = r("Course Title | Completion Date | CME Credits | ABPM MOC (LLSA)")

ACOEM_ROWS = rows("""
AOHC 2024: Occupational Health Conference | 04/17/2024 | 20.00 | 20.00
Fitness for Duty Evaluations | 07/08/2024 | 2.00 |
""")

NCCPA_HEADER = r(
    "Activity Start Date | Activity End Date | Activity Title | Sponsor | Provider | Category"
    " | Credits Logged | Cycle"
)

NCCPA_ROWS = rows("""
05/20/2024 | 05/24/2024 | AAPA 2024 Conference | American Academy of PAs | AAPA | Category 1 | 25.00 | 2024-2026
07/01/2024 | | Journal reading: NEJM | Self | | Category 2 | 3.00 | 2024-2026
""")  # noqa: E501

CLOUDCME_HEADER = r("Date(s) | Activity Title | # of Hours | Credit")

CLOUDCME_ROWS = rows("""
01/05/2023 - 01/07/2023 | Winter Cardiology Symposium | 12.00 | 12.00 AMA PRA Category 1 Credit(s)™
02/14/2023 | Medical Grand Rounds: Heart Failure | 1.00 | 1.00 AMA PRA Category 1 Credit(s)™
03/09/2023 | Nursing Pharmacology Update | 1.50 | 1.50 Contact Hours
""")

GENERIC_HEADER = r("Title | Provider | Completion Date | Credits | Credit Type")
