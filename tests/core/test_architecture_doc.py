"""docs/architecture.md draws the app layers; the import contracts in pyproject.toml are the truth."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _diagram_module():
    spec = importlib.util.spec_from_file_location("layers_diagram", ROOT / "scripts" / "layers_diagram.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_architecture_doc_layers_match_the_import_contracts():
    diagram = _diagram_module()
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert diagram.block() in text, "运行 python scripts/layers_diagram.py --write 更新 docs/architecture.md"


def test_every_app_is_in_the_layers_contract():
    diagram = _diagram_module()
    in_contract = {name for row in diagram.app_layers() for name in row}
    apps = {path.parent.name for path in (ROOT / "src" / "yiwang").glob("*/apps.py")}
    assert apps - in_contract == set()
