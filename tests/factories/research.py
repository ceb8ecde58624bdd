"""Factories of the research bank."""

from datetime import date

import factory
from django.utils import timezone

from yiwang.network.enums import SharingScope
from yiwang.research.enums import LeaderLevel, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus
from yiwang.research.models import Endorsement, ResearchMember, ResearchOutput, ResearchProject

from . import SchoolFactory
from .courses import BankTeacherFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchProject
        skip_postgeneration_save = True

    owner_school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"课题{n:04d}")
    level = ProjectLevel.MUNICIPAL
    category = ProjectCategory.CONSULTING
    principal_investigator = factory.SubFactory(
        BankTeacherFactory, owner_school=factory.SelfAttribute("..owner_school")
    )
    start_date = date(2024, 3, 1)
    end_date = date(2025, 2, 28)
    status = ProjectStatus.ONGOING
    scope = SharingScope.SYSTEM

    @factory.post_generation
    def alliances(self, create, extracted, **kwargs):
        if create and extracted:
            self.shared_alliances.set(extracted)

    @factory.post_generation
    def with_pi_member(self, create, extracted, **kwargs):
        if create:
            ResearchMember.objects.create(project=self, teacher=self.principal_investigator, role="principal")


class OutputFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchOutput
        skip_postgeneration_save = True

    owner_school = factory.SubFactory(SchoolFactory)
    kind = OutputKind.ADVISORY
    title = factory.Sequence(lambda n: f"成果{n:04d}")
    author_text = "课题组"
    published_on = date(2024, 6, 1)
    scope = SharingScope.SYSTEM

    @factory.post_generation
    def alliances(self, create, extracted, **kwargs):
        if create and extracted:
            self.shared_alliances.set(extracted)


def endorsement(
    output, *, verified: bool = True, level=LeaderLevel.MUNICIPAL, day=date(2024, 7, 1)
) -> Endorsement:
    return Endorsement.objects.create(
        output=output, leader_level=level, endorsed_on=day, verified_at=timezone.now() if verified else None
    )
