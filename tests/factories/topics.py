"""Factories for the topic bank."""

import factory

from yiwang.network.enums import SharingScope
from yiwang.topics.enums import DisciplineCategory, PublicationStatus, TeachingForm
from yiwang.topics.models import Topic
from yiwang.topics.services import set_audiences

from . import SchoolFactory


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        skip_postgeneration_save = True

    owner_school = factory.SubFactory(SchoolFactory)
    scope = SharingScope.SYSTEM
    title = factory.Sequence(lambda n: f"乡村振兴专题讲座第{n}讲")
    category = DisciplineCategory.ECONOMY
    form = TeachingForm.LECTURE
    hours = 3
    status = PublicationStatus.PUBLISHED

    @factory.post_generation
    def audiences(self, create, extracted, **kwargs):
        """适用对象 as codes ("main,young" or a list); default 主体班 and 中青班."""
        if not create:
            return
        codes = "main,young" if extracted is None else extracted
        if isinstance(codes, str):
            codes = [c for c in codes.split(",") if c]
        set_audiences(self, codes)

    @factory.post_generation
    def teachers(self, create, extracted, **kwargs):
        if create and extracted:
            self.teachers.set(extracted)
