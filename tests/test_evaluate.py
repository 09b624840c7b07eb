"""Tests for ``agenda-watch eval`` (pipeline.classify.evaluate) on the dev and held-out sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.classify.evaluate import Counts, guess_lang, load_rows
from pipeline.cli import main
from pipeline.cli.classify import eval_command

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
HOLDOUT_SET = ROOT / "tests" / "fixtures" / "eval" / "holdout.jsonl"
DEV2_SET = ROOT / "tests" / "fixtures" / "eval" / "dev2.jsonl"
TOPICS_FILE = ROOT / "config" / "topics.yaml"


def _run_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(eval_command, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_counts_scores() -> None:
    counts = Counts()
    for label, predicted in [(True, True), (True, False), (False, True), (False, False)] * 2:
        counts.add(label, predicted)
    assert (counts.tp, counts.fp, counts.fn, counts.tn, counts.n) == (2, 2, 2, 2, 8)
    assert counts.precision == counts.recall == counts.f1 == 0.5
    assert Counts().f1 == 0.0


def test_dev_json_matches_the_readme_baseline() -> None:
    data = _run_json(str(DEV_SET), "--baseline")
    naive = data["baseline"]
    # eval/README.md "Keyword-baseline reference": all 82/82/26/139, bills P 0.529 R 0.783
    assert [naive["all"][k] for k in ("tp", "fp", "fn", "tn")] == [82, 82, 26, 139]
    assert naive["all"]["precision"] == 0.5 and naive["all"]["f1"] == 0.6029
    assert (naive["kind=bill"]["precision"], naive["kind=bill"]["recall"]) == (0.5294, 0.7826)
    assert naive["kind=municipal_item"]["n"] == 223
    assert naive["real (not constructed)"]["n"] == 281
    rules = data["subsets"]
    assert [rules["all"][k] for k in ("tp", "fp", "fn", "tn")] == [107, 0, 1, 221]
    assert rules["hard"]["n"] == 36 + 116 and rules["hard"]["tp"] == 35
    assert data["rules_version"].startswith("rules-3/")


def test_dev_errors_carry_their_evidence() -> None:
    data = _run_json(str(DEV_SET))
    assert "baseline" not in data
    [miss] = data["misclassified"]
    assert miss["error"] == "false negative" and miss["hard"] is True
    assert miss["text"] == "February 25, 2026: IRC Executive Committee meeting"
    assert miss["evidence"] == [] and miss["score"] == 0
    assert data["topic_confusion"]["none"] == {"none": 221}
    assert data["per_topic"]["detention"]["positives"] == 6


def test_holdout_text_report() -> None:
    result = CliRunner().invoke(eval_command, [str(HOLDOUT_SET), "--baseline"])
    assert result.exit_code == 0, result.output
    out = result.output
    lines = out.splitlines()
    all_row = next(line for line in lines if line.strip().startswith("all "))
    # rules 40 TP, 0 FP, 0 FN, 38 TN (P 1.000 R 1.000); naive P 0.447 R 0.525
    assert all_row.split()[1:6] == ["78", "40", "0", "0", "38"]
    assert "1.000  1.000" in all_row and "| 0.447  0.525" in all_row
    assert "misclassified: 0" in out
    lang_row = next(line for line in lines if line.strip().startswith("lang=en "))
    assert lang_row.split()[1] == "78"  # no `lang` field: guessed, all English


def test_dev2_report_has_the_spanish_slice_and_its_errors() -> None:
    data = _run_json(str(DEV2_SET), "--baseline")
    subsets = data["subsets"]
    assert subsets["all"]["n"] == 152 and subsets["lang=es"]["n"] == 43
    assert subsets["lang=en"]["n"] + subsets["lang=es"]["n"] == 152
    assert subsets["lang=es hard"]["n"] == sum(
        1 for r in load_rows(DEV2_SET) if r["lang"] == "es" and r["hard"]
    )
    # the naive list is English: it misses Spanish positives the rules find
    assert data["baseline"]["lang=es"]["recall"] < subsets["lang=es"]["recall"]
    errors = {e["text"].split(" ")[0]: e for e in data["misclassified"]}
    assert set(errors) == {"Inclusive", "Discussion"}
    policing = errors["Inclusive"]
    assert policing["error"] == "false negative" and policing["evidence"] == []
    review = errors["Discussion"]
    assert review["error"] == "false positive"
    assert [e["rule"] for e in review["evidence"]] == ["oth.immigrant"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ordenanza de ciudad santuario para proteger a los inmigrantes", "es"),
        ("Resolución del concejo en apoyo de la comunidad", "es"),
        ("Resolution of the City Council in support of the Dream Act", "en"),
        ("Los Angeles Department of Water and Power", "en"),  # one Spanish word is not enough
        ("Welcoming City", "en"),
    ],
)
def test_guess_lang(text: str, lang: str) -> None:
    assert guess_lang(text) == lang


def test_fields_rows_and_rules_option(tmp_path: Path) -> None:
    data_file = tmp_path / "bills.jsonl"
    rows = [
        {
            "id": "a",
            "label": True,
            "fields": {"title": "AN ACT", "synopsis": "Creates U visa duties"},
        },
        {"id": "b", "label": False, "text": "Snow and ice control"},
    ]
    data_file.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    data = _run_json(str(data_file), "--rules", str(TOPICS_FILE))
    assert data["subsets"]["all"]["tp"] == 1 and data["subsets"]["all"]["tn"] == 1
    assert data["misclassified"] == []


def test_bad_rows_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": true}\n{"text": "y"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        load_rows(bad)
    result = CliRunner().invoke(eval_command, [str(bad)])
    assert result.exit_code != 0 and "bad.jsonl:2" in result.output


def test_registered_on_the_main_command() -> None:
    result = CliRunner().invoke(main, ["eval", "--help"])
    assert result.exit_code == 0 and "--baseline" in result.output
