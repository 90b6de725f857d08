"""The command line: exit codes, one-line errors, nothing written on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from optimizer.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"
BAD = sorted(p for p in (DATA / "bad").iterdir() if p.is_file() and not p.name.startswith("."))
GOOD = DATA / "good"

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


def row_count(db: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        count = conn.execute(sa.text("SELECT count(*) FROM daily_stat")).scalar_one() if "daily_stat" in tables else 0
    engine.dispose()
    return count


def test_version_prints_the_package_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("spendopt ")


def test_help_imports_no_heavy_library():
    code = (
        "import sys; sys.argv=['spendopt','--help']\n"
        "from optimizer.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('pandas','numpy','sqlalchemy','sqlmodel','ortools','matplotlib','httpx','openpyxl','scipy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_every_hostile_file_exits_2_names_the_file_and_leaves_the_store_untouched(path, tmp_path, isolated_home):
    db = tmp_path / "store.db"
    good = invoke("import", str(GOOD / "contract_english.csv"), "--db", str(db))
    assert good.exit_code == 0, good.output
    before = row_count(db)
    result = invoke("import", str(path), "--db", str(db))
    assert result.exit_code == 2, result.output
    assert path.name in result.output
    assert "Traceback" not in result.output
    assert row_count(db) == before


def test_importing_a_good_export_then_status_shows_the_account(tmp_path, isolated_home):
    db = tmp_path / "store.db"
    result = invoke("import", str(GOOD / "qianchuan_standard_gbk.csv"), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "imported" in result.output
    again = invoke("import", str(GOOD / "qianchuan_standard_gbk.csv"), "--db", str(db))
    assert "0 new, 0 updated" in again.output
    status = invoke("status", "--db", str(db))
    assert status.exit_code == 0 and "1700000000000000099" in status.output and "campaigns" in status.output


def test_a_bad_config_key_exits_2_naming_key_and_file(tmp_path, isolated_home):
    config = tmp_path / "bad.toml"
    config.write_text("[budget]\nmax_change_pct = 500\n", encoding="utf-8")
    result = invoke("status", "--config", str(config), "--db", str(tmp_path / "s.db"))
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "max_change_pct" in result.output


def test_init_creates_the_store_and_a_config_from_the_example(tmp_path, isolated_home):
    db = tmp_path / "new" / "store.db"
    result = invoke("init", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert db.exists()
    written = isolated_home / "config" / "spendopt" / "spendopt.toml"
    assert written.read_text(encoding="utf-8").startswith("# spendopt configuration")


def _console_script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The real entry point in a fresh interpreter, with an exit hook that says whether teardown ran."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('TEARDOWN', flush=True))\n"
        f"sys.argv = ['spendopt', *{list(args)!r}]\n"
        "from optimizer.cli import main\n"
        "main()\n"
    )
    env = {"HOME": str(tmp_path), "COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(DATA.parents[1])}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)


def test_a_completed_optimize_skips_teardown_with_every_line_and_file_out(tmp_path):
    out = tmp_path / "recs.csv"
    done = _console_script(tmp_path, "optimize", "--input", str(GOOD / "contract_english.csv"), "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert "TEARDOWN" not in done.stdout
    assert str(out) in done.stdout  # the last lines were flushed before the exit
    assert out.read_text(encoding="utf-8-sig").count("\n") > 1
    assert (tmp_path / "recs.xlsx").stat().st_size > 0


def test_a_failed_optimize_and_other_commands_exit_the_ordinary_way(tmp_path):
    bad = _console_script(tmp_path, "optimize", "--input", str(BAD[0]), "--output", str(tmp_path / "r.csv"))
    assert bad.returncode == 2 and "TEARDOWN" in bad.stdout
    assert not (tmp_path / "r.csv").exists()
    version = _console_script(tmp_path, "--version")
    assert version.returncode == 0 and "TEARDOWN" in version.stdout
