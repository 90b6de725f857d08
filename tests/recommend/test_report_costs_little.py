"""The report costs little and risks nothing (issue 16): it is written after the recommendations, a
failure in it leaves them whole, it draws the top ``[report] curves_top_n`` campaigns, and the one-shot
command never loads matplotlib (the charts are drawn with Pillow), nor Pillow without the report."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import optimizer.report
from optimizer.jobs.optimize import output_paths, run_optimize
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats
from tests.recommend.report_runs import spy_on_curves

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    frame, _ = make_stats(n=20, days=21, seed=3)
    path = tmp_path / "stats.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return path


def test_a_report_that_fails_leaves_the_recommendations_whole(source, tmp_path, isolated_home, monkeypatch):
    out = tmp_path / "recs.csv"
    paths = output_paths(out)
    run_optimize([source], out, Settings())  # an earlier run's report sits beside the files
    assert paths["html"].exists() and paths["curves"].exists()

    def broken(*args, **kwargs):
        raise RuntimeError("the chart could not be drawn")

    monkeypatch.setattr(optimizer.report, "write_report", broken)
    result = run_optimize([source], out, Settings())
    assert result.paths == (paths["csv"], paths["xlsx"], paths["meta"])
    assert not any(paths[k].exists() for k in ("html", "curves", "channels"))  # no stale page of the other run
    assert len(result.frame) == 20 and paths["csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    meta = json.loads(paths["meta"].read_text("utf-8"))
    assert meta["run_id"] == result.run_id and "the chart could not be drawn" in meta["report_error"]
    assert sorted(meta["files"]) == sorted([paths["csv"].name, paths["xlsx"].name])
    assert meta["files"][paths["csv"].name] == hashlib.sha256(paths["csv"].read_bytes()).hexdigest()
    assert any("the chart could not be drawn" in note for note in result.notes)


def test_the_curves_are_drawn_for_the_top_n_campaigns_of_the_setting(source, tmp_path, isolated_home, monkeypatch):
    seen = spy_on_curves(monkeypatch)
    settings = Settings.model_validate({"report": {"curves_top_n": 3}})
    result = run_optimize([source], tmp_path / "recs.csv", settings)
    assert [top_n for top_n, _ in seen] == [3] and output_paths(tmp_path / "recs.csv")["curves"] in result.paths
    assert Settings().report.curves_top_n == 12


def test_the_one_shot_command_imports_only_what_it_uses(source, tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from optimizer.jobs.optimize import run_optimize
        from optimizer.settings import Settings
        run_optimize([{str(source)!r}], {str(tmp_path / "a.csv")!r}, Settings(), report=False)
        assert "matplotlib" not in sys.modules and "PIL" not in sys.modules, "no report, no drawing"
        run_optimize([{str(source)!r}], {str(tmp_path / "b.csv")!r}, Settings(), report=True)
        assert "PIL.Image" in sys.modules
        loaded = [m for m in ("matplotlib", "scipy", "sqlalchemy", "openpyxl") if m in sys.modules]
        assert not loaded, loaded
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_spendopt_optimize_draws_the_report_without_loading_matplotlib(source, tmp_path, isolated_home):
    """The command itself, in a process of its own: the report is there, matplotlib never loaded."""
    out = tmp_path / "recs.csv"
    script = textwrap.dedent(
        f"""
        import sys
        from optimizer.cli import app
        try:
            app(["optimize", "--input", {str(source)!r}, "--output", {str(out)!r}])
        except SystemExit as done:
            assert not done.code, done.code
        assert "matplotlib" not in sys.modules, sorted(m for m in sys.modules if m.startswith("matplotlib"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    paths = output_paths(out)
    for key in ("curves", "channels"):
        assert paths[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths["curves"].name in paths["html"].read_text(encoding="utf-8")
