"""Research fixtures: 本校 and 协作 projects/outputs of the city school, with endorsements."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.factories import member
from tests.factories.courses import BankTeacherFactory
from tests.factories.research import OutputFactory, ProjectFactory, endorsement

from yiwang.network.enums import SharingScope


@pytest.fixture
def research_staff(network):
    return member(network.city, is_research_staff=True)


@pytest.fixture
def leaky(network):
    """本校 items (city only) and 协作 items (city's system + the alliance, not the partner).

    Verified endorsements: 本校 output 3, 协作 output 2, stranger's public output 1; plus one
    unverified on the 协作 output (never counted).
    """
    pi = BankTeacherFactory(owner_school=network.city, name="陈思远", scope=SharingScope.NETWORK)
    own = ProjectFactory(
        owner_school=network.city,
        title="本校课题：城中村治理",
        scope=SharingScope.SCHOOL,
        principal_investigator=pi,
    )
    partners = ProjectFactory(
        owner_school=network.city,
        title="协作课题：百千万工程",
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
        principal_investigator=pi,
    )
    own_output = OutputFactory(
        owner_school=network.city, title="本校咨政报告", scope=SharingScope.SCHOOL, project=own
    )
    own_output.file.save("全文.pdf", SimpleUploadedFile("全文.pdf", b"%PDF secret"))
    partners_output = OutputFactory(
        owner_school=network.city,
        title="协作咨政报告",
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
        project=own,
    )
    public_output = OutputFactory(owner_school=network.stranger, title="公开论文", scope=SharingScope.PUBLIC)
    for _ in range(3):
        endorsement(own_output)
    evidence = endorsement(partners_output)
    evidence.evidence.save("批示件.pdf", SimpleUploadedFile("批示件.pdf", b"%PDF evidence"))
    endorsement(partners_output)
    endorsement(partners_output, verified=False)
    endorsement(public_output)
    return SimpleNamespace(
        pi=pi,
        own=own,
        partners=partners,
        own_output=own_output,
        partners_output=partners_output,
        public_output=public_output,
        evidence=evidence,
    )


@pytest.fixture
def viewers(network):
    """(user, sees 本校 items, sees 协作 items)."""
    return {
        "city teacher": (member(network.city, is_teacher=True), True, True),
        "branch staff": (member(network.branch_a, is_research_staff=True), False, True),
        "alliance school": (member(network.far, is_teaching_staff=True), False, True),
        "supported school": (member(network.partner, is_school_admin=True), False, False),
        "stranger": (member(network.stranger, is_school_admin=True), False, False),
    }
