"""`spendopt connect qianchuan` and `spendopt pull` against the fake server, configured by environment only."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from connectors.qianchuan.tokens import new_key
from optimizer.cli import app
from optimizer.settings import JobSettings
from optimizer.store import load_stats, open_store
from tests.qianchuan.helpers import cli_env


def test_connect_then_pull_from_the_command_line(tmp_path, monkeypatch):
    fake = FakeSettings(seed=13, accounts=2, plans_per_account=12, uni_plans_per_account=1)
    with FakeServer(fake) as server:
        for key, value in cli_env(server, tmp_path).items():
            monkeypatch.setenv(key, value)
        runner = CliRunner()
        code = server.world.issue_auth_code()
        result = runner.invoke(app, ["connect", "qianchuan"], input=code + "\n")
        assert result.exit_code == 0, result.output
        assert server.auth_url in result.output and "Authorized 2 account(s)" in result.output
        assert code not in result.output.split("Authorized")[1]
        token_file = tmp_path / "data" / "spendopt" / "qianchuan-tokens.enc"
        assert token_file.exists()

        db = f"sqlite:///{tmp_path / 'cli.db'}"
        result = runner.invoke(app, ["pull", "--db", db])
        assert result.exit_code == 0, result.output
        assert result.output.count("plans,") == 2
        frame = load_stats(open_store(db))
        end = server.world.today - dt.timedelta(days=1)
        first = end - dt.timedelta(
            days=JobSettings().history_days - 1
        )  # a new account: [job] history_days, as the daily job
        assert frame["date"].max().date() == end and frame["date"].min().date() == first

        account = frame["account_id"].iloc[0]
        since = (end - dt.timedelta(days=40)).isoformat()
        result = runner.invoke(app, ["pull", "--db", db, "--account", account, "--since", since])
        assert result.exit_code == 0, result.output
        assert result.output.count("plans,") == 1 and since in result.output


def test_pull_without_authorization_says_how_to_connect(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("SPENDOPT_SECRET_KEY", new_key())
    monkeypatch.setenv("SPENDOPT_QIANCHUAN__BASE_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["pull", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1
    assert "spendopt connect qianchuan" in result.output


def test_a_run_that_cannot_list_its_accounts_is_recorded_as_failed(tmp_path, monkeypatch):
    """The run row is finished however the run ends: here before any account is claimed."""
    import sqlalchemy as sa

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("SPENDOPT_SECRET_KEY", new_key())
    monkeypatch.setenv("SPENDOPT_QIANCHUAN__BASE_URL", "http://127.0.0.1:9")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(app, ["run", "--connector", "qianchuan", "--db", db, "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    with open_store(db).connect() as conn:
        runs = conn.execute(sa.text("select status, message from optimization_run")).all()
    assert len(runs) == 1 and runs[0].status == "failed"
    assert "connect qianchuan" in runs[0].message
