"""The [qianchuan] settings: secrets from the environment, GMV field from [data] gmv_basis."""

from __future__ import annotations

import pytest

from connectors.errors import AuthError
from connectors.qianchuan.settings import QianchuanSettings
from optimizer.settings import config_hash, load_settings


def test_app_id_and_secret_come_from_the_environment_and_never_print(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("SPENDOPT_QIANCHUAN_APP_ID", "1800000000000001")
    monkeypatch.setenv("SPENDOPT_QIANCHUAN_APP_SECRET", "very-secret-value")
    monkeypatch.setenv("SPENDOPT_QIANCHUAN__APP_QPS", "7.5")
    settings = load_settings()
    qc = settings.qianchuan
    assert qc.app_id == "1800000000000001" and qc.secret() == "very-secret-value" and qc.app_qps == 7.5
    assert "very-secret-value" not in repr(settings) + str(settings.model_dump()) + settings.model_dump_json()


def test_missing_secret_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("SPENDOPT_QIANCHUAN_APP_SECRET", raising=False)
    monkeypatch.delenv("SPENDOPT_QIANCHUAN_APP_ID", raising=False)
    with pytest.raises(AuthError, match="SPENDOPT_QIANCHUAN_APP_SECRET"):
        QianchuanSettings().secret()


@pytest.mark.parametrize(
    ("data", "qianchuan", "expected"),
    [
        ({}, {}, "direct_pay"),
        ({"gmv_basis": "total_7d"}, {}, "total_7d"),
        ({"gmv_basis": "total_7d"}, {"gmv_basis": "direct_pay"}, "direct_pay"),
        ({"gmv_basis": "uni_total"}, {}, "direct_pay"),
    ],
)
def test_the_pull_reads_the_gmv_field_of_the_data_basis_unless_told_otherwise(
    monkeypatch, tmp_path, data, qianchuan, expected
):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("SPENDOPT_DATA__GMV_BASIS", raising=False)
    assert load_settings(data=data, qianchuan=qianchuan).qianchuan.gmv_basis == expected


def test_connector_settings_do_not_change_the_config_hash(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_hash(load_settings()) == config_hash(load_settings(qianchuan={"base_url": "http://127.0.0.1:1"}))
