"""The message catalogs: every entry in every language with the same fields; the API's promises."""

from __future__ import annotations

import pkgutil

import pytest

import optimizer.i18n as i18n
from connectors.errors import InputError, Problem
from optimizer.i18n import LANGUAGES, catalog, fields_of, t, use_language
from optimizer.settings import load_settings

CATALOGS = sorted(m.name for m in pkgutil.iter_modules(i18n.__path__))


def test_there_are_catalogs():
    assert {"cli", "actions"} <= set(CATALOGS)


@pytest.mark.parametrize("name", CATALOGS)
def test_every_entry_has_every_language_with_the_same_fields(name):
    for key, entry in catalog(name).items():
        assert set(entry) == set(LANGUAGES), f"{name}.{key}"
        assert all(entry[lang].strip() for lang in LANGUAGES), f"{name}.{key} is empty"
        fields = {lang: fields_of(entry[lang]) for lang in LANGUAGES}
        assert fields["zh-CN"] == fields["en"], f"{name}.{key}: {fields}"


def test_default_language_is_chinese_and_english_is_a_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("SPENDOPT_UI__LANGUAGE")
    assert load_settings().ui.language == "zh-CN"
    config = tmp_path / "spendopt.toml"
    config.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    assert load_settings(config).ui.language == "en"
    config.write_text('[ui]\nlanguage = "fr"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[ui\] language"):
        load_settings(config)


def test_t_follows_the_current_language_and_restores_it():
    assert i18n.current_language() == "zh-CN"
    assert t("actions.pause") == "暂停"
    with use_language("en"):
        assert t("actions.pause") == "pause"
    assert t("actions.pause") == "暂停"
    assert t("actions.pause", lang="en") == "pause"


def test_fields_and_formats_are_filled_in():
    assert t("cli.more_problems", lang="en", more=3) == "... and 3 more problems"
    assert "1,234" in t("cli.optimize_totals", lang="zh-CN", before=1234, after=1000, spend=1, gmv=2, roi="2.00")


def test_a_typo_fails_loudly():
    with pytest.raises(KeyError):
        t("cli.no_such_message")
    with pytest.raises(KeyError):
        t("nocatalog.x")
    with pytest.raises(KeyError):
        t("cli.more_problems")  # a field is missing
    with pytest.raises(KeyError):
        t("actions.pause", lang="fr")


def test_problems_with_a_key_are_shown_in_the_language():
    plain = Problem("a.csv", "bad thing", row=3, column="spend")
    assert i18n.problem_text(plain, lang="zh-CN") == "a.csv:3:spend: bad thing"
    keyed = Problem("a.csv", "... and 2 more problems", row=3, key="cli.more_problems", fields={"more": 2})
    assert i18n.problem_text(keyed, lang="zh-CN") == "a.csv:3: ……另有 2 处问题"
    assert str(keyed) == "a.csv:3: ... and 2 more problems"
    assert "……另有 4 处问题" in i18n.input_error_text(InputError([plain], more=4), lang="zh-CN")


def test_the_cli_speaks_chinese_by_default_and_english_when_told(tmp_path, monkeypatch):
    from pathlib import Path

    from typer.testing import CliRunner

    from optimizer.cli import app

    good = Path(__file__).parents[1] / "data" / "good" / "qianchuan_standard_gbk.csv"
    runner = CliRunner()
    monkeypatch.delenv("SPENDOPT_UI__LANGUAGE")
    zh = runner.invoke(app, ["import", str(good), "--db", str(tmp_path / "a.db")], catch_exceptions=False)
    assert zh.exit_code == 0, zh.output
    assert "已导入 2 行" in zh.output
    assert i18n.current_language() == "zh-CN"
    en = runner.invoke(app, ["import", str(good), "--db", str(tmp_path / "b.db")], env={"SPENDOPT_UI__LANGUAGE": "en"})
    assert "imported 2 rows" in en.output
    assert i18n.current_language() == "zh-CN"  # the command's language does not leak out of it
    bad = runner.invoke(app, ["import", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "a.db")])
    assert bad.exit_code == 2
    assert "错误" in bad.output and "输入有误" in bad.output


def test_templates_looked_up_once_still_fail_loudly_and_follow_the_language():
    assert t("cli.more_problems", lang="en", more=3) == t("cli.more_problems", lang="en", more=3)
    with pytest.raises(KeyError):
        t("cli.more_problems", lang="en")  # the template is remembered, a missing field still fails
    with pytest.raises(KeyError):
        t("actions.pause", lang="fr")
    assert t("actions.pause", lang="zh-CN") == catalog("actions")["pause"]["zh-CN"]
    with use_language("en"):
        assert t("actions.pause") == catalog("actions")["pause"]["en"]
