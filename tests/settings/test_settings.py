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


def refused(folder: Path, toml: str) -> tuple[Path, str]:
    """The config file written with ``toml``, and the message ``load_settings`` refuses it with."""
    path = folder / "spendopt.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_settings(path)
    return path, str(info.value)


@pytest.mark.parametrize(
    ("section", "line", "expected"),
    [
        ("budget", "max_change_pct = true", "[budget] max_change_pct = true: expected a number, not true/false"),
        (
            "review",
            "auto_apply_max_change_pct = false",
            "[review] auto_apply_max_change_pct = false: expected a number, not true/false",
        ),
        ("model", "lag_maturity = [0.5, true, 1.0]", "[model] lag_maturity = [0.5, True, 1.0]: expected a list"),
        ("job", "history_days = true", "[job] history_days = true: expected a whole number"),
    ],
)
def test_a_boolean_where_a_number_is_expected_is_refused(isolated_home, tmp_path, section, line, expected):
    path, text = refused(tmp_path, f"[{section}]\n{line}\n")
    assert str(path) in text and expected in text, text


@pytest.mark.parametrize(
    ("section", "line", "env"),
    [
        ("qianchuan", 'app_secret = "s3cr3t"', "SPENDOPT_QIANCHUAN_APP_SECRET"),
        ("qianchuan", 'access_token = "at-1"', "spendopt connect qianchuan"),
        ("qianchuan", 'refresh_token = "rt-1"', "SPENDOPT_SECRET_KEY"),
        ("notify", 'feishu_secret = "x"', "SPENDOPT_NOTIFY_FEISHU_SECRET"),
    ],
)
def test_a_secret_in_the_config_file_is_refused_naming_the_variable_to_use(isolated_home, tmp_path, section, line, env):
    path, text = refused(tmp_path, f"[{section}]\n{line}\n")
    assert str(path) in text and "secrets never go in a config file" in text and env in text, text
    assert "s3cr3t" not in text and "at-1" not in text and "rt-1" not in text


def test_a_secret_key_at_the_top_level_names_spendopt_secret_key(isolated_home, tmp_path):
    path = tmp_path / "spendopt.toml"
    path.write_text('secret_key = "k"\n', encoding="utf-8")
    with pytest.raises(InputError, match="SPENDOPT_SECRET_KEY"):
        load_settings(path)


def test_the_cli_exits_2_on_a_boolean_number(isolated_home, tmp_path):
    from typer.testing import CliRunner

    from optimizer.cli import app

    path = tmp_path / "spendopt.toml"
    path.write_text("[budget]\nmax_change_pct = true\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["status", "--config", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2, result.output
    assert "max_change_pct" in result.output and "true/false" in result.output


@pytest.mark.parametrize(
    ("toml", "zh", "en"),
    [
        ('[schedule]\ntimezone = "Mars/Base"\n', "未知的时区 'Mars/Base'", "unknown time zone 'Mars/Base'"),
        ("[budget]\nmax_change_pct = 150\n", "超出允许范围", "out of range (allowed:"),
        ("[job]\nhistory_dayz = 3\n", "未知的配置项 [job] history_dayz", "unknown key [job] history_dayz"),
        ('[budget]\nmax_change_pct = "x"\n', "须为数字", "expected a number"),
        ('[qianchuan]\napp_secret = "s3cr3t"\n', "密钥不能写在配置文件里", "secrets never go in a config file"),
    ],
)
def test_a_refused_config_is_worded_in_the_readers_language(isolated_home, tmp_path, monkeypatch, toml, zh, en):
    from typer.testing import CliRunner

    from optimizer.cli import app

    path = tmp_path / "spendopt.toml"
    path.write_text(toml, encoding="utf-8")
    args = ["status", "--config", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    monkeypatch.setenv("SPENDOPT_UI__LANGUAGE", "zh-CN")
    chinese = CliRunner().invoke(app, args)
    assert chinese.exit_code == 2 and str(path) in chinese.output and zh in chinese.output, chinese.output
    assert en not in chinese.output and "s3cr3t" not in chinese.output
    monkeypatch.setenv("SPENDOPT_UI__LANGUAGE", "en")
    english = CliRunner().invoke(app, args)
    assert english.exit_code == 2 and en in english.output, english.output
