"""State machines written as tables: which status may follow which, who may move it, and the verb.

Every service that changes a status asks its table (``TransitionTable.step``) inside the locked
transaction, so the allowed moves are read in one place and refused with one Chinese message::

    PROJECT_STEPS = TransitionTable(
        ProjectStatus,
        {
            ProjectStatus.DRAFT: {ProjectStatus.WRITING: ("lead", "开始撰写")},
            ...
        },
        noun="项目",
    )
    step = PROJECT_STEPS.step(project.status, to)   # raises ConflictError when not allowed
    if step.who == "lead" and not can_lead(by, project): ...
"""

from dataclasses import dataclass

from django.db.models import TextChoices

from .errors import ConflictError, DomainError


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    who: str
    label: str


class TransitionTable:
    def __init__(self, states: type[TextChoices], edges: dict, *, noun: str):
        self.states = states
        self.noun = noun
        self._steps: dict[tuple[str, str], Step] = {}
        for source, targets in edges.items():
            for target, (who, label) in targets.items():
                self._steps[(str(source), str(target))] = Step(str(source), str(target), who, label)

    def _label(self, value: str) -> str:
        try:
            return self.states(value).label
        except ValueError:
            return str(value)

    def step(self, current: str, to: str) -> Step:
        """The allowed step from ``current`` to ``to``; a Chinese refusal when there is none."""
        if to not in self.states.values:
            raise DomainError("目标状态无效。", field="status")
        found = self._steps.get((str(current), str(to)))
        if found is None:
            raise ConflictError(
                f"{self.noun}当前为“{self._label(current)}”，不能改为“{self._label(to)}”。", field="status"
            )
        return found

    def allowed_from(self, current: str) -> list[Step]:
        """The steps a page may offer as buttons (the caller filters them by ``who``)."""
        return [s for (source, _), s in self._steps.items() if source == str(current)]

    def can(self, current: str, to: str) -> bool:
        return (str(current), str(to)) in self._steps
