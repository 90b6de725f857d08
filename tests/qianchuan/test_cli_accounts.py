"""`connect qianchuan` and `pull` name every authorized account they do not read, and why; `connect` with
nobody answering on standard input says what to pass instead (exit 2). Fake Qianchuan over real HTTP."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from optimizer.cli import app
from tests.qianchuan.helpers import cli_env


@pytest.fixture
def server(tmp_path, monkeypatch):
    """One advertiser: under the shop; the agent account has none."""
    fake = FakeSettings(seed=13, accounts=1, plans_per_account=3, uni_plans_per_account=0)
    with FakeServer(fake) as running:
        for key, value in cli_env(running, tmp_path).items():
            monkeypatch.setenv(key, value)
        yield running


def test_connect_and_pull_name_the_authorized_account_left_out_and_why(server, tmp_path):
    world = server.world
    runner = CliRunner()
    result = runner.invoke(app, ["connect", "qianchuan"], input=world.issue_auth_code() + "\n")
    assert result.exit_code == 0, result.output
    assert "Authorized 2 account(s)" in result.output
    (advertiser,) = world.advertisers
    assert f"1 Qianchuan advertiser(s) to pull: {advertiser}" in result.output
    assert f"{world.shop_id} (测试小店) is not pulled itself: a Douyin shop account" in result.output
    assert f"{world.agent_id} (测试代理商) is left out: an agent account runs no ads" in result.output

    result = runner.invoke(app, ["pull", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 0, result.output
    assert result.output.count("plans,") == 1
    assert f"{world.agent_id} (测试代理商) is left out" in result.output
    assert "no Qianchuan advertiser under it" in result.output


def test_the_reason_is_in_chinese_by_default(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SPENDOPT_UI__LANGUAGE", "zh-CN")
    runner = CliRunner()
    assert runner.invoke(app, ["connect", "qianchuan"], input=server.world.issue_auth_code() + "\n").exit_code == 0
    result = runner.invoke(app, ["pull", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 0, result.output
    assert f"未拉取 {server.world.agent_id}（测试代理商）：这是代理商账户" in result.output


def test_connect_with_nobody_answering_says_what_to_pass_and_exits_2(server, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["connect", "qianchuan"], input="")
    assert result.exit_code == 2, result.output
    assert "Abort" not in result.output
    assert "--auth-code" in result.output and "SPENDOPT_QIANCHUAN_APP_SECRET" in result.output
    assert not (tmp_path / "data" / "spendopt" / "qianchuan-tokens.enc").exists()

    # what the message says to do works
    result = runner.invoke(app, ["connect", "qianchuan", "--auth-code", server.world.issue_auth_code()])
    assert result.exit_code == 0, result.output
    assert "Authorized 2 account(s)" in result.output
    assert (tmp_path / "data" / "spendopt" / "qianchuan-tokens.enc").exists()
