from ninja import Schema


class FacetOptionOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    name: str
    label: str
    options: list[FacetOptionOut]


class SearchHitOut(Schema):
    type: str
    type_label: str
    id: int
    title: str
    title_html: str
    snippet_html: str
    names_html: str
    url: str
    school: str
    module: str
    category: str
    year: int | None
    rating: float | None
    score: float


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
    results: list[SearchHitOut]
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


class MatchOut(Schema):
    need: str
    words: list[str]
    audience: str
    form: str
    teachers: list[TeacherMatchOut]
