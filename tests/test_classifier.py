"""Tests for pipeline.classify.classifier against the labelled dev set (a byte copy under fixtures).

The held-out set (tests/fixtures/eval/holdout.jsonl, `source: constructed-holdout`) was
written before the rules-2 changes and is not tuned on: its floors say how the rules do on
wording they were not written against.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from pipeline.classify.classifier import Classifier, TopicsConfig, explain
from pipeline.classify.rules import start_keys
from pipeline.configfile import YAML_LOADER
from pipeline.models import TOPICS, Classification

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
HOLDOUT_SET = ROOT / "tests" / "fixtures" / "eval" / "holdout.jsonl"
TOPICS_FILE = ROOT / "config" / "topics.yaml"

# Floors, measured with rules 2026-12-06.3 and .4 (any regression fails; raise them when rules improve).
# Dev: 107/108 positives found (the one miss is "IRC Executive Committee meeting": a body named
# only by initials), no false positive; hard positives 35/36, no hard negative flagged; 105 of
# the 107 found show the labelled topic first.
DEV_MIN_TP, DEV_MAX_FP = 107, 0
DEV_MIN_HARD_TP, DEV_MAX_HARD_FP = 35, 0
DEV_MIN_TOPIC_HITS = 105
# Held-out (78 items, 40 positive, 24 hard positive, 34 hard negative): all 40 found, no false
# positive. Optimistic: the ten rules-2 errors on this file were printed (by `agenda-watch
# eval`) before the rules-3 rewrite, so the file is no longer unseen; the concepts that fix
# them come from docs/concepts.md, not from its items.
HOLD_MIN_TP, HOLD_MAX_FP = 40, 0
HOLD_MIN_HARD_TP, HOLD_MAX_HARD_FP = 24, 0


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """The production rules."""
    return Classifier.from_yaml(TOPICS_FILE)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    """The labelled dev set."""
    with DEV_SET.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def verdicts(classifier: Classifier, rows: list[dict[str, Any]]) -> list[Classification]:
    """The classifier's verdict on each dev row, in order."""
    return [classifier.classify(row["text"]) for row in rows]


@pytest.fixture(scope="module")
def holdout() -> list[dict[str, Any]]:
    """The held-out set."""
    with HOLDOUT_SET.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _counts(
    rows: list[dict[str, Any]], verdicts: list[Classification], hard_only: bool = False
) -> tuple[int, int, int]:
    """(true positives, false positives, positives) over `rows`, or over the hard ones."""
    pairs = [
        (r["label"], v.relevant)
        for r, v in zip(rows, verdicts, strict=True)
        if r["hard"] or not hard_only
    ]
    return (
        sum(y and p for y, p in pairs),
        sum(p and not y for y, p in pairs),
        sum(y for y, _ in pairs),
    )


def _row_text(rows: list[dict[str, Any]], fragment: str) -> str:
    """The one dev text containing `fragment` (fails loudly if the set changed)."""
    found = [row["text"] for row in rows if fragment in row["text"]]
    assert len(found) == 1, f"{fragment!r} matches {len(found)} dev texts"
    return found[0]


def _raw_config() -> dict[str, Any]:
    with TOPICS_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=YAML_LOADER)
    return data


def test_dev_copy_is_the_shared_set(rows: list[dict[str, Any]]) -> None:
    assert len(rows) == 329
    assert sum(row["label"] for row in rows) == 108


def test_dev_scores_do_not_regress(
    rows: list[dict[str, Any]], verdicts: list[Classification]
) -> None:
    tp, fp, positives = _counts(rows, verdicts)
    assert positives == 108
    assert tp >= DEV_MIN_TP and fp <= DEV_MAX_FP  # P 1.000, R 0.991
    hard_tp, hard_fp, hard_positives = _counts(rows, verdicts, hard_only=True)
    assert hard_positives == 36
    assert hard_tp >= DEV_MIN_HARD_TP and hard_fp <= DEV_MAX_HARD_FP  # P 1.000, R 0.972


