"""Configuration: every contract key, with defaults, env overrides and clear errors."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.errors import InputError
from optimizer.settings import Settings, config_hash, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "spendopt.example.toml"

CONTRACT = """
[budget]
total_daily = 50000
min_campaign_budget = 300
max_change_pct = 30

[bid]
max_change_pct = 10

[objective]
target = "gmv"
gross_margin = 0.35
roi_floor = 2.0

[[channel]]
name = "qianchuan.live"
min_share = 0.2
max_share = 0.7

[review]
auto_apply_max_change_pct = 15
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spendopt.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_data_contract_example_loads_with_the_same_names(isolated_home, tmp_path):
    s = load_settings(write(tmp_path, CONTRACT))
    assert s.budget.total_daily == Decimal(50000)
    assert s.budget.min_campaign_budget == 300 and s.budget.max_change_pct == 30
    assert s.bid.max_change_pct == 10
    assert (s.objective.target, s.objective.gross_margin, s.objective.roi_floor) == ("gmv", 0.35, 2.0)
    assert [(c.name, c.min_share, c.max_share) for c in s.channel] == [("qianchuan.live", 0.2, 0.7)]
    assert s.review.auto_apply_max_change_pct == 15


def test_no_file_gives_the_documented_defaults(isolated_home):
    s = load_settings()
    assert s.budget.total_daily is None
    assert s.objective.roi_floor == 2.0 and s.data.gmv_basis == "direct_pay"


def test_the_example_file_documents_every_key_with_its_default(isolated_home):
    example = load_settings(EXAMPLE)
    documented = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for section, model in Settings.model_fields.items():
        annotation = model.annotation
        if hasattr(annotation, "model_fields"):
            text = EXAMPLE.read_text(encoding="utf-8")
            for key, field in annotation.model_fields.items():
                if "SecretStr" in str(field.annotation):
                    # secrets never go in the file: the example names their environment variable
                    assert f"SPENDOPT_{section.upper()}_{key.upper()}" in text, f"[{section}] {key}: env var not named"
                    assert f"\n{key} =" not in text, f"[{section}] {key} is a secret and must not be set in the file"
                    continue
                assert f"{key} =" in text or f"{key}=" in text, f"[{section}] {key} is not documented in the example"
    assert example.model_dump(exclude={"database_url", "channel"}) == Settings().model_dump(
        exclude={"database_url", "channel"}
    )
    assert documented["budget"]["max_change_pct"] == 30


def test_environment_overrides_the_file(isolated_home, tmp_path, monkeypatch):
    monkeypatch.setenv("SPENDOPT_BUDGET__TOTAL_DAILY", "80000")
    monkeypatch.setenv("SPENDOPT_DATABASE_URL", "sqlite:////tmp/x.db")
    s = load_settings(write(tmp_path, CONTRACT))
    assert s.budget.total_daily == Decimal(80000)
    assert s.budget.max_change_pct == 30
    assert s.database_url == "sqlite:////tmp/x.db"


def test_an_unknown_key_names_the_key_and_the_file(isolated_home, tmp_path):
    path = write(tmp_path, "[budget]\ntotal_dialy = 5000\n")
    with pytest.raises(InputError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and "[budget] total_dialy" in message and "total_daily" in message


def test_an_out_of_range_value_names_the_key_the_file_and_the_range(isolated_home, tmp_path):
    path = write(tmp_path, "[budget]\nmax_change_pct = 150\n")
    with pytest.raises(InputError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and "[budget] max_change_pct" in message and "<= 100" in message


def test_inconsistent_channel_shares_are_refused(isolated_home, tmp_path):
    bad = '[[channel]]\nname = "a"\nmin_share = 0.8\nmax_share = 0.5\n'
    with pytest.raises(InputError, match=r"min_share 0\.8 is above max_share 0\.5"):
        load_settings(write(tmp_path, bad))


def test_broken_toml_is_an_input_error(isolated_home, tmp_path):
    with pytest.raises(InputError, match="not valid TOML"):
        load_settings(write(tmp_path, "[budget\n"))


def test_settings_are_frozen_and_the_hash_follows_the_values(isolated_home, tmp_path):
    a = load_settings(write(tmp_path, CONTRACT))
    with pytest.raises(ValidationError):
        a.budget.max_change_pct = 50  # type: ignore[misc]
    b = load_settings(write(tmp_path, CONTRACT.replace("roi_floor = 2.0", "roi_floor = 2.5")))
    assert config_hash(a) != config_hash(b)
    assert config_hash(a) == config_hash(load_settings(write(tmp_path, CONTRACT)))
