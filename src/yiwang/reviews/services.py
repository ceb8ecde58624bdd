"""Writing rubrics and sheets.

The calling app (合备一门课 rounds, 共研一个题 applications) owns its workflow and checks who may
assign or close a review; these functions hold what every review shares: the rubric's own rules,
回避 (no reviewer from a school on the team), scores within each indicator's range with none
missing, a sheet that cannot change once submitted, and the weighted total on a 100-point scale:

    total = 100 × Σ wᵢ·(sᵢ − minᵢ)/(maxᵢ − minᵢ) / Σ wᵢ
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.activity.services import record_audit
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError

from .enums import RubricPurpose, SheetStatus
from .models import ReviewScore, ReviewSheet, Rubric, RubricIndicator, score_text
from .rules import can_write_rubric


def _decimal(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(f"“{label}”须为数字。") from None
    if not number.is_finite():
        raise DomainError(f"“{label}”须为数字。")
    return number


def create_rubric(
    *,
    by,
    school,
    name: str,
    indicators: Iterable[dict],
    purpose: str = RubricPurpose.GENERAL,
    description: str = "",
) -> Rubric:
    """A rubric with its indicators (each: name, weight, min_score, max_score, description)."""
    if not can_write_rubric(by, school):
        raise PermissionDeniedError("只有本校教务、科研部门或学校管理员可以制定评审量表。")
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写量表名称。", field="name")
    if purpose not in RubricPurpose.values:
        raise DomainError("量表用途无效。", field="purpose")
    rows = []
    seen = set()
    for i, item in enumerate(indicators, start=1):
        label = (item.get("name") or "").strip()
        if not label:
            continue
        if label in seen:
            raise DomainError(f"指标“{label}”重复。", field="indicators")
        seen.add(label)
        weight = _decimal(item.get("weight", 1), f"{label}的权重")
        low = _decimal(item.get("min_score", 0), f"{label}的最低分")
        high = _decimal(item.get("max_score", 10), f"{label}的最高分")
        if weight <= 0:
            raise DomainError(f"指标“{label}”的权重须大于 0。", field="indicators")
        if high <= low:
            raise DomainError(f"指标“{label}”的最高分须大于最低分。", field="indicators")
        rows.append(
            RubricIndicator(
                name=label[:60],
                description=(item.get("description") or "").strip()[:300],
                weight=weight,
                min_score=low,
                max_score=high,
                position=i,
            )
        )
    if not rows:
        raise DomainError("量表至少需要一个评审指标。", field="indicators")
    try:
        with transaction.atomic():
            rubric = Rubric.objects.create(
                owner_school=school,
                name=name[:100],
                purpose=purpose,
                description=description.strip(),
                created_by=by,
            )
            for row in rows:
                row.rubric = rubric
            RubricIndicator.objects.bulk_create(rows)
            record_audit(
                actor=by,
                action="rubric.created",
                obj=rubric,
                school=school,
                after={"name": rubric.name, "indicators": [(r.name, str(r.weight)) for r in rows]},
            )
    except IntegrityError:
        raise ConflictError(f"本校已有名为“{name}”的评审量表。", field="name") from None
    return rubric


def require_no_conflict(*, reviewer_school, team_school_ids, reviewer_name: str = "") -> None:
    """回避: a reviewer may not belong to a school on the team."""
    school_id = getattr(reviewer_school, "pk", reviewer_school)
    if school_id is not None and school_id in set(team_school_ids):
        who = f"{reviewer_name}（{getattr(reviewer_school, 'name', '')}）" if reviewer_name else "该评审人"
        raise DomainError(f"回避：{who}所在学校参与了该项目，不能担任评审。", code="conflict_of_interest")


def add_sheet(
    *,
    subject,
    rubric: Rubric,
    team_school_ids,
    reviewer=None,
    reviewer_name: str = "",
    reviewer_school=None,
    reviewer_affiliation: str = "",
) -> ReviewSheet:
    """Assign one reviewer to a subject (call inside the app's own locked, audited transaction)."""
    if reviewer is not None and not reviewer_name:
        reviewer_name = reviewer.full_name or reviewer.username
    if not reviewer_name.strip():
        raise DomainError("请填写评审人姓名。", field="reviewer")
    require_no_conflict(
        reviewer_school=reviewer_school, team_school_ids=team_school_ids, reviewer_name=reviewer_name
    )
    try:
        with transaction.atomic():
            return ReviewSheet.objects.create(
                subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
                subject_id=subject.pk,
                rubric=rubric,
                reviewer=reviewer,
                reviewer_name=reviewer_name.strip()[:64],
                reviewer_school=reviewer_school,
                reviewer_affiliation=reviewer_affiliation.strip()[:100],
            )
    except IntegrityError:
        raise ConflictError(f"{reviewer_name}已是该项的评审人。", field="reviewer") from None


def weighted_total(indicators, scores: dict[int, Decimal]) -> Decimal:
    weights = sum(ind.weight for ind in indicators)
    acc = sum(
        ind.weight * (scores[ind.pk] - ind.min_score) / (ind.max_score - ind.min_score) for ind in indicators
    )
    return (Decimal(100) * acc / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def submit_sheet(
    *, sheet: ReviewSheet, scores: dict, comments: dict | None = None, comment: str = ""
) -> ReviewSheet:
    """Score every indicator within its range and submit; a submitted sheet never changes.

    ``scores`` maps indicator id → score (str/number); the caller has checked that the person
    submitting is the sheet's reviewer (account or signed link) and records the audit.
    """
    comments = comments or {}
    with transaction.atomic():
        sheet = ReviewSheet.objects.select_for_update().select_related("rubric").get(pk=sheet.pk)
        if sheet.status == SheetStatus.SUBMITTED:
            raise ConflictError("评审表已提交，不能修改。")
        indicators = list(sheet.rubric.indicators.order_by("position", "id"))
        clean: dict[int, Decimal] = {}
        for ind in indicators:
            raw = scores.get(ind.pk, scores.get(str(ind.pk)))
            if raw is None or str(raw).strip() == "":
                raise DomainError(f"请为指标“{ind.name}”打分。", field=f"score_{ind.pk}")
            value = _decimal(raw, ind.name)
            if not (ind.min_score <= value <= ind.max_score):
                raise DomainError(
                    f"指标“{ind.name}”的得分须在 {score_text(ind.min_score)}–{score_text(ind.max_score)} 之间。",
                    field=f"score_{ind.pk}",
                )
            clean[ind.pk] = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        known = {ind.pk for ind in indicators}
        extra = {int(k) for k in scores if str(k).isdigit()} - known
        if extra:
            raise DomainError("评分中含有不属于该量表的指标。")
        ReviewScore.objects.bulk_create(
            [
                ReviewScore(
                    sheet=sheet,
                    indicator=ind,
                    score=clean[ind.pk],
                    comment=str(comments.get(ind.pk, comments.get(str(ind.pk), "")) or "").strip()[:500],
                )
                for ind in indicators
            ]
        )
        sheet.total = weighted_total(indicators, clean)
        sheet.comment = (comment or "").strip()[:3000]
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = timezone.now()
        sheet.save(update_fields=["total", "comment", "status", "submitted_at", "updated_at"])
    return sheet


def remove_sheet(*, sheet: ReviewSheet) -> None:
    """Withdraw an assignment that has not been submitted."""
    with transaction.atomic():
        sheet = ReviewSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.status == SheetStatus.SUBMITTED:
            raise ConflictError("评审表已提交，不能撤销该评审人。")
        sheet.delete()