def test_topic_of_true_positives(
    rows: list[dict[str, Any]], verdicts: list[Classification]
) -> None:
    hits = [
        (r["topic"], v.topics[0])
        for r, v in zip(rows, verdicts, strict=True)
        if r["label"] and v.relevant
    ]
    assert sum(label == got for label, got in hits) >= DEV_MIN_TOPIC_HITS


def test_holdout_shape(holdout: list[dict[str, Any]]) -> None:
    assert len(holdout) == 78
    assert {row["source"] for row in holdout} == {"constructed-holdout"}
    assert sum(row["label"] for row in holdout) == 40
    assert sum(row["label"] and row["hard"] for row in holdout) == 24
    assert sum(not row["label"] and row["hard"] for row in holdout) == 34
    assert all((row["topic"] == "none") != row["label"] for row in holdout)


def test_holdout_scores_do_not_regress(
    classifier: Classifier, holdout: list[dict[str, Any]]
) -> None:
    verdicts = [classifier.classify(row["text"]) for row in holdout]
    tp, fp, _ = _counts(holdout, verdicts)
    assert tp >= HOLD_MIN_TP and fp <= HOLD_MAX_FP  # P 1.000, R 1.000
    hard_tp, hard_fp, _ = _counts(holdout, verdicts, hard_only=True)
    assert hard_tp >= HOLD_MIN_HARD_TP and hard_fp <= HOLD_MAX_HARD_FP  # P 1.000, R 1.000


@pytest.mark.parametrize(
    ("fragment", "suppressed"),
    [
        ("Community Ice Rink", "Ice Rink"),
        ("Snow and Ice Control Presentation", "Snow and Ice Control"),  # two exclusions, merged
        ("Ice Miller LLP", None),  # no firm-name exclusion: "Ice" is not capital ICE
        ("Welcoming Director Rivas", None),
        ("Retirement of Fire Chief", None),  # not in the set: guards the fragment helper below
        ("SANTA ANA IS A BIRD SANCTUARY", "bird sanctuary"),
        ("naturalized detention basin plantings", "naturalized detention basin plantings"),
        ("World Migratory Bird Day (WMBD)", "Migratory Bird"),
        ("migration of the Village's email system", "email system"),
        ("Asylum Avenue water main", "Asylum Avenue"),
        ("ICE fleet units", "ICE fleet units"),
        ("Migrant Education Grant", "Migrant Education"),
        ("Juvenile Detention Center", "Juvenile Detention"),
        ("alien invasive plant species", "alien invasive"),
        ("Emergency Warming Center (extreme cold shelter)", None),
        ("the town of Refugio ($39,000)", None),  # no rule matches "Refugio"
    ],
)
def test_traps_are_not_relevant(
    classifier: Classifier, rows: list[dict[str, Any]], fragment: str, suppressed: str | None
) -> None:
    if fragment == "Retirement of Fire Chief":
        text = "Retirement of Fire Chief and welcoming remarks for the new chief"
        suppressed = "welcoming remarks"
    else:
        text = _row_text(rows, fragment)
    verdict = classifier.classify(text)
    assert not verdict.relevant, explain(verdict, text)
    if suppressed == "email system":
        assert verdict.evidence == []
    elif suppressed is not None:
        assert any(s.lower() == suppressed.lower() for s in verdict.suppressed), verdict.suppressed


