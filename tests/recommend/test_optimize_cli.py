"""``spendopt optimize`` (data contract section 3) through the command line."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from optimizer.cli import app
from tests.fit.synthetic import make_stats

runner = CliRunner()


def test_optimize_command_writes_recommendations_and_exits_0(tmp_path, isolated_home):
    frame, _ = make_stats(n=12, days=14, seed=41)
    source = tmp_path / "stats.csv"
    frame.to_csv(source, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    out = tmp_path / "recs.csv"
    result = runner.invoke(
        app,
        ["optimize", "--input", str(source), "--output", str(out), "--no-report"],
        catch_exceptions=False,
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "12 campaigns for 2026-11-21" in result.output
    rows = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert len(rows) == 12 and (rows["effective_date"] == "2026-11-21").all()
    assert out.with_suffix(".xlsx").exists()
    assert not any(isolated_home.rglob("*.db"))


def test_optimize_command_on_bad_input_exits_2_naming_file_row_column(tmp_path, isolated_home):
    source = tmp_path / "stats.csv"
    source.write_text("date,campaign_id,spend,gmv,orders\n2026-11-20,1791000000000000001,abc,10,1\n", encoding="utf-8")
    out = tmp_path / "out" / "recs.csv"
    result = runner.invoke(
        app, ["optimize", "--input", str(source), "--output", str(out), "--date", "2026-11-21"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "stats.csv:2" in result.output and "spend" in result.output
    assert not out.parent.exists() or not any(out.parent.iterdir())
