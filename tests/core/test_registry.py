"""The registry (clause 12): `register`, `make_store`, the ``gc3store.stores`` entry points, and
the constructor keywords every store takes.  The registry is restored after every test (see
conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import gc3store
from gc3store import (
    FilesystemStore,
    IdFactory,
    MemoryStore,
    Persistable,
    StoreError,
    make_store,
    register,
    registry,
)

BUILTIN_SCHEMES = ["file", "mariadb", "memory", "mysql", "postgresql", "sqlite"]
GC3PIE_KEYWORDS = {"idfactory": IdFactory("kw"), "protocol": 3, "table_name": "jobs",
                   "create": True, "extra_fields": {}, "directory": "/ignored", "durable": False}


class Task(Persistable):
    pass


class Recorder:
    """A store constructor that records how it was called."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((url, args, kwargs))
        return MemoryStore(f"memory://recorded-{uuid.uuid4().hex}")


class TestMakeStore:
    def test_the_builtin_file_and_memory_schemes(self, tmp_path: Path) -> None:
        store = make_store(f"file://{tmp_path}")
        assert isinstance(store, FilesystemStore)
        assert store.directory == str(tmp_path)
        assert isinstance(make_store("memory://registry-test"), MemoryStore)
        assert make_store("file:///tmp").__class__.__name__ == "FilesystemStore"
        assert make_store("/tmp").__class__.__name__ == "FilesystemStore"

    def test_the_sql_schemes_make_an_sql_store(self, tmp_path: Path) -> None:
        for scheme in ("sqlite", "sqlite+pysqlite"):
            store = make_store(f"{scheme}:///{tmp_path}/{scheme}.db")
            assert type(store).__name__ == "SqlStore"

    @pytest.mark.parametrize("as_path", [str, Path], ids=["str", "Path"])
    def test_a_plain_path_means_file(self, tmp_path: Path, as_path: Callable[[str], Any],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        store = make_store(as_path("relative/dir"))
        assert isinstance(store, FilesystemStore)
        assert store.directory == str(tmp_path / "relative" / "dir")

    @pytest.mark.parametrize("name", ["with space", "hash#mark", "what?", "per%41cent", "é"])
    def test_a_plain_path_is_taken_literally(self, tmp_path: Path, name: str) -> None:
        assert make_store(str(tmp_path / name)).directory == str(tmp_path / name)

    def test_a_plain_path_reaches_the_file_constructor_as_a_file_url(self) -> None:
        recorder = Recorder()
        register("file", recorder)
        make_store("/some/dir")
        assert recorder.calls == [("file:///some/dir", (), {})]

    def test_arguments_are_passed_verbatim(self) -> None:
        recorder = Recorder()
        register("demo", recorder)
        marker = object()
        make_store("Demo://Host/Path?q=1", 1, marker, anything=marker, durable=None)
        assert recorder.calls == [("Demo://Host/Path?q=1", (1, marker),
                                   {"anything": marker, "durable": None})]

    def test_a_scheme_with_a_driver_falls_back_to_the_scheme(self) -> None:
        recorder, exact = Recorder(), Recorder()
        register("demo", recorder)
        make_store("demo+fast://x")
        register("demo+exact", exact)
        make_store("demo+exact://y")
        assert [call[0] for call in recorder.calls] == ["demo+fast://x"]
        assert [call[0] for call in exact.calls] == ["demo+exact://y"]

    def test_an_unknown_scheme_is_a_store_error_naming_it_and_the_known_ones(self) -> None:
        register("demo", Recorder())
        with pytest.raises(StoreError, match="'nosuch'") as raised:
            make_store("nosuch://x")
        assert all(scheme in str(raised.value) for scheme in [*BUILTIN_SCHEMES, "demo"])
        # other tests in this process may have registered schemes of their own
        known = registry.known_schemes()
        assert known == sorted(known)
        assert {*BUILTIN_SCHEMES, "demo", *registry._entry_points()} <= set(known)

    @pytest.mark.parametrize("uri", ["", "dir\0ectory"])
    def test_an_empty_uri_or_a_nul_byte_is_a_store_error(self, uri: str) -> None:
        with pytest.raises(StoreError):
            make_store(uri)

    @pytest.mark.parametrize("uri", [None, 42, b"/tmp"])
    def test_a_uri_that_is_no_string_or_path_is_a_type_error(self, uri: Any) -> None:
        with pytest.raises(TypeError, match="URI"):
            make_store(uri)

    @pytest.mark.parametrize("scheme", ["file", "memory"])
    def test_every_store_takes_the_gc3pie_keywords(self, tmp_path: Path, scheme: str) -> None:
        uri = f"file://{tmp_path}" if scheme == "file" else "memory://keywords"
        store = make_store(uri, **GC3PIE_KEYWORDS)
        assert store.save(Task()).prefix == "kw"
        assert store.protocol == 3

    @pytest.mark.parametrize("scheme", ["file", "memory", "sqlite"])
    @pytest.mark.parametrize("keyword", ["create", "durable"])
    @pytest.mark.parametrize("value", ["no", "", None, 2, 0.0])
    def test_a_flag_that_is_not_true_or_false_is_a_type_error_naming_it(
            self, tmp_path: Path, scheme: str, keyword: str, value: Any) -> None:
        uri = {"file": f"file://{tmp_path}/store", "memory": "memory://flags",
               "sqlite": f"sqlite:///{tmp_path}/store.db"}[scheme]
        with pytest.raises(TypeError, match=rf"{keyword} is True or False, not .*{value!r}"):
            make_store(uri, **{keyword: value})
        assert not (tmp_path / "store").exists()

    @pytest.mark.parametrize("scheme", ["file", "sqlite"])
    def test_flags_of_one_or_zero_are_true_or_false(self, tmp_path: Path, scheme: str) -> None:
        uri = f"file://{tmp_path}/store" if scheme == "file" else f"sqlite:///{tmp_path}/s.db"
        assert make_store(uri, create=1, durable=0).durable is False
        assert make_store(uri, create=0, durable=1).durable is True

    @pytest.mark.parametrize("scheme", ["file", "memory"])
    def test_an_unknown_keyword_is_a_type_error_naming_it(self, tmp_path: Path,
                                                          scheme: str) -> None:
        uri = f"file://{tmp_path}" if scheme == "file" else "memory://keywords"
        with pytest.raises(TypeError, match="no_such_keyword"):
            make_store(uri, no_such_keyword=1)


class TestRegister:
    @pytest.mark.parametrize("constructor", [None, 42, "gc3store.MemoryStore"])
    def test_a_constructor_that_is_not_callable_is_a_type_error(self,
                                                                constructor: Any) -> None:
        with pytest.raises(TypeError, match="'demo'"):
            register("demo", constructor)
        assert "demo" not in registry.known_schemes()

    @pytest.mark.parametrize("scheme", ["", "1abc", "a b", "a://", "-x", None, 42])
    def test_a_malformed_scheme_is_a_value_error(self, scheme: Any) -> None:
        with pytest.raises(ValueError, match="scheme"):
            register(scheme, Recorder())

    def test_the_last_registration_wins_silently_builtins_included(self,
                                                                   tmp_path: Path) -> None:
        first, second = Recorder(), Recorder()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            register("demo", first)
            register("DEMO", second)
            register("file", second)
            register("memory", second)
        for uri in ("demo://a", "memory://b", f"file://{tmp_path}", str(tmp_path)):
            make_store(uri)
        assert first.calls == []
        assert [call[0] for call in second.calls] == [
            "demo://a", "memory://b", f"file://{tmp_path}", f"file://{tmp_path}"]


@pytest.fixture
def publish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """Install a real distribution publishing ``gc3store.stores`` entry points: a module and a
    ``*.dist-info`` directory on a new ``sys.path`` entry.  Returns the module's name."""
    module = f"gc3store_core_plugin_{uuid.uuid4().hex}"
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(registry, "_published", None)

    def install(**entry_points: str) -> str:
        (root / f"{module}.py").write_text(
            "import gc3store\n"
            "calls = []\n"
            "def make(url, *args, **kwargs):\n"
            "    calls.append((url, args, kwargs))\n"
            "    return gc3store.MemoryStore('memory://' + url.replace('://', '-'))\n"
            "def broken(url, *args, **kwargs):\n"
            "    raise AssertionError('never called')\n")
        info = root / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
        lines = [f"{name} = {target.replace('MODULE', module)}"
                 for name, target in entry_points.items()]
        (info / "entry_points.txt").write_text("[gc3store.stores]\n" + "\n".join(lines) + "\n")
        return module

    yield install
    sys.modules.pop(module, None)


class TestEntryPoints:
    def test_a_published_scheme_is_loaded_only_when_first_used(
            self, publish: Callable[..., str]) -> None:
        module = publish(epdemo="MODULE:make")
        assert "epdemo" in registry.known_schemes()
        make_store("memory://unrelated")
        assert module not in sys.modules
        make_store("EPDemo://x", 1, k=2)
        assert sys.modules[module].calls == [("EPDemo://x", (1,), {"k": 2})]

    def test_entry_points_are_read_once(self, publish: Callable[..., str]) -> None:
        publish(epdemo="MODULE:make")
        make_store("epdemo://first")
        published = registry._published
        make_store("epdemo://second")
        assert registry._published is published

    def test_register_wins_over_an_entry_point_which_wins_over_a_builtin(
            self, publish: Callable[..., str]) -> None:
        module = publish(epdemo="MODULE:make", memory="MODULE:make")
        recorder = Recorder()
        register("epdemo", recorder)
        make_store("epdemo://registered")
        make_store("memory://published")
        assert [call[0] for call in recorder.calls] == ["epdemo://registered"]
        assert [call[0] for call in sys.modules[module].calls] == ["memory://published"]

    def test_a_driver_falls_back_to_a_published_scheme(self, publish: Callable[..., str]) -> None:
        module = publish(epdemo="MODULE:make")
        make_store("epdemo+driver://x")
        assert [call[0] for call in sys.modules[module].calls] == ["epdemo+driver://x"]

    def test_a_broken_entry_point_breaks_only_its_own_scheme(
            self, publish: Callable[..., str]) -> None:
        publish(missing="no_such_module_anywhere:make")
        assert isinstance(make_store("memory://fine"), MemoryStore)
        with pytest.raises(ImportError):
            make_store("missing://x")


def test_importing_gc3store_does_not_import_sqlalchemy() -> None:
    check = ("import gc3store, sys; assert 'sqlalchemy' not in sys.modules, "
             "sorted(m for m in sys.modules if m.startswith('sqlalchemy'))[:3]")
    subprocess.run([sys.executable, "-c", check], check=True, timeout=60,
                   env={**os.environ, "PYTHONWARNINGS": "error"})


def test_sql_store_is_imported_on_first_use_and_other_names_are_attribute_errors() -> None:
    assert gc3store.SqlStore.__name__ == "SqlStore"
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = gc3store.no_such_name  # type: ignore[attr-defined]
