"""The slope backtest: small where the history identifies the slopes, flagged where it does not."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.model.backtest import backtest_slopes, history_until
from optimizer.model.features import build_history
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats


def _checks(**kw):
    frame, _ = make_stats(n=40, days=35, seed=5, **kw)
    settings = Settings()
    return {(c.lever, c.quantity): c for c in backtest_slopes(build_history(frame, settings.model), settings.model)}


def test_on_a_known_truth_account_with_varied_budgets_the_budget_slopes_are_identified_and_close():
    checks = _checks()
    spend, gmv = checks[("budget", "spend")], checks[("budget", "gmv")]
    assert spend.identified and gmv.identified
    assert spend.moves > 100
    assert spend.error < 0.25 and gmv.error < 0.35
    assert not checks[("bid", "spend")].identified  # none campaigns: no bid moves at all


def test_a_history_in_which_nothing_moved_is_flagged_not_identified():
    checks = _checks(flat=True)
    assert not any(c.identified for c in checks.values())
    assert all("未识别" in c.sentence or "not identified" in c.sentence for c in checks.values())


def test_the_history_until_a_day_is_what_was_known_that_morning():
    frame, _ = make_stats(n=5, days=20, seed=2)
    h = build_history(frame, Settings().model)
    past = history_until(h, 12)
    assert past.observed.shape == (5, 12) and len(past.dates) == 12
    assert past.as_of == (pd.Timestamp(h.dates[12]).date())
    assert (past.current_budget == h.budget[:, 11]).all()


def test_optimize_verbose_prints_the_backtest_and_the_report_shows_it(tmp_path, isolated_home):
    frame, _ = make_stats(n=12, days=28, seed=41)
    source = tmp_path / "stats.csv"
    frame.to_csv(source, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    out = tmp_path / "recs.csv"
    result = CliRunner().invoke(
        app,
        ["optimize", "--input", str(source), "--output", str(out), "--verbose"],
        catch_exceptions=False,
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 0, result.output
    assert "斜率回测" in result.output or "slope backtest" in result.output
    page = out.with_name("recs_report.html").read_text(encoding="utf-8")
    assert "斜率回测" in page or "slope backtest" in page
