"""Compiled templates kept in the cache directory render exactly what freshly compiled ones render;
an unwritable cache directory changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl import render
from schemactl.manifest.load import load_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_env():
    render._env.cache_clear()
    yield
    render._env.cache_clear()


def _outputs():
    return {p.parent.name: render.outputs(load_file(p)) for p in sorted(ROOT.glob("tests/cases/*/manifest.yaml"))[:6]}


def test_cached_templates_render_the_same(tmp_path, monkeypatch, fresh_env):
    monkeypatch.setenv("SCHEMACTL_NO_CACHE", "1")
    plain = _outputs()
    monkeypatch.delenv("SCHEMACTL_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    render._env.cache_clear()
    assert _outputs() == plain                               # compiled, then written to the cache
    assert list((tmp_path / "schemactl" / "templates").glob("*.cache"))
    render._env.cache_clear()
    assert _outputs() == plain                               # read from the cache


def test_an_unusable_cache_directory_is_ignored(tmp_path, monkeypatch, fresh_env):
    (tmp_path / "schemactl").write_text("a file where the directory would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    got = _outputs()
    monkeypatch.setenv("SCHEMACTL_NO_CACHE", "1")
    render._env.cache_clear()
    assert _outputs() == got
