from datetime import date

from ninja import Schema


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
