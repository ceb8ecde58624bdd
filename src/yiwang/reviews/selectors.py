"""Reading rubrics, sheets and the summary of a finished review."""

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet

from yiwang.core.errors import NotFoundError

from .enums import SheetStatus
from .models import ReviewScore, ReviewSheet, Rubric, RubricIndicator


def rubrics_usable_by(school_ids, purpose: str | None = None) -> QuerySet[Rubric]:
    """Active rubrics a school may use: rubrics are not secret, every school may reuse any one."""
    qs = Rubric.objects.filter(is_active=True).select_related("owner_school")
    if purpose:
        qs = qs.filter(purpose__in=[purpose, "general"])
    return qs.prefetch_related("indicators")


def access_rubric(rubric_id) -> Rubric:
    try:
        return Rubric.objects.select_related("owner_school").prefetch_related("indicators").get(pk=rubric_id)
    except (Rubric.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def sheets_of(subject) -> QuerySet[ReviewSheet]:
    """Every sheet of one subject (a round, an application), with scores, in one go."""
    return (
        ReviewSheet.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
            subject_id=subject.pk,
        )
        .select_related("reviewer_school", "rubric")
        .prefetch_related(
            Prefetch("scores", queryset=ReviewScore.objects.select_related("indicator")),
            Prefetch("rubric__indicators", queryset=RubricIndicator.objects.order_by("position", "id")),
        )
        .order_by("id")
    )


def sheets_for_subjects(model, subject_ids) -> QuerySet[ReviewSheet]:
    return ReviewSheet.objects.filter(
        subject_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        subject_id__in=subject_ids,
    )


TWO_PLACES = Decimal("0.01")


def _q(value) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class ReviewSummary:
    """The result of a review: weighted average (百分制) over submitted sheets, spread, per indicator."""

    submitted: int
    assigned: int
    average: Decimal | None
    spread: Decimal | None  # highest − lowest total
    stdev: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None
    per_indicator: list[tuple[RubricIndicator, Decimal | None]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.assigned > 0 and self.submitted == self.assigned


def summarise(sheets, *, per_indicator: bool = True) -> ReviewSummary:
    """Counts, average, spread and deviation of the submitted totals; with ``per_indicator`` also
    each indicator's average (which reads the sheets' scores and the rubric's indicators)."""
    sheets = list(sheets)
    done = [s for s in sheets if s.status == SheetStatus.SUBMITTED]
    totals = [s.total for s in done]
    indicators: list[RubricIndicator] = (
        list(sheets[0].rubric.indicators.all()) if sheets and per_indicator else []
    )
    per: list[tuple[RubricIndicator, Decimal | None]] = []
    for ind in indicators:
        values = [sc.score for s in done for sc in s.scores.all() if sc.indicator_id == ind.pk]
        per.append((ind, _q(sum(values) / len(values)) if values else None))
    if not totals:
        return ReviewSummary(len(done), len(sheets), None, None, None, None, None, per)
    return ReviewSummary(
        submitted=len(done),
        assigned=len(sheets),
        average=_q(sum(totals) / len(totals)),
        spread=_q(max(totals) - min(totals)),
        stdev=_q(statistics.pstdev([float(t) for t in totals])) if len(totals) > 1 else Decimal("0.00"),
        lowest=_q(min(totals)),
        highest=_q(max(totals)),
        per_indicator=per,
    )
