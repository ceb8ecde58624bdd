from datetime import date

from ninja import Field, Schema

from yiwang.core.api_support import IdList

from .enums import SharingScope


class SchoolOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    level_label: str
    province: str
    city: str
    parent_code: str | None
    branch_codes: list[str]


class AllianceMemberOut(Schema):
    code: str
    name: str
    joined_on: date


class AllianceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    lead_school_code: str
    members: list[AllianceMemberOut]


class PartnershipOut(Schema):
    id: int
    supporter_code: str
    supported_code: str
    since: date
    note: str


class SchoolRef(Schema):
    code: str
    name: str
    short_name: str


class SharingIn(Schema):
    """The sharing part of every bank item's create request (a patch names the same fields, optional)."""

    scope: SharingScope = SharingScope.SYSTEM
    alliance_ids: IdList = Field(default_factory=list, description="协作：共享给的联盟编号")
    partnership_ids: IdList = Field(default_factory=list, description="协作：共享给的对口支援关系编号")


class ScopeOut(Schema):
    """The sharing scope of every bank item's list answer."""

    scope: SharingScope
    scope_label: str

    @staticmethod
    def resolve_scope_label(obj) -> str:
        return obj.get_scope_display()


class SharingOut(ScopeOut):
    """The sharing part of every bank item's detail answer: the scope and, for 协作, what was picked."""

    shared_alliance_ids: list[int]
    shared_partnership_ids: list[int]

    @staticmethod
    def resolve_shared_alliance_ids(obj) -> list[int]:
        return [a.pk for a in obj.shared_alliances.all()]

    @staticmethod
    def resolve_shared_partnership_ids(obj) -> list[int]:
        return [p.pk for p in obj.shared_partnerships.all()]