@pytest.mark.parametrize(
    ("fragment", "topic"),
    [
        ("adoption of the 287(g) task force officer model", "enforcement_cooperation"),
        ("Chapter 3.30 E-VERIFY", "enforcement_cooperation"),
        ("Language Access Plan: introduce the Four-Factor Analysis", "benefits_access"),
        ("Proposed Public Charge Rule", "benefits_access"),
        ("Issuance of Municipal Identification Cards", "benefits_access"),
        ("individual taxpayer identification numbers", "benefits_access"),
        ("open municipal elections to noncitizen residents", "benefits_access"),
        ("MC-02-2024: Adding Chapter 10.36", "shelter_new_arrivals"),
        ("system for transportation drop-off in Bureau County", "shelter_new_arrivals"),
        ("Live and Work Without Fear", "welcoming_ordinance"),
        ("community that supports all residents and visitors", "welcoming_ordinance"),
        ("U Visa Certification Act (New Mexico", "legal_services"),
        ("adult civil immigration detention", "detention"),
        ("prisons and detention centers", "detention"),
        ("Temporary Protected Status holders", "other_immigration"),
        ("regarding the DREAM Act", "other_immigration"),
    ],
)
def test_hard_positives_relevant_with_topic(
    classifier: Classifier, rows: list[dict[str, Any]], fragment: str, topic: str
) -> None:
    text = _row_text(rows, fragment)
    verdict = classifier.classify(text)
    assert verdict.relevant, explain(verdict, text)
    assert verdict.topics[0] == topic, explain(verdict, text)


def test_evidence_offsets_order_and_rules(
    classifier: Classifier, rows: list[dict[str, Any]]
) -> None:
    config = classifier.config
    rule_regex = {
        rule.id: re.compile(rule.source(), re.IGNORECASE)
        for topic in config.topics.values()
        for rule in topic.rules
    }
    texts = [row["text"] for row in rows] + [
        "Resolution: ‘Welcoming City’ ordinance — İstanbul\u00a0sister city; immigrants’ rights",
        "Ａ full-width text then I.C.E. and asylum\u2011seekers",
    ]
    for text in texts:
        verdict = classifier.classify(text)
        starts = [e.start for e in verdict.evidence]
        assert starts == sorted(starts)
        assert len(set(verdict.topics)) == len(verdict.topics)
        assert set(verdict.topics) == {e.topic for e in verdict.evidence}
        assert verdict.score == pytest.approx(sum(e.weight for e in verdict.evidence))
        folded = text.translate(str.maketrans("‘’\u00a0\u2011", "'' -"))
        for e in verdict.evidence:
            assert text[e.start : e.end] == e.text
            # matched at the span itself (look-behinds may read the words before it)
            match = rule_regex[e.rule].match(folded, e.start)
            assert match is not None and match.end() == e.end, (e.rule, e.text)


def test_counts_each_rule_once_and_ranks_topics(classifier: Classifier) -> None:
    text = "Immigrant services; immigrant services; immigrant services. Language access plan."
    verdict = classifier.classify(text)
    assert verdict.relevant
    assert verdict.topics[0] == "benefits_access"  # the catch-all topic yields to a defining match
    weights = [e.weight for e in verdict.evidence if e.rule == "oth.immigrant"]
    assert weights[0] == 1.0 and all(w == 0.0 for w in weights[1:])


def test_case_sensitive_ice(classifier: Classifier) -> None:
    assert classifier.classify("Resolution to bar ICE from city parking lots").relevant
    assert not classifier.classify("Resolution on ice time at the city rink").relevant
    assert classifier.classify("ICE is dangerous").evidence[0].rule == "enf.ice_acronym"


@pytest.mark.parametrize(
    "text",
    [
        "<!channel> <!here> @everyone immigration",
        "(((((((((((((((((((((((((((((((((((((((" * 50,
        "\\" * 10_000 + "*+?{}[]" * 2_000,
        "a" * 200_000,
        "ICE " * 100_000,
        "immigration " * 100_000,
        "snow and " * 100_000 + "ice",
        "\x00\ud7ff\uffff" * 50_000,
        "non-" * 100_000 + "sanctuary",
        "detention " * 50_000,
    ],
)
def test_hostile_input_is_fast(classifier: Classifier, text: str) -> None:
    start = time.perf_counter()
    verdict = classifier.classify(text)
    assert time.perf_counter() - start < 1.0
    assert len(verdict.evidence) <= 100 + 200  # repeats capped at 100; first matches kept
    for e in verdict.evidence:
        assert text[e.start : e.end] == e.text
        assert e.end <= classifier.max_chars


