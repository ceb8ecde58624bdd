import subprocess
import sys

import pytest
from django.apps import apps
from django.core.management import call_command

from yiwang.network.models import Alliance, Membership, School

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label != "sessions"}


def test_demo_network_matches_domain_and_second_run_changes_nothing():
    call_command("demo", "--quiet")
    first = row_counts()
    call_command("demo", "--quiet")
    assert row_counts() == first

    gz = School.objects.get(code="gz")
    assert gz.name == "中共广州市委党校"
    assert sorted(gz.branches.values_list("short_name", flat=True)) == sorted(
        ["越秀", "海珠", "荔湾", "天河", "白云", "黄埔", "番禺", "花都", "南沙", "从化", "增城"]
    )
    regional = Alliance.objects.get(name="片区协作第一片区")
    assert sorted(regional.members.values_list("short_name", flat=True)) == sorted(
        ["广州", "河源", "梅州", "肇庆", "清远"]
    )
    adjacent = Alliance.objects.get(name="川滇黔毗邻区县党校联盟")
    assert adjacent.members.count() >= 8
    assert {"四川省", "贵州省", "云南省"} <= set(adjacent.members.values_list("province", flat=True))
    assert sorted(gz.support_given.values_list("supported__short_name", flat=True)) == sorted(
        ["梅州", "龙岩", "毕节", "疏附", "波密"]
    )
    for school in School.objects.all():
        assert Membership.objects.filter(school=school, is_school_admin=True).exists(), school
    for school in School.objects.filter(code__startswith="gz"):
        assert Membership.objects.filter(school=school, is_teacher=True).count() >= 5, school


def test_demo_scale_adds_synthetic_schools():
    call_command("demo", "--quiet", "--scale", "25")
    assert School.objects.filter(code__startswith="syn-").count() == 25
    assert School.objects.get(code="syn-00013").parent.code == "syn-00010"
    assert Membership.objects.filter(school__code="syn-00013", is_teacher=True).count() == 5


def test_cli_entry_lists_documented_commands():
    out = subprocess.run(
        [sys.executable, "-m", "yiwang", "help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("demo", "serve", "migrate"):
        assert command in out
