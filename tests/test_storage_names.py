"""Meeting files under lossless, bounded names; files stored under the old names keep working."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.models import Meeting, example_meeting
from pipeline.store.files import (
    JsonStore,
    legacy_meeting_path,
    meeting_path,
    safe_name,
    set_aside_file,
    unreadable_files,
)
from tests.conftest import examples

DATA = Path("/data")


def meeting(key: str) -> Meeting:
    return example_meeting().model_copy(update={"id": f"oak_park/20251202/{key}"})


def test_ids_that_used_to_share_a_file_get_their_own(tmp_path: Path) -> None:
    store = JsonStore(tmp_path)
    keys = ["7009.1", "7009-1", "7009_1", "7009/1", "ABC", "abc", "x" * 300, "a b", "ü"]
    for k in keys:
        assert store.write(meeting(k))  # each is new: written
    paths = [meeting_path(tmp_path, meeting(k).id) for k in keys]
    assert len(set(paths)) == len(keys) and all(p.is_file() for p in paths)
    assert [store.read(f"oak_park/20251202/{k}").id for k in keys] == [
        f"oak_park/20251202/{k}" for k in keys
    ]
    # Plain ids keep their readable name; the others a readable prefix and a hash.
    assert paths[1].name == "20251202-7009-1.json"
    assert paths[0].name.startswith("20251202-7009.1~") and paths[4].name.startswith(
        "20251202-abc~"
    )
    assert max(len(p.name) for p in paths) <= 80  # the 300-character id too


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.text(min_size=1, max_size=400), min_size=2, max_size=8, unique=True))
def test_names_are_injective_and_bounded(keys: list[str]) -> None:
    paths = {meeting_path(DATA, f"src/20251202/{k}") for k in keys}
    assert len(paths) == len(keys)
    stems = {safe_name(k) for k in keys}
    assert len(stems) == len(keys)
    for path in paths:
        assert len(path.name.encode("utf-8")) <= 120 and "/" not in path.name
        assert not path.name.startswith(".")


def test_a_file_under_its_old_name_is_read_then_moved_and_a_colliding_one_is_left(
    tmp_path: Path,
) -> None:
    store = JsonStore(tmp_path)
    dotted, dashed = meeting("7009.1"), meeting("7009-1")
    # As earlier versions stored it: "7009.1" under the name "7009-1" also maps to.
    old = legacy_meeting_path(tmp_path, dotted.id)
    assert old == meeting_path(tmp_path, dashed.id)
    old.parent.mkdir(parents=True)
    old.write_text(dotted.model_dump_json())
    assert store.read(dotted.id).id == dotted.id
    assert [m.id for m in store.iter_meetings()] == [dotted.id]
    # Stored again: it moves to its own name, and the old file is gone.
    new = store.write(dotted)
    assert new != old and not old.exists()
    assert [m.id for m in store.iter_meetings()] == [dotted.id]
    # "7009-1" owns that name now; rewriting "7009.1" never touches it.
    store.write(dashed)
    store.write(dotted)
    assert sorted(m.id for m in store.iter_meetings()) == sorted([dotted.id, dashed.id])
    store.remove(dotted.id)
    assert [m.id for m in store.iter_meetings()] == [dashed.id]


def test_an_unreadable_file_is_skipped_noted_and_can_be_set_aside(tmp_path: Path) -> None:
    store = JsonStore(tmp_path)
    store.write(meeting("1"))
    good = meeting_path(tmp_path, meeting("1").id)
    bad = good.with_name("20251202-2.json")
    bad.write_text(
        good.read_text().replace("2025-12-02T19:00:00-06:00", "9999-12-31T23:30:00-06:00")
    )
    assert [m.id for m in store.iter_meetings()] == [meeting("1").id]
    [(path, problem)] = store.unreadable
    assert path == bad and problem.startswith("start: date 9999-12-31T23:30:00-06:00 is outside")
    assert unreadable_files(tmp_path) == [(bad, problem)]
    moved = set_aside_file(tmp_path, bad)
    assert moved == tmp_path / "set_aside" / "meetings" / "oak_park" / "20251202-2.json"
    assert unreadable_files(tmp_path) == [] and moved.exists()