def test_only_the_first_max_chars_are_examined(classifier: Classifier) -> None:
    megabyte = "x " * 500_000
    start = time.perf_counter()
    assert not classifier.classify(megabyte + " immigration").relevant
    assert classifier.classify("immigration " + megabyte).relevant
    assert time.perf_counter() - start < 1.0
    verdict = classifier.classify("<!channel> please review")
    assert not verdict.relevant and verdict.evidence == [] and verdict.score == 0


def test_explain_names_rules_threshold_and_exclusions(classifier: Classifier) -> None:
    text = "Resolution to ban ICE from city property, including the Community Ice Rink"
    verdict = classifier.classify(text)
    report = explain(verdict, text)
    assert report.splitlines()[0].startswith("RELEVANT: score 2 vs threshold 1")
    assert "enf.ice_acronym" in report and "enforcement_cooperation" in report
    assert '"city property"  rule enf.public_property' in report
    assert '"Ice Rink"' in report and "suppressed" in report
    miss = classifier.classify("Snow and ice control policy")
    assert explain(miss, "Snow and ice control policy").startswith("not relevant: score 0")


def test_from_config_and_version(classifier: Classifier) -> None:
    config = TopicsConfig.model_validate(_raw_config())
    other = Classifier.from_config(config)
    assert other.version == classifier.version
    assert config.version in other.version
    assert other.classify("E-Verify ordinance").version == other.version
    assert set(config.topics) == set(TOPICS)


def _rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """The raw rule `rule_id` of a raw topics config."""
    rules = [r for t in data["topics"].values() for r in t["rules"] if r["id"] == rule_id]
    assert len(rules) == 1, rule_id
    rule: dict[str, Any] = rules[0]
    return rule


def _broken(mutate: Any) -> dict[str, Any]:
    data = _raw_config()
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "loc", "message"),
    [
        (
            lambda d: d["topics"]["detention"]["rules"][0].update(regex="(unclosed"),
            ("topics", "detention", "rules", 0, "regex"),
            "det.immigration_detention",
        ),
        (
            lambda d: _rule(d, "det.detainees_for_agency").update(context="[bad"),
            ("topics", "detention", "rules", 2, "context"),
            "det.detainees_for_agency",
        ),
        (
            lambda d: d["topics"]["detention"]["rules"][0].update(regex="(?<=civil )detention"),
            ("topics", "detention", "rules", 0, "regex"),
            "look-around '(?<=' is not supported",
        ),
        (
            lambda d: d["topics"]["detention"]["rules"][0].update(regex=r"(?:\w{0,999}){0,999}"),
            ("topics", "detention", "rules", 0, "regex"),
            "refused by the linear-time regex engine (RE2)",
        ),
        (
            lambda d: d["topics"]["detention"]["rules"][0].update(regex="x?"),
            ("topics", "detention", "rules", 0, "regex"),
            "empty string",
        ),
        (
            lambda d: d["topics"].update(zoning=d["topics"]["detention"]),
            ("topics", "zoning", "[key]"),
            "zoning",
        ),
        (
            lambda d: d["topics"]["legal_services"]["rules"][0].update(wieght=2),
            ("topics", "legal_services", "rules", 0, "wieght"),
            "Extra inputs",
        ),
        (
            lambda d: d["exclusions"][0].update(phrase="ice rink"),
            ("exclusions", 0),
            "exc.ice_things",
        ),
        (
            lambda d: d["topics"]["legal_services"]["rules"].append(
                {"id": "enf.e_verify", "phrase": "x", "weight": 1}
            ),
            (),
            "enf.e_verify",
        ),
        (lambda d: d.update(treshold=2), ("treshold",), "Extra inputs"),
    ],
)
def test_invalid_config_names_the_rule(mutate: Any, loc: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        TopicsConfig.model_validate(_broken(mutate))
    errors = info.value.errors()
    assert any(tuple(err["loc"]) == loc for err in errors), errors
    assert message in str(info.value)


def test_from_yaml_raises_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    data = _raw_config()
    data["topics"]["benefits_access"]["rules"][0]["regex"] = "lawful (presence"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="ben.lawful_presence"):
        Classifier.from_yaml(path)


