"""Modules imported in the background while the rows are read (servq.analysis.preload)."""

from __future__ import annotations

import sys
import threading

from servq.analysis.preload import preload


def _wait_for_preloading() -> None:
    for thread in threading.enumerate():
        if thread.name == "servq-preload":
            thread.join()


def test_a_module_is_imported_in_the_background_and_a_broken_one_is_left_to_its_user(tmp_path, monkeypatch, capsys):
    (tmp_path / "servq_preload_ok.py").write_text("VALUE = 42\n", encoding="utf-8")
    (tmp_path / "servq_preload_broken.py").write_text("raise ImportError('needs servq[web]')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("servq_preload_ok", "servq_preload_broken"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    preload("servq_preload_broken", "servq_preload_ok")
    _wait_for_preloading()
    assert "servq_preload_broken" not in sys.modules and sys.modules["servq_preload_ok"].VALUE == 42
    assert capsys.readouterr() == ("", "")


def test_nothing_is_started_for_modules_imported_already():
    before = threading.active_count()
    preload("json", "servq")
    assert threading.active_count() == before
