"""Fixtures for the kill harness: settings and a pool of import workbooks shared by the module."""

import pytest

from app.services.context import Settings, load_settings


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "durability: SIGKILL rounds against a real database file")


@pytest.fixture(scope="module")
def kill_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(tmp_path_factory.mktemp("userdata"))


@pytest.fixture(scope="module")
def workbook_pool(tmp_path_factory: pytest.TempPathFactory, kill_settings: Settings):
    from tests.durability.kill_workbooks import WorkbookPool

    return WorkbookPool(tmp_path_factory.mktemp("books"), kill_settings, items=200)
