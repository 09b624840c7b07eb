"""The rules against the concept catalogue (docs/concepts.md), dev2 and the fresh sets.

fresh2.jsonl (164 items) was written and measured before rules 2026-12-06.5 (first sight P 0.947
R 0.789, hard R 0.627) and its errors fixed by kind, so it is development data now; fresh3.jsonl
(51 items) was written after those rules were frozen, measured once (P 0.900 R 0.667), then its
errors were fixed by kind in 2026-12-06.6, so it is development data too; fresh4.jsonl (58 items,
tests/test_classifier_kinds.py) is the first-sight set of those rules. All are constructed in the wording of Illinois agendas and
General Assembly synopses.

dev2.jsonl holds real agenda items, notices and bills collected from public pages (each with its
source URL), many in Spanish, labelled by the policy of ../shared/eval/README.md. The short texts
in the parametrized tests below are constructed (each says so) to pin one concept or trap of the
catalogue each; the dev sets hold the real wordings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.classify.classifier import Classifier, explain
from pipeline.classify.evaluate import NAIVE_KEYWORDS
from pipeline.configfile import YAML_LOADER

ROOT = Path(__file__).resolve().parent.parent
DEV2_SET = ROOT / "tests" / "fixtures" / "eval" / "dev2.jsonl"
FRESH_SET = ROOT / "tests" / "fixtures" / "eval" / "fresh.jsonl"
EVAL = ROOT / "tests" / "fixtures" / "eval"
TOPICS_FILE = ROOT / "config" / "topics.yaml"
CONCEPTS_FILE = ROOT / "docs" / "concepts.md"
# A concept heading in docs/concepts.md: "### wel.declaration: welcoming, sanctuary and ..."
CONCEPT_HEADING_RE = re.compile(r"^### ([a-z]+\.[a-z0-9_]+): ", re.MULTILINE)

# Floors, measured with rules 2026-12-06.3 and .4 on dev2 (152 items, 86 positive; 43 in Spanish, 27
# positive). Misses: a Yakima "Inclusive Policing Ordinance" title (no concept word at all);
# false alarm: a review of an immigrant-affairs commission's failure to convene (procedural).
DEV2_MIN_TP, DEV2_MAX_FP = 85, 1
DEV2_MIN_HARD_TP, DEV2_MAX_HARD_FP = 48, 1
DEV2_MIN_ES_TP, DEV2_MAX_ES_FP = 27, 0
# Floors, a little below what rules 2026-12-06.5 measured on fresh2 (written before them, then
# development data): 90/90 found, 0 false alarms, 51/51 hard, 14/14 Spanish.
FRESH2_MIN_TP, FRESH2_MAX_FP = 88, 1
FRESH2_MIN_HARD_TP, FRESH2_MIN_ES_TP = 49, 13


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_yaml(TOPICS_FILE)


@pytest.fixture(scope="module")
def dev2() -> list[dict[str, Any]]:
    with DEV2_SET.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_dev2_shape(dev2: list[dict[str, Any]]) -> None:
    assert len(dev2) == 152
    assert len({row["id"] for row in dev2}) == 152
    assert [row["id"] for row in dev2] == sorted(row["id"] for row in dev2)
    assert all(row["source"].startswith(("http://", "https://", "github:")) for row in dev2)
    assert all((row["topic"] == "none") != row["label"] for row in dev2)
    assert {row["lang"] for row in dev2} == {"en", "es"}
    assert sum(row["lang"] == "es" for row in dev2) == 43
    assert sum(row["label"] for row in dev2) == 86
    assert sum(row["label"] and row["hard"] for row in dev2) == 49


def _counts(
    classifier: Classifier, rows: list[dict[str, Any]]
) -> tuple[int, int, list[str], list[str]]:
    """(true positives, false positives, texts missed, texts wrongly flagged)."""
    tp = fp = 0
    missed, flagged = [], []
    for row in rows:
        relevant = classifier.classify(row["text"]).relevant
        tp += relevant and row["label"]
        fp += relevant and not row["label"]
        if row["label"] and not relevant:
            missed.append(row["text"])
        if relevant and not row["label"]:
            flagged.append(row["text"])
    return tp, fp, missed, flagged


def test_dev2_scores_do_not_regress(classifier: Classifier, dev2: list[dict[str, Any]]) -> None:
    tp, fp, missed, flagged = _counts(classifier, dev2)
    assert tp >= DEV2_MIN_TP and fp <= DEV2_MAX_FP, (missed, flagged)  # P 0.988, R 0.988
    hard_tp, hard_fp, _, _ = _counts(classifier, [r for r in dev2 if r["hard"]])
    assert hard_tp >= DEV2_MIN_HARD_TP and hard_fp <= DEV2_MAX_HARD_FP
    es_tp, es_fp, missed, flagged = _counts(classifier, [r for r in dev2 if r["lang"] == "es"])
    assert es_tp >= DEV2_MIN_ES_TP and es_fp <= DEV2_MAX_ES_FP, (missed, flagged)  # P 1, R 1


def test_fresh_set_shape_and_floor(classifier: Classifier) -> None:
    # Collected after the rules were frozen; first measured at P 1.000 R 0.882 (2 misses), then
    # two catalogue gaps were fixed by concept (tests/fixtures/eval/README-fresh.md).
    with FRESH_SET.open(encoding="utf-8") as handle:
        fresh = [json.loads(line) for line in handle]
    assert len(fresh) == len({row["id"] for row in fresh}) == 33
    assert all(row["source"].startswith(("http://", "https://")) for row in fresh)
    assert sum(row["label"] for row in fresh) == 17
    assert sum(row["lang"] == "es" for row in fresh) == 8
    tp, fp, missed, flagged = _counts(classifier, fresh)
    assert (tp, fp) == (17, 0), (missed, flagged)


def test_every_rule_names_a_concept_of_the_catalogue() -> None:
    defined = CONCEPT_HEADING_RE.findall(CONCEPTS_FILE.read_text(encoding="utf-8"))
    assert len(defined) == len(set(defined)) > 20
    data = yaml.load(TOPICS_FILE.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    used = {
        rule["id"]: rule.get("concept", "") for t in data["topics"].values() for rule in t["rules"]
    }
    assert {rid for rid, concept in used.items() if concept not in defined} == set()
    # and every concept of the catalogue is worded by at least one rule
    assert set(defined) - set(used.values()) == set()


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # constructed, one concept each (see docs/concepts.md)
        (
            "Ordinance repealing the designation of English as the official language",
            "benefits_access",
        ),
        ("Resolution establishing a county identification card program", "benefits_access"),
        (
            "Ordinance regulating unscheduled intercity buses and the discharge of passengers",
            "shelter_new_arrivals",
        ),
        (
            "Resolution opposing a federal registry of residents based on religion or national origin",
            "other_immigration",
        ),
        ("Ordinance prohibiting private detention centers within the county", "detention"),
        (
            "Intergovernmental agreement for the housing of federal detainees arrested by CBP",
            "detention",
        ),
        (
            "Equal Access to Services Ordinance for limited English proficient residents",
            "benefits_access",
        ),
        (
            "Citizenship clinic: help with the naturalization application at the library",
            "legal_services",
        ),
        (
            "Resolution affirming the Village as a Safe Community for all residents",
            "welcoming_ordinance",
        ),
        ("A Resolution in support of justice and dignity for all residents", "welcoming_ordinance"),
        ("Scholarship program for undocumented students", "benefits_access"),
        ("Grant agreement with IDHS for the Illinois Welcoming Center", "benefits_access"),
        ("Moción para declarar a la ciudad como ciudad santuario", "welcoming_ordinance"),
        (
            "Ordenanza que prohíbe a la policía preguntar el estatus migratorio",
            "enforcement_cooperation",
        ),
        ("Fondos para el albergue de solicitantes de asilo", "shelter_new_arrivals"),
        ("Contrato de asesoría legal para las personas en riesgo de deportación", "legal_services"),
        ("Funding for the county Rapid Response Network and its hotline", "legal_services"),
        # constructed, concepts added from fresh2's errors (2026-12-06.5)
        (
            "Review of the Police Department's license plate reader data-sharing with federal "
            "agencies",
            "enforcement_cooperation",
        ),
        (
            "Ordinance ending requests to hold individuals beyond their scheduled release date",
            "enforcement_cooperation",
        ),
        ("Resolution ending participation in Secure Communities", "enforcement_cooperation"),
        (
            "Policy on responding to requests from federal agents for information about students",
            "enforcement_cooperation",
        ),
        (
            "Ordinance: no federal enforcement on City property without a judicial warrant",
            "enforcement_cooperation",
        ),
        (
            "Bill requiring notice to employees of Form I-9 inspections",
            "enforcement_cooperation",
        ),
        ("Ordinance establishing a curfew for buses unloading passengers", "shelter_new_arrivals"),
        (
            "Response to buses of families sent from Texas to the train station",
            "shelter_new_arrivals",
        ),
        (
            "Translation of vital documents for residents with limited English",
            "benefits_access",
        ),
        (
            "Standard driver's licenses for applicants unable to provide a Social Security number",
            "benefits_access",
        ),
        (
            "Bill allowing lawful permanent residents to vote in local elections",
            "benefits_access",
        ),
        ("Resolution supporting TPS holders from Haiti and Venezuela", "other_immigration"),
        (
            "Resolution opposing the restriction of entry of nationals from six countries",
            "other_immigration",
        ),
        ("Resolution against family separation at the border", "other_immigration"),
        (
            "Moratorium on private detention and processing facilities in the village",
            "detention",
        ),
        ("Programa de tarjetas de identificación para residentes del condado", "benefits_access"),
        (
            "Ayuda para las familias del condado que no tienen documentos",
            "other_immigration",
        ),
    ],
)
def test_concepts_that_never_say_immigrant(classifier: Classifier, text: str, topic: str) -> None:
    verdict = classifier.classify(text)
    assert verdict.relevant, explain(verdict, text)
    assert verdict.topics[0] == topic, explain(verdict, text)


@pytest.mark.parametrize(
    "text",
    [
        # constructed, one trap each (see docs/concepts.md)
        "Naturalization of the detention basin plantings along Route 59",
        "Resurfacing of Refugee Road from Hamilton Road to Alum Creek Drive",
        "Grant to the DACA Downtown Arts and Culture Alliance for the spring gallery walk",
        "Grant to the county immigration history museum for a new exhibit on 1890s arrivals",
        "Approve the minutes of the Immigrant Affairs Commission meeting of March 3",
        "Welcome new members to the Immigrant Rights Commission",
        "Library lecture: our immigrant ancestors and genealogy research",
        "Rest area and welcome center renovation on Interstate 57",
        "Migrant and Seasonal Head Start grant renewal",
        "Contract with the U.S. Marshals Service for the housing of federal detainees",
        "Private detention facility permit renewal under Chapter 50",
        "Refugio de animales: contrato de servicios veterinarios",
        "Temporada de migración de las mariposas monarca en el parque",
        "Asilo de ancianos: renovación del techo",
        "Ordinance establishing school drop-off and pick-up zones",
        "WIOA Rapid Response services for workers laid off at the Elm Street plant",
        "Rapid response team for water main breaks: overtime budget",
        # constructed, traps of the concepts added from fresh2's errors (2026-12-06.5)
        "Library Code of Conduct: maintaining a safe and welcoming environment for all visitors",
        "Renewal of ICE Data Services bond pricing subscription",
        "Purchase of three ICE pickup trucks for Public Works",
        "Flock Safety license plate reader cameras: purchase and installation agreement",
        "Identity Protection Policy: collection and use of Social Security numbers",
        "Payroll: employees without a Social Security number on file must provide one",
        "Civil violations of the Village Code: administrative adjudication hearing schedule",
        "Transfer of an inmate to federal custody pursuant to a writ from the U.S. Marshals",
        "Federal law enforcement grant for community policing equipment",
        "Federal agents assisted the Police Department in the investigation of a bank robbery",
        "Family separation leave policy for Village employees",
        "Approval of charter bus transportation for the Senior Center day trip",
        "Purchase of two buses from a Texas dealer",
        "Mail ballot processing center lease for the County Clerk",
        "Non-English book collection development at the Public Library",
        "Vital records fee schedule of the County Clerk",
        "Library exhibit: refugee quilts from the Holocaust Museum collection",
        "Migrant labor camp licensing report from the county health department",
        "Permanent resident parking permits for the Downtown district",
        "Santuario de aves migratorias en la reserva forestal",
    ],
)
def test_traps_of_the_catalogue(classifier: Classifier, text: str) -> None:
    verdict = classifier.classify(text)
    assert not verdict.relevant, explain(verdict, text)


def test_welcoming_centers_are_not_welcome_centers(classifier: Classifier) -> None:
    # constructed: the welcome-centre exclusion must not swallow the IDHS Welcoming Centers
    verdict = classifier.classify("Illinois Welcoming Centers and highway welcome centers")
    assert [e.rule for e in verdict.evidence] == ["ben.welcoming_centers"]
    assert verdict.suppressed == ["welcome centers"]


def test_accents_do_not_matter(classifier: Classifier) -> None:
    # constructed: the same Spanish item with and without accents, and in capitals
    texts = [
        "Ordenanza de protección para inmigrantes y solicitantes de asilo",
        "Ordenanza de proteccion para inmigrantes y solicitantes de asilo",
        "ORDENANZA DE PROTECCIÓN PARA INMIGRANTES Y SOLICITANTES DE ASILO",
    ]
    verdicts = [classifier.classify(t) for t in texts]
    assert all(v.relevant for v in verdicts)
    assert len({tuple(e.rule for e in v.evidence) for v in verdicts}) == 1
    for text, verdict in zip(texts, verdicts, strict=True):
        for e in verdict.evidence:
            assert text[e.start : e.end] == e.text  # offsets are the original text's


# --- fresh2 to fresh6 (tests/fixtures/eval/README-fresh2.md ... README-fresh6.md) ---


def _load(name: str) -> list[dict[str, Any]]:
    with (EVAL / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _is_hard(row: dict[str, Any]) -> bool:
    """`hard` as the shared README defines it, for a row without the semantic-trap mark."""
    lowered = row["text"].lower()
    keyword = any(k in lowered for k in NAIVE_KEYWORDS if k != "ice")
    keyword = keyword or re.search(r"\bice\b", lowered) is not None
    return not keyword if row["label"] else keyword


@pytest.mark.parametrize(
    ("name", "prefix", "size", "positives", "spanish"),
    [
        ("fresh2.jsonl", "fresh2-", 164, 90, 24),
        ("fresh3.jsonl", "fresh3-", 51, 27, 8),
        ("fresh4.jsonl", "fresh4-", 58, 29, 10),
        ("fresh5.jsonl", "fresh5-", 69, 35, 12),
        ("fresh6.jsonl", "fresh6-", 77, 39, 11),
    ],
)
def test_fresh_sets_shape(name: str, prefix: str, size: int, positives: int, spanish: int) -> None:
    rows = _load(name)
    assert len(rows) == len({row["id"] for row in rows}) == size
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    assert all(row["id"].startswith(prefix) for row in rows)
    assert {row["source"] for row in rows} == {f"constructed-{prefix[:-1]}"}
    assert all((row["topic"] == "none") != row["label"] for row in rows)
    assert sum(row["label"] for row in rows) == positives
    assert sum(row["lang"] == "es" for row in rows) == spanish
    # `hard` follows the README: computed from the keywords, or a marked semantic trap
    assert all(row["hard"] == _is_hard(row) for row in rows if row["label"])
    assert all(row["hard"] for row in rows if not row["label"] and _is_hard(row))


def test_fresh_sets_repeat_no_text_of_the_other_sets() -> None:
    def texts(name: str) -> set[str]:
        return {" ".join(row["text"].lower().split()) for row in _load(name)}

    names = [p.name for p in sorted(EVAL.glob("*.jsonl"))]
    fresh = [name for name in names if name.startswith("fresh") and name != "fresh.jsonl"]
    assert fresh == ["fresh2.jsonl", "fresh3.jsonl", "fresh4.jsonl", "fresh5.jsonl", "fresh6.jsonl"]
    for name in fresh:
        others = set().union(*(texts(other) for other in names if other != name))
        assert texts(name) & others == set(), name


def test_fresh2_scores_do_not_regress(classifier: Classifier) -> None:
    rows = _load("fresh2.jsonl")
    tp, fp, missed, flagged = _counts(classifier, rows)
    assert tp >= FRESH2_MIN_TP and fp <= FRESH2_MAX_FP, (missed, flagged)  # P 1.000 R 1.000
    hard_tp, hard_fp, missed, flagged = _counts(classifier, [r for r in rows if r["hard"]])
    assert hard_tp >= FRESH2_MIN_HARD_TP and hard_fp <= FRESH2_MAX_FP, (missed, flagged)
    es_tp, es_fp, missed, flagged = _counts(classifier, [r for r in rows if r["lang"] == "es"])
    assert es_tp >= FRESH2_MIN_ES_TP and es_fp == 0, (missed, flagged)
