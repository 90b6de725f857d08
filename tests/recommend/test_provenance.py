"""Provenance: every output file's origin (commit, settings hash) beside it and on the run record."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import sqlalchemy as sa

from connectors.sim.platform import SimulatedPlatform
from optimizer.jobs.daily import run_daily
from optimizer.jobs.optimize import output_paths, run_optimize
from optimizer.settings import Settings, config_hash, load_settings
from optimizer.version import code_version
from tests.fit.synthetic import make_stats

ROOT = Path(__file__).resolve().parents[2]


def _commit() -> str | None:
    if not (ROOT / ".git").exists():
        return None
    return subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_code_version_is_the_commit_of_the_checkout():
    commit = _commit()
    if commit is None:  # an installed package: its version
        assert "+g" not in code_version()
    else:
        assert f"+g{commit}" in code_version()


def test_one_shot_files_carry_run_commit_and_settings_hash(tmp_path, isolated_home):
    frame, _ = make_stats(n=8, days=14, seed=5)
    source = tmp_path / "stats.csv"
    frame.to_csv(source, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    settings = Settings()
    out = tmp_path / "recs.csv"
    result = run_optimize([source], out, settings)
    meta_path = output_paths(out)["meta"]
    assert meta_path in result.paths
    meta = json.loads(meta_path.read_text("utf-8"))
    assert meta["run_id"] == result.run_id and meta["effective_date"] == result.effective_date.isoformat()
    assert meta["code_version"] == code_version() and meta["config_hash"] == config_hash(settings)
    written = [p for p in result.paths if p != meta_path]
    assert sorted(meta["files"]) == sorted(p.name for p in written)
    for path in written:
        assert meta["files"][path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
    # another guardrail, another hash
    tighter = settings.model_copy(update={"budget": settings.budget.model_copy(update={"max_change_pct": 10})})
    assert config_hash(tighter) != meta["config_hash"]


def test_the_daily_run_records_the_same_provenance_in_the_store_and_beside_its_files(engine, tmp_path, isolated_home):
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    result = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
    (account,) = result.accounts
    meta = json.loads(next(p for p in account.paths if p.name.endswith(".meta.json")).read_text("utf-8"))
    with engine.connect() as conn:
        run = conn.execute(
            sa.text("select code_version, config_hash from optimization_run where run_id = :r"), {"r": result.run_id}
        ).one()
    assert (run.code_version, run.config_hash) == (meta["code_version"], meta["config_hash"])
    assert meta["account_id"] == account.account_id and meta["run_id"] == result.run_id


def test_a_simulation_says_which_code_and_settings_made_it(tmp_path, isolated_home):
    from optimizer.simulate.loop import run_simulation

    result = run_simulation("demo", days=2, seed=1, policies=["hold"], out_dir=tmp_path, progress=False)
    meta = json.loads(result.files["meta"].read_text("utf-8"))
    assert meta["code_version"] == code_version() and len(meta["config_hash"]) == 16
    assert (meta["scenario"], meta["seed"], meta["days"], meta["market"]) == ("demo", 1, 2, "curves")
    assert "hold" in meta["policies"]  # with the reference policies the loop always runs
    for key in ("days", "campaign_days", "summary", "chart"):
        path = result.files[key]
        assert meta["files"][path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
