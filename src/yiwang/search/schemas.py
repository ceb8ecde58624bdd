from ninja import Field, Schema

from .selectors import SearchHit


class FacetOptionOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    name: str
    label: str
    options: list[FacetOptionOut]


class SearchOut(Schema):
    query: str
    words: list[str]
    phrases: list[str]
    mode: str
    notice: str
    total: int
    page: int
    pages: int
    capped: bool
    results: list[SearchHit]  # the selector's own dataclass: one declaration of a hit's fields
    facets: list[FacetOut]


class MatchIn(Schema):
    need: str
    audience: str = ""
    form: str = ""
    school: int | None = None


class EvidenceOut(Schema):
    type: str
    type_label: str
    id: int
    title: str
    url: str
    matched: list[str]
    related: list[str] = Field(
        default_factory=list, description="需求词未直接出现时，找到的相关概念（概念表）"
    )


class TeacherMatchOut(Schema):
    id: int
    name: str
    school: str
    title: str
    url: str
    fit: float
    rating: float | None
    matched: list[str]
    evidence: list[EvidenceOut]
    related: list[str] = Field(default_factory=list, description="只通过相关概念覆盖的需求词")


class MatchOut(Schema):
    need: str
    words: list[str]
    audience: str
    form: str
    teachers: list[TeacherMatchOut]
