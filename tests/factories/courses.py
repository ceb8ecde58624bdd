"""Factories of the course bank (and a plain teacher for the course and research tests)."""

import factory

from yiwang.courses.enums import CourseKind, CourseStatus
from yiwang.courses.models import Course, TeachingModule
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

from . import SchoolFactory


class BankTeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    owner_school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"教员{n:04d}")
    name_pinyin = factory.Sequence(lambda n: f"jiaoyuan{n:04d}")
    scope = SharingScope.NETWORK


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingModule

    owner_school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"教学模块{n:03d}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    owner_school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"课程{n:04d}")
    kind = CourseKind.CLASSROOM
    status = CourseStatus.PUBLISHED
    scope = SharingScope.SYSTEM

    @factory.post_generation
    def alliances(self, create, extracted, **kwargs):
        if create and extracted:
            self.shared_alliances.set(extracted)

    @factory.post_generation
    def partnerships(self, create, extracted, **kwargs):
        if create and extracted:
            self.shared_partnerships.set(extracted)

    @factory.post_generation
    def teachers(self, create, extracted, **kwargs):
        if create and extracted:
            self.teachers.set(extracted)

    @factory.post_generation
    def co_schools(self, create, extracted, **kwargs):
        if create and extracted:
            self.co_schools.set(extracted)
