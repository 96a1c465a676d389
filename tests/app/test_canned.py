"""Canned replies are kept per desk in a file of the device: newest first, no duplicates, removable,
and a damaged file reads as none rather than breaking the reply box."""

from __future__ import annotations

from pathlib import Path

from app.state.canned import LIMIT, CannedReplies


def test_canned_replies_are_kept_per_desk_newest_first(tmp_path: Path) -> None:
    canned = CannedReplies(tmp_path)
    canned.add("fb", "您好，已收到")
    canned.add("fb", "请提供截图")
    canned.add("other", "另一个服务台")
    assert canned.add("fb", " 您好，已收到 ") == ["您好，已收到", "请提供截图"]
    assert CannedReplies(tmp_path).of("fb") == ["您好，已收到", "请提供截图"]  # read back from the file
    assert CannedReplies(tmp_path).remove("fb", "请提供截图") == ["您好，已收到"]
    assert canned.of("other") == ["另一个服务台"]


def test_at_most_limit_per_desk_and_blank_is_not_saved(tmp_path: Path) -> None:
    canned = CannedReplies(tmp_path)
    for n in range(LIMIT + 5):
        canned.add("fb", f"回复 {n}")
    assert len(canned.of("fb")) == LIMIT and canned.of("fb")[0] == f"回复 {LIMIT + 4}"
    assert canned.add("fb", "   ") == canned.of("fb")


def test_a_damaged_file_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / "canned_replies.json").write_text("{not json", encoding="utf-8")
    assert CannedReplies(tmp_path).of("fb") == []
    assert CannedReplies(tmp_path).add("fb", "好") == ["好"]
