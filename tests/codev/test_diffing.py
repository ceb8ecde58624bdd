from yiwang.codev.diffing import change_counts, side_by_side


def test_character_level_changes_in_chinese():
    rows = side_by_side("纪念馆位于越秀区。\n不变的一行", "纪念馆位于广州市越秀区。\n不变的一行")
    assert rows[0].tag == "replace"
    assert rows[0].new.segments == [("same", "纪念馆位于"), ("ins", "广州市"), ("same", "越秀区。")]
    assert rows[0].old.segments == [("same", "纪念馆位于"), ("same", "越秀区。")]
    assert rows[1].tag == "equal"
    assert change_counts(rows) == {"deleted": 0, "inserted": 3}


def test_deleted_and_inserted_lines():
    rows = side_by_side("甲\n乙", "甲\n丙\n丁")
    assert [r.tag for r in rows] == ["equal", "replace"]
    assert change_counts(rows) == {"deleted": 1, "inserted": 3}


def test_empty_texts():
    assert side_by_side("", "") == []
    [row] = side_by_side("", "新")
    assert (row.tag, row.new.segments) == ("insert", [("ins", "新")])
