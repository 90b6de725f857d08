"""The documents users read stay in step with the code: every output column and settings section is in the contract."""

from __future__ import annotations

import re
from pathlib import Path

from optimizer.decide.columns import ALL_COLUMNS
from optimizer.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _contract() -> str:
    return (DOCS / "data-contract.md").read_text(encoding="utf-8")


def test_the_data_contract_names_every_recommendation_column():
    table_cells = set(re.findall(r"^\| ([a-z0-9_, ]+) \|", _contract(), flags=re.MULTILINE))
    named = {name.strip() for cell in table_cells for name in cell.split(",")}
    assert [c for c in ALL_COLUMNS if c not in named] == []


def test_the_data_contract_names_every_settings_section():
    text = _contract()
    sections = [name for name in Settings.model_fields if name != "database_url"]
    missing = [name for name in sections if f"[{name}]" not in text and f"[[{name}]]" not in text]
    assert missing == [], "document these sections in docs/data-contract.md section 4"
    assert "database_url" in text
