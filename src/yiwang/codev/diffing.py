"""Side-by-side comparison of two versions of a text, at character level.

Chinese has no spaces, so words cannot be the unit: lines are matched first (cheap, and what a
reader scans), then each changed block of lines is compared character by character with
``difflib.SequenceMatcher``. The result is plain data (segments of text with a tag); the
template renders it with Django's autoescaping, so nothing a user typed becomes HTML.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

MAX_CHAR_BLOCK = 20_000  # a changed block longer than this is shown as a whole deletion + insertion


@dataclass
class Side:
    segments: list[tuple[str, str]] = field(default_factory=list)  # (tag, text): same / del / ins

    def add(self, tag: str, text: str) -> None:
        if text:
            self.segments.append((tag, text))


@dataclass
class Row:
    tag: str  # equal / replace / delete / insert
    old: Side
    new: Side


def _chars(old: str, new: str) -> tuple[Side, Side]:
    left, right = Side(), Side()
    if len(old) + len(new) > MAX_CHAR_BLOCK:
        left.add("del", old)
        right.add("ins", new)
        return left, right
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.add("same", old[i1:i2])
            right.add("same", new[j1:j2])
        else:
            left.add("del", old[i1:i2])
            right.add("ins", new[j1:j2])
    return left, right


def side_by_side(old_text: str, new_text: str) -> list[Row]:
    """Rows of (old, new): unchanged lines side by side, changed blocks marked per character."""
    old_lines = (old_text or "").splitlines()
    new_lines = (new_text or "").splitlines()
    rows: list[Row] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for line_a, line_b in zip(old_lines[i1:i2], new_lines[j1:j2], strict=True):
                rows.append(Row("equal", Side([("same", line_a)]), Side([("same", line_b)])))
        elif tag == "replace":
            left, right = _chars("\n".join(old_lines[i1:i2]), "\n".join(new_lines[j1:j2]))
            rows.append(Row("replace", left, right))
        elif tag == "delete":
            rows.append(Row("delete", Side([("del", "\n".join(old_lines[i1:i2]))]), Side()))
        else:
            rows.append(Row("insert", Side(), Side([("ins", "\n".join(new_lines[j1:j2]))])))
    return rows


def change_counts(rows: list[Row]) -> dict[str, int]:
    """Characters deleted and inserted (the summary above a comparison)."""
    deleted = sum(len(t) for r in rows for tag, t in r.old.segments if tag == "del")
    inserted = sum(len(t) for r in rows for tag, t in r.new.segments if tag == "ins")
    return {"deleted": deleted, "inserted": inserted}
