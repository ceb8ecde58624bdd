"""Course-bank fixtures: a 本校 course and a 协作 course of the city school, with a material each."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, CourseFactory, ModuleFactory

from yiwang.courses import services
from yiwang.courses.enums import CourseStatus, MaterialKind
from yiwang.network.enums import SharingScope


@pytest.fixture
def leaky(network):
    """Courses that could leak: 本校 (city only) and 协作 (city's system + the alliance, not the partner)."""
    city_staff = member(network.city, is_teaching_staff=True)
    module = ModuleFactory(owner_school=network.city, name="英雄城市·薪火永续")
    teacher = BankTeacherFactory(owner_school=network.city, name="林秀文")
    own = CourseFactory(
        owner_school=network.city,
        title="本校课程：广州起义纪念馆",
        scope=SharingScope.SCHOOL,
        module=module,
        teachers=[teacher],
    )
    partners = CourseFactory(
        owner_school=network.city,
        title="协作课程：黄埔军校旧址",
        scope=SharingScope.PARTNERS,
        module=module,
        alliances=[network.alliance],
        teachers=[teacher],
    )
    public = CourseFactory(
        owner_school=network.stranger,
        title="公开课程：北京路文化核心区",
        scope=SharingScope.PUBLIC,
        status=CourseStatus.FEATURED,
    )
    materials = {}
    for course in (own, partners):
        materials[course.pk] = services.upload_material(
            by=city_staff,
            course=course,
            kind=MaterialKind.LESSON_PLAN,
            title="教案",
            file=SimpleUploadedFile("教案.pdf", b"%PDF-1.4 secret " + course.title.encode()),
        )
    return SimpleNamespace(
        own=own,
        partners=partners,
        public=public,
        module=module,
        teacher=teacher,
        city_staff=city_staff,
        materials=materials,
    )


@pytest.fixture
def viewers(network):
    """Who sees what of ``leaky``: (user, sees 本校 course, sees 协作 course)."""
    return {
        "city teacher": (member(network.city, is_teacher=True), True, True),
        "branch staff": (member(network.branch_a, is_teaching_staff=True), False, True),
        "alliance school": (member(network.far, is_teaching_staff=True), False, True),
        "supported school": (member(network.partner, is_school_admin=True), False, False),
        "stranger": (member(network.stranger, is_school_admin=True), False, False),
    }
