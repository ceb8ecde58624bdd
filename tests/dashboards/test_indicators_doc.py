from pathlib import Path

from yiwang.dashboards import indicators

ROOT = Path(__file__).resolve().parents[2]


def test_indicators_doc_matches_the_definitions():
    text = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert text == indicators.markdown(), "运行 yiwang indicators_doc --write 更新 docs/indicators.md"


def test_every_indicator_maps_to_a_platform_and_has_a_definition():
    for ind in indicators.indicators():
        assert ind.platform_label and ind.definition.endswith("。"), ind.key
        assert ind.ratio or ind.records is not None, ind.key
        assert ind.ratio or ind.row is not None, ind.key
