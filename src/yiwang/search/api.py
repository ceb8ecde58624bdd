"""/api/v1/search: one search over everything the caller may see; /api/v1/search/match: teachers for a need."""

from dataclasses import asdict

import ninja

from .schemas import MatchIn, MatchOut, SearchOut
from .selectors import match_teachers, search_visible_to

PREFIX = "search"
router = ninja.Router(tags=["搜索"])


@router.get("", response=SearchOut, summary="全文搜索（教师、讲题、课程、课题、成果）")
def search(
    request,
    q: str = "",
    type: str = "",
    school: int | None = None,
    module: int | None = None,
    category: str = "",
    year: int | None = None,
    page: int = 1,
):
    """按 BM25 排序，条目须包含足够多的词语（一两个词须全部包含，三四个词可缺一个，长问句约四成；
    无结果时改为包含任一词语，并在 notice 中说明）；同义词、简称、繁体字、拼音、单字均可检索；
    引号内为完整短语，“-词”排除，年份（2024、2024年）与“作者:”“学校:”用于筛选；
    结果、总数与分面计数只含调用者有权查看的条目。"""
    results = search_visible_to(
        request.auth, q, type=type, school=school, module=module, category=category, year=year, page=page
    )
    body = asdict(results)
    body["results"] = body.pop("hits")
    return body


@router.post("/match", response=MatchOut, summary="按需求匹配教师")
def match(request, payload: MatchIn):
    """按调用者可见的讲题、课程与科研成果为需求匹配教师，给出依据与评价均分。"""
    return asdict(
        match_teachers(
            request.auth, payload.need, audience=payload.audience, form=payload.form, school=payload.school
        )
    )
