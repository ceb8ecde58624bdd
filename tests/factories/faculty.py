"""Factories for the faculty bank."""

import factory

from yiwang.faculty.models import Teacher
from yiwang.faculty.services import name_pinyin
from yiwang.network.enums import SharingScope

from . import SchoolFactory


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    owner_school = factory.SubFactory(SchoolFactory)
    scope = SharingScope.SYSTEM
    name = factory.Sequence(lambda n: "张" + "宏伟明华芳静东海"[n % 8] + "一二三四五六七八九十"[n // 8 % 10])
    name_pinyin = factory.LazyAttribute(lambda o: name_pinyin(o.name)[0])
    name_initials = factory.LazyAttribute(lambda o: name_pinyin(o.name)[1])
    title = "lecturer"
    department = "党史党建教研部"
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.Sequence(lambda n: f"teacher{n}@example.com")
