"""``spendopt import`` shows the reader's problems verbatim and exits 2, even
when the quoted cells look like rich markup."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app


def test_cells_that_look_like_markup_are_shown_verbatim_with_exit_code_2(isolated_home: Path, tmp_path: Path):
    path = tmp_path / "m.csv"
    path.write_text('date,campaign_id,spend,gmv,orders,status\n2026-11-03,7,1,1,1,"=[/]x [bold]"\n', "utf-8")
    result = CliRunner().invoke(app, ["import", "--db", str(tmp_path / "s.db"), str(path)],
                                catch_exceptions=False, env={"COLUMNS": "300"})  # fmt: skip
    assert result.exit_code == 2
    assert "m.csv:2:status: unknown status '=[/]x [bold]'" in result.output
