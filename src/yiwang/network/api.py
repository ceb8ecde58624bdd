"""Read-only API over the school network (for signed-in users)."""

from django.shortcuts import get_object_or_404
from ninja import Router

from yiwang.accounts.api_auth import SignedIn

from . import selectors
from .models import School
from .schemas import AllianceOut, PartnershipOut, SchoolOut

PREFIX = "network"
router = Router(tags=["学校网络"], auth=SignedIn())


def _school_out(school: School, branch_codes: list[str]) -> dict:
    return {
        "code": school.code,
        "name": school.name,
        "short_name": school.short_name,
        "level": school.level,
        "level_label": school.get_level_display(),
        "province": school.province,
        "city": school.city,
        "parent_code": school.parent.code if school.parent_id else None,
        "branch_codes": branch_codes,
    }


@router.get("/schools", response=list[SchoolOut], summary="学校列表")
def list_schools(request):
    schools = list(School.objects.filter(is_active=True).select_related("parent").order_by("code"))
    branches: dict[int, list[str]] = {}
    for s in schools:
        if s.parent_id:
            branches.setdefault(s.parent_id, []).append(s.code)
    return [_school_out(s, branches.get(s.pk, [])) for s in schools]


@router.get("/schools/{code}", response=SchoolOut, summary="学校详情")
def get_school(request, code: str):
    school = get_object_or_404(School.objects.select_related("parent"), code=code, is_active=True)
    return _school_out(school, list(school.branches.filter(is_active=True).values_list("code", flat=True)))


@router.get("/alliances", response=list[AllianceOut], summary="协作联盟")
def list_alliances(request):
    return [
        {
            "id": a.pk,
            "name": a.name,
            "kind": a.kind,
            "kind_label": a.get_kind_display(),
            "lead_school_code": a.lead_school.code,
            "members": [
                {"code": m.school.code, "name": m.school.name, "joined_on": m.joined_on}
                for m in a.memberships.all()
            ],
        }
        for a in selectors.alliances_with_members()
    ]


@router.get("/partnerships", response=list[PartnershipOut], summary="对口支援关系")
def list_partnerships(request):
    return [
        {
            "id": p.pk,
            "supporter_code": p.supporter.code,
            "supported_code": p.supported.code,
            "since": p.since,
            "note": p.note,
        }
        for p in selectors.partnerships_of()
    ]
