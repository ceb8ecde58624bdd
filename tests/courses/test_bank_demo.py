"""Demo data of the course and research banks: enough rows, every scope, idempotent."""

import pytest

from yiwang.courses.models import Course, CourseMaterial, TeachingModule
from yiwang.network.demo import DemoLog
from yiwang.research.models import Endorsement, ResearchMember, ResearchOutput, ResearchProject

pytestmark = pytest.mark.django_db

MODULES = [
    "牢记嘱托·使命担当",
    "英雄城市·薪火永续",
    "千年商都·枢纽门户",
    "人民至上·花城蝶变",
    "智创湾区·数启未来",
]


def load_banks() -> int:
    from yiwang.courses import demo as courses
    from yiwang.faculty import demo as faculty
    from yiwang.network import demo as network
    from yiwang.research import demo as research

    log = DemoLog()
    for module in (network, faculty, courses, research):
        module.load(scale=0, log=log)
    return log.created


def counts() -> dict:
    return {
        m.__name__: m.objects.count()
        for m in (
            Course,
            CourseMaterial,
            TeachingModule,
            ResearchProject,
            ResearchMember,
            ResearchOutput,
            Endorsement,
        )
    }


def test_bank_demo_is_rich_and_idempotent():
    load_banks()
    first = counts()
    assert load_banks() == 0
    assert counts() == first
    assert sorted(
        TeachingModule.objects.filter(owner_school__code="gz").values_list("name", flat=True)
    ) == sorted(MODULES)
    per_module = {name: Course.objects.filter(module__name=name).count() for name in MODULES}
    assert sum(per_module.values()) >= 20 and min(per_module.values()) >= 4
    assert Course.objects.filter(kind="field").exclude(place_name="").count() >= 15
    assert set(Course.objects.values_list("scope", flat=True)) == {
        "school",
        "system",
        "partners",
        "network",
        "public",
    }
    assert CourseMaterial.objects.filter(version=2).count() >= 20
    assert ResearchProject.objects.count() >= 30
    assert set(ResearchProject.objects.values_list("scope", flat=True)) == {
        "school",
        "system",
        "partners",
        "network",
        "public",
    }
    assert ResearchMember.objects.values("teacher__owner_school").distinct().count() >= 10
    assert ResearchOutput.objects.filter(kind="advisory").count() >= 30
    assert Endorsement.objects.filter(verified_at__isnull=False).count() >= 20
    assert Endorsement.objects.filter(verified_at__isnull=True).exists()