def test_classify_fields_offsets_and_field_names(classifier: Classifier) -> None:
    fields = {
        "title": "An Act concerning government",
        "synopsis": "Amends the Illinois TRUST Act. Provides that a law enforcement agency "
        "may not comply with a detainer.",
        "amendment 1": "Replaces everything after the enacting clause; keeps the detainer ban.",
    }
    verdict = classifier.classify_fields(fields)
    assert verdict.relevant and verdict.topics[0] == "enforcement_cooperation"
    assert {e.field for e in verdict.evidence} == {"synopsis", "amendment 1"}
    for e in verdict.evidence:
        assert fields[e.field][e.start : e.end] == e.text
    detainers = [e for e in verdict.evidence if e.rule == "enf.detainer"]
    assert [(d.field, d.weight) for d in detainers] == [("synopsis", 1.5), ("amendment 1", 0.0)]
    assert verdict.score == pytest.approx(sum(e.weight for e in verdict.evidence)) == 3.0
    assert "[synopsis 11:29]" in explain(verdict, fields)  # "Illinois TRUST Act"


def test_classify_fields_context_stays_in_its_field(classifier: Classifier) -> None:
    # "shelter" needs a migrant context nearby; in another field it does not count
    apart = classifier.classify_fields({"title": "Emergency shelter", "notes": "asylum"})
    together = classifier.classify_fields({"title": "Emergency shelter for asylum seekers"})
    assert not apart.relevant and together.relevant
    assert classifier.classify_fields({}).evidence == []


def test_classify_is_one_unnamed_field(classifier: Classifier) -> None:
    text = "Resolution opposing 287(g) agreements"
    assert classifier.classify(text) == classifier.classify_fields({"": text})
    assert classifier.classify(text).evidence[0].field == ""


def test_capitalised_ice_needs_enforcement_words(classifier: Classifier) -> None:
    assert not classifier.classify("HB2222 SIDEWALK SNOW-ICE REMOVAL - Referred to Rules").relevant
    assert not classifier.classify(
        "LETTER OF ENGAGEMENT OF ICE MILLER LLP AS BOND COUNSEL"
    ).relevant
    assert classifier.classify("A RESOLUTION TO BAN ICE FROM GOVERNMENT PROPERTY").relevant
    assert classifier.classify("Resolution opposing ICE raids").relevant  # capitals prove it here


def test_ice_vehicle_exclusion_ignores_case_of_the_noun(classifier: Classifier) -> None:
    verdict = classifier.classify("Phase-out of ICE Vehicles in the Public Works Fleet")
    assert not verdict.relevant and verdict.suppressed == ["ICE Vehicles"]


def test_drop_off_counts_only_in_a_regulation(classifier: Classifier) -> None:
    assert not classifier.classify(
        "Passenger drop-off area improvements at the Metra station"
    ).relevant
    assert classifier.classify("Ordinance regulating charter bus drop-offs").relevant


def test_every_rule_has_start_keys(classifier: Classifier) -> None:
    # a rule without keys is searched for in every text (slow): keep the list empty
    assert classifier.always_run == []
    assert start_keys("(?:civil |federal ){0,2}immigration agents") == {"civil", "federa", "immigr"}
    assert start_keys(r"non[\s-]?sanctuary") == {"non", "nonsan"}
    assert start_keys(r"I\.C\.E\.?") == {"i"}
    assert start_keys(r"(?<=resident )tuition") == {"tuitio"}
    assert start_keys(r"adopt\w*|driv(?:er|ing)") == {"adopt*", "driv*"}  # prefix keys
    assert start_keys(r"in\w*") is None  # too short a prefix: searched for
    assert start_keys(r"\w+ act") is None


def test_non_ascii_text_takes_the_slow_path_with_same_offsets(classifier: Classifier) -> None:
    text = "İstanbul sister city; then ICE detainers and immigrants\u2019 rights"
    verdict = classifier.classify(text)
    assert verdict.relevant
    assert {e.rule for e in verdict.evidence} >= {"enf.detainer", "oth.immigrant"}
    for e in verdict.evidence:
        assert text[e.start : e.end] == e.text
