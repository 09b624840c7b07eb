"""The kinds of error fresh6 showed, fixed in general by rules 2026-12-06.8.

fresh6.jsonl (77 items, written before this change) was measured once with rules 2026-12-06.7:
P 1.000 R 0.769, hard R 0.763, Spanish R 0.857 (tests/fixtures/eval/README-fresh6.md). Its nine
misses were then fixed by kind, so it is development data now.

Every short text below is constructed for this file (none is an item of an eval set): several
wordings per kind, in other words than the items that showed it, and the near misses each new
or widened rule must leave alone.
"""

from __future__ import annotations

import pytest

from pipeline.classify.classifier import Classifier
from tests.conftest import TOPICS
from tests.evalsets import assert_floor

# fresh6 with 2026-12-06.8: 39 of 39 found (38 hard, 7 Spanish), no false alarm. Floors a little
# below, so a later rule change may trade one item for a wider kind, not lose the kinds.
FRESH6_MIN_TP, FRESH6_MIN_HARD_TP, FRESH6_MIN_ES_TP, FRESH6_MAX_FP = 38, 37, 6, 1


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_yaml(TOPICS)


FOUND = [
    # ben.eligibility: immigration status named as "status under federal law"
    (
        "Scholarship rules: applicants may not be denied an award because of their status "
        "under federal law",
        "ben.status_under_federal_law",
    ),
    (
        "HB 1200 (104th GA) Amends the Children's Health Insurance Program Act. Provides that a "
        "child is eligible for coverage regardless of the child's status under federal law.",
        "ben.status_under_federal_law",
    ),
    (
        "Community college board policy: residents who cannot receive state aid due to their "
        "status under federal immigration law may apply for the district grant",
        "ben.status_under_federal_law",
    ),
    (
        "Becas para estudiantes sin importar su estatus bajo la ley federal",
        "ben.status_under_federal_law",
    ),
    # leg.representation: applications in lawyers' words
    (
        "Grant to the legal aid society for help with adjustment of status and naturalization",
        "leg.status_applications",
    ),
    (
        "Workshop for spouses of U.S. citizens on adjusting status to lawful permanent resident",
        "leg.status_applications",
    ),
    ("Library hosts free help with family-based petitions on Saturday", "leg.status_applications"),
    ("Taller sobre ajuste de estatus para cónyuges de ciudadanos", "leg.status_applications"),
    (
        "Orientación gratuita sobre peticiones para familiares en el extranjero",
        "leg.status_applications",
    ),
    (
        "Agreement with a nonprofit whose DOJ accredited representatives will staff the "
        "citizenship clinic",
        "leg.accredited_representative",
    ),
    (
        "Funding for two accredited representatives at a recognized organization to assist "
        "residents with asylum applications",
        "leg.accredited_representative",
    ),
    # enf.hiring: E-Verify worded without its name
    (
        "Bid specification: the vendor shall confirm the work authorization of each new hire",
        "enf.eligibility_verification",
    ),
    (
        "Ordinance requiring businesses receiving incentives to verify that each worker has "
        "authorization to work in the United States",
        "enf.eligibility_verification",
    ),
    (
        "Contractors must confirm new hires through the federal verification system",
        "enf.eligibility_verification",
    ),
    (
        "Los contratistas deberán verificar la elegibilidad de empleo de sus trabajadores",
        "enf.eligibility_verification",
    ),
    # enf.trust_laws: the TRUST Act by number
    (
        "Sheriff's Office General Order amended to conform with 5 ILCS 805/15 and 805/20",
        "enf.trust_act_citation",
    ),
    (
        "Police policy 428 on civil immigration detainers (5 Ill. Comp. Stat. 805)",
        "enf.trust_act_citation",
    ),
    ("Training on the requirements of 5 ILCS 805 for all sworn officers", "enf.trust_act_citation"),
    # det.land_use: federal holding facilities in zoning
    (
        "Plan Commission hearing: special use standards for federal detention and processing "
        "centers in the I-1 district",
        "det.federal_holding_zoning",
    ),
    (
        "Zoning text amendment adding setbacks for federal holding facilities",
        "det.federal_holding_zoning",
    ),
    # wel.all_residents: "without fear", "no matter where they were born"
    (
        "Resolution so that all families can raise their families, pray and go to school without "
        "fear",
        "wel.without_fear",
    ),
    ("Proclamation: every neighbor may seek medical care without fear", "wel.without_fear"),
    (
        "Resolution affirming that our village belongs to everyone, no matter where they came from",
        "wel.wherever_born",
    ),
    (
        "The Board affirms that residents are valued regardless of where they were born",
        "wel.wherever_born",
    ),
    (
        "Resolución: todos los vecinos pueden vivir, rezar y buscar ayuda sin miedo",
        "wel.without_fear_es",
    ),
]

QUIET = [
    # status under federal law that is not immigration status
    "Resolution confirming the Foundation's tax-exempt status under federal law",
    "Library Foundation: eligible for tax-exempt status under federal law as a 501(c)(3)",
    "Veterans preference: employees eligible because of their veteran status under federal law",
    "Wetland permit: the bat's threatened status under federal law affects tree removal timing",
    "Status report on the water main project",
    # adjustments of status that are HR or accounting
    "Adjustment of status of Officer Smith from probationary to permanent employee",
    "Personnel: adjustment of status from part-time to full-time for two clerks",
    "Budget adjustment; status of capital projects",
    "Family petition for guardianship of a minor continued by the circuit court",
    # accredited representatives that are not immigration
    "Contract with an accredited representative of the VA to help veterans file disability claims",
    "County Veterans Assistance Commission: accredited representatives for pension claims",
    "Union accredited representative at the bargaining session",
    # employment verification that is not work authorization
    "Background checks and employment verification for new library staff",
    "Income verification for the senior rent rebate program",
    "Work permits for minors under 16: the school office will verify age certificates",
    "Verify the employment history of applicants for police officer",
    # statute numbers that are not the TRUST Act
    "Compliance with 5 ILCS 120 (Open Meetings Act) training for new trustees",
    "Annual report under 5 ILCS 140 (Freedom of Information Act)",
    "Amendment under 805 ILCS 105 (General Not For Profit Corporation Act)",
    # processing facilities that are not federal holding
    "Special use permit for a food processing facility in the M-1 district",
    "Zoning variance for the federal building parking lot",
    "Rezoning for a recycling processing center near the rail yard",
    "USPS processing and distribution center: zoning for truck parking",
    # without fear / where born that are not welcoming resolutions
    "Heritage festival features food from around the world, no matter where you come from",
    "Hospital maternity ward: all babies, no matter where they were born, get newborn screening",
    "Students learn to swim without fear at the park district pool",
    "Declaration of a safe place to work: staff may report harassment",
]


@pytest.mark.parametrize(("text", "rule"), FOUND)
def test_fresh6_kinds_are_found(classifier: Classifier, text: str, rule: str) -> None:
    verdict = classifier.classify(text)
    assert verdict.relevant, text
    assert rule in {e.rule for e in verdict.evidence}, [e.rule for e in verdict.evidence]


@pytest.mark.parametrize("text", QUIET)
def test_fresh6_kind_traps_stay_quiet(classifier: Classifier, text: str) -> None:
    verdict = classifier.classify(text)
    assert not verdict.relevant, (text, [e.rule for e in verdict.evidence])


def test_fresh6_floor(classifier: Classifier) -> None:
    assert_floor(
        classifier,
        "fresh6.jsonl",
        FRESH6_MIN_TP,
        FRESH6_MIN_HARD_TP,
        FRESH6_MIN_ES_TP,
        FRESH6_MAX_FP,
    )
