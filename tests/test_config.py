"""Config values arrive typed, and paths resolve beside the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import ConfigError, load_config
from policy.permit_numbers import PermitNumberError, parse_permit_number
from tests.conftest import write_config


def test_paths_resolve_relative_to_config_file(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    assert config.storage.path == tmp_path / "data" / "node.sqlite3"
    assert config.federation.allow_private_addresses is True
    assert config.federation_on is True


def test_federation_off_without_permit(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, permit=""))
    assert config.federation_on is False


def test_missing_required_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[node]\nbase_url = "https://a.cn"\n', "utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == "node.domain"


@pytest.mark.parametrize("number,kind", [
    ("京ICP备12345678号-1", "filing"), ("沪ICP备2021000123号", "filing"),
    ("京ICP证123456号", "licence"), ("粤B2-20090059", "licence"),
])
def test_permit_forms_accepted(number: str, kind: str) -> None:
    assert parse_permit_number(number).kind == kind


@pytest.mark.parametrize("number", ["ICP备12345678号", "京ICP备123号", "X京ICP证123456号", "京ICP证123456"])
def test_permit_forms_refused(number: str) -> None:
    with pytest.raises(PermitNumberError):
        parse_permit_number(number)


@pytest.mark.parametrize("storage,key,words", [
    ('backend = "mysql"', "storage.backend", "sqlite, postgresql"),
    ('backend = "postgresql"', "storage.dsn", "missing"),
    ('backend = "postgresql"\ndsn = "postgresql://node:pw@db/node"', "storage.dsn", "NODE_DATABASE_PASSWORD"),
    ('dsn = "postgresql://node@db/node"', "storage.dsn", "only for"),
    ('backend = "postgresql"\ndsn = "postgresql://node@db/node"\npool_size = 0', "storage.pool_size", "between"),
])
def test_storage_backend_is_checked(tmp_path: Path, storage: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, storage=storage))
    assert err.value.key == key and words in err.value.message


def test_postgresql_target_takes_its_password_from_the_environment(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, storage='backend = "postgresql"\ndsn = "postgresql://node@db/node"'))
    target = config.storage.target({"NODE_DATABASE_PASSWORD": "s3cret"})
    assert (target.backend, target.dsn, target.password) == ("postgresql", "postgresql://node@db/node", "s3cret")
    assert "s3cret" not in repr(target) and "s3cret" not in target.describe()
    assert config.storage.target({}).password is None
