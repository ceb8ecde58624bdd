"""Page weight (issue 17): HTML compressed, signed-in pages private, ECharts modular."""

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from tests.factories import member

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_signed_in_html_is_gzipped_and_private(network, client_for):
    client = client_for(member(network.city, is_teacher=True))
    response = client.get("/dashboards/", headers={"accept-encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == "private, no-cache"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "<h1>数据概览</h1>" in html


def test_anonymous_sign_in_page_is_not_marked_private(client):
    response = client.get("/accounts/login/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "private" not in response.get("Cache-Control", "")


def test_dashboard_title_is_plain_text_and_ranking_inside_main(network, client_for):
    client = client_for(member(network.city, is_teacher=True))
    html = client.get("/dashboards/").content.decode()
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1) == "数据概览 · 一网 党校资源共享平台"
    head, body = html.split("</head>", 1)
    assert "<section" not in head
    assert body.count("领导批示排行（已核实）") == 1
    assert body.index("site-header") < body.index("<main") < body.index("领导批示排行")


def test_dashboard_loads_only_the_echarts_parts_it_uses(network, client_for):
    client = client_for(member(network.city, is_teacher=True))
    html = client.get("/dashboards/").content.decode()
    assert re.findall(r'src="([^"]*echarts[^"]*)"', html) == [
        "/static/vendor/echarts-dashboard/echarts-dashboard.min.js"
    ]
    assert ("vendor/echarts", settings.NODE_MODULES / "echarts" / "dist") not in settings.STATICFILES_DIRS
    bundle = ROOT / "node_modules" / ".yiwang" / "echarts-dashboard" / "echarts-dashboard.min.js"
    full = ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"
    assert len(gzip.compress(bundle.read_bytes())) < 0.6 * len(gzip.compress(full.read_bytes()))
