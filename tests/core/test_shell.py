"""The UI shell: Chinese, navigation, CSP on every page, no inline scripts, phone-width markup."""

import re
from pathlib import Path

import pytest
from tests.factories import member

pytestmark = pytest.mark.django_db

TEMPLATE_ROOT = Path(__file__).resolve().parents[2] / "src" / "yiwang"


def test_csp_header_on_pages_and_api(client, network, client_for):
    for response in (client.get("/accounts/login/"), client.get("/api/v1/openapi.json")):
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_home_shows_navigation_of_the_platform_parts(network, client_for):
    html = client_for(member(network.branch_a, is_teacher=True)).get("/").content.decode()
    for part in ("交流协作",):
        assert part in html
    assert "中共测试市甲区委党校" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_no_inline_scripts_or_handlers_in_templates():
    offenders = []
    for path in TEMPLATE_ROOT.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path}: {match.group(0)}")
        for match in re.finditer(r"\sstyle\s*=", text):
            offenders.append(f"{path}: {match.group(0)}")
    assert offenders == []


def test_static_front_end_libraries_are_served_locally(client):
    html = client.get("/accounts/login/").content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
