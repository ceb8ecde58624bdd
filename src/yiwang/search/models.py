"""The search index: one row per searchable item, plus the words platform admins add.

``SearchDocument`` is a ``Shareable``: it copies the owner school, scope and
picked alliances/partnerships of its item, so results, counts and facets are
filtered by the very same ``network.visibility.visible_q`` as the banks.
The segmented text lives beside it in a vendor-specific index (SQLite FTS5
table ``search_fts`` / PostgreSQL column ``search_vector``), see ``backends.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.network.models import Shareable

from .enums import DocumentType


class SearchDocument(Shareable):
    doc_type = models.CharField("类型", max_length=10, choices=DocumentType.choices)
    object_id = models.BigIntegerField("对象编号")
    title = models.CharField("标题", max_length=300)
    keywords = models.CharField("关键词", max_length=400, blank=True)
    names = models.CharField("人名", max_length=400, blank=True, help_text="以顿号分隔，仅含可公开关联的教师")
    body = models.TextField("正文", blank=True)
    module_id = models.BigIntegerField("教学模块", null=True, blank=True)
    module_name = models.CharField("教学模块名称", max_length=60, blank=True)
    category = models.CharField("类别", max_length=40, blank=True)
    year = models.PositiveSmallIntegerField("年份", null=True, blank=True)
    status = models.CharField("状态", max_length=20, blank=True)
    form = models.CharField("教学形式", max_length=20, blank=True)
    audiences = models.CharField("适用对象", max_length=120, blank=True)
    rating = models.FloatField("评价均分", null=True, blank=True)
    sort_date = models.DateTimeField("排序日期")
    teachers = models.ManyToManyField(
        "faculty.Teacher", verbose_name="相关教师", blank=True, related_name="+"
    )
    indexed_at = models.DateTimeField("索引时间", auto_now=True)

    class Meta(Shareable.Meta):
        verbose_name = "搜索文档"
        constraints = [
            *Shareable.Meta.constraints,
            models.UniqueConstraint(fields=["doc_type", "object_id"], name="search_document_once"),
            models.CheckConstraint(
                condition=Q(doc_type__in=DocumentType.values), name="search_document_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} · {self.title}"


class AdminEntry(models.Model):
    """What platform system admins add to the search's vocabulary: who added it and when."""

    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="添加人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class SearchTerm(AdminEntry):
    """A word platform system admins add to the segmentation dictionary (搜索词典)."""

    word = models.CharField("词语", max_length=30, unique=True)

    class Meta(AdminEntry.Meta):
        verbose_name = "搜索词"
        constraints = [models.CheckConstraint(condition=~Q(word=""), name="search_term_not_empty")]

    def __str__(self) -> str:
        return self.word


class SearchSynonym(AdminEntry):
    """A group of words that mean the same to a searcher (同义词/简称), added by platform system
    admins beside the shipped table ``dict/synonyms.txt``: ``两山、绿水青山就是金山银山``."""

    words = models.CharField("同义词组", max_length=300, unique=True, help_text="以顿号分隔")

    class Meta(AdminEntry.Meta):
        verbose_name = "同义词组"
        constraints = [models.CheckConstraint(condition=~Q(words=""), name="search_synonym_not_empty")]

    def __str__(self) -> str:
        return self.words
