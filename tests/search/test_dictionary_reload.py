"""The dictionary of person names loads lazily and grows by the new teachers only (issue 11 part 8).

The first search of a process reads every teacher's name; after that a new teacher's name is read
on its own (the names already read stay), and the pinyin keys are built on the first Latin query.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories.faculty import TeacherFactory

from yiwang.faculty.models import Teacher
from yiwang.search.segmentation import reload_segmenter, segmenter

TEACHER_TABLE = Teacher._meta.db_table


def teacher_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if f'FROM "{TEACHER_TABLE}"' in q["sql"] and '"name"' in q["sql"]]


def test_a_new_teacher_joins_the_dictionary_without_reading_every_name_again(db):
    reload_segmenter()
    TeacherFactory(name="司马青云")
    assert segmenter().query_words("司马青云") == ["司马青云"]
    TeacherFactory(name="欧阳振华")
    with CaptureQueriesContext(connection) as captured:
        seg = segmenter()
    assert seg.query_words("欧阳振华") == ["欧阳振华"]
    assert seg.query_words("司马青云") == ["司马青云"]  # the names read before are kept
    reads = teacher_reads(captured.captured_queries)
    assert len(reads) == 1 and '"id" > ' in reads[0]  # only the ids after the last one read


def test_pinyin_keys_are_built_on_the_first_latin_query(db):
    reload_segmenter()
    TeacherFactory(name="诸葛明远")
    seg = segmenter()
    assert seg._pinyin is None
    assert seg.pinyin_name("zhuge ming yuan") == ("zhugemingyuan", True)
    assert seg.pinyin_name("zhugemingyaun") == ("zhugemingyuan", False)  # one swapped letter
    assert seg._pinyin is not None


def test_deleting_the_newest_teacher_reads_every_name_again(db):
    reload_segmenter()
    TeacherFactory(name="上官文静")
    newest = TeacherFactory(name="慕容海波")
    assert "慕容海波" in segmenter()._clean_names
    Teacher.objects.filter(pk=newest.pk).delete()
    seg = segmenter()
    assert seg.query_words("上官文静") == ["上官文静"]
    assert "慕容海波" not in seg._clean_names
