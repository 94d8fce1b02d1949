"""Instantiation checks imports up front and lists everything missing."""

from __future__ import annotations

from pathlib import Path

import pytest

import witbridge

ROOT = Path(__file__).resolve().parents[1]


def test_every_missing_import_is_listed_with_its_signature() -> None:
    component = witbridge.Component.from_file(ROOT / "fixtures" / "wat" / "needs-imports.wat")
    with pytest.raises(witbridge.LinkError) as info:
        witbridge.Linker().instantiate(component)
    assert str(info.value) == (
        "the component has 2 imports that nothing provides:\n"
        "  function tick: func(n: u32)\n"
        "  interface xyz:host/log@0.1.0:\n"
        "      debug: func(msg: string)\n"
        "      level: func() -> u8"
    )


def test_an_interface_of_only_types_needs_nothing() -> None:
    # The values guest imports `witbridge:fixtures/types`, which has no functions.
    component = witbridge.Component.from_file(ROOT / "fixtures" / "wasm" / "values.component.wasm")
    assert "witbridge:fixtures/types@0.1.0" in component.world.imports
    assert witbridge.Linker().instantiate(component).add(1, 2) == 3


NEEDS_IMPORTS = ROOT / "fixtures" / "wat" / "needs-imports.wat"
LOG = {"debug": lambda msg: None, "level": lambda: 1}


def test_a_misspelled_import_key_is_refused_with_a_suggestion() -> None:
    with pytest.raises(witbridge.LinkError) as info:
        witbridge.load(NEEDS_IMPORTS, imports={"tickk": lambda n: None, "xyz:host/log": LOG})
    assert str(info.value) == (
        "load(imports=...) has names the component doesn't import:\n"
        "  'tickk': no import of the component has this name; did you mean 'tick'?\n"
        "and so: the component has 1 import that nothing provides:\n"
        "  function tick: func(n: u32)"
    )


def test_an_unknown_import_key_lists_what_the_component_imports() -> None:
    imports = {"tick": lambda n: None, "xyz:host/log": LOG, "bogus:extra/thing": {}}
    with pytest.raises(witbridge.LinkError, match=r"'bogus:extra/thing': .* it imports tick, xyz:host/log@0.1.0$"):
        witbridge.load(NEEDS_IMPORTS, imports=imports)


@pytest.mark.parametrize("log", ["xyz:host/log", "xyz:host/log@0.1.0", "xyz:host/log@0.1.9"])
def test_every_spelling_that_serves_an_import_is_accepted(log: str) -> None:
    witbridge.load(NEEDS_IMPORTS, imports={"tick": lambda n: None, log: LOG})


def test_a_linker_may_define_more_than_one_component_needs() -> None:
    # Only load(imports=...) is strict: a Linker serves many components.
    linker = witbridge.Linker()
    linker.define_func("tick", lambda n: None)
    linker.define("xyz:host/log", LOG)
    linker.define("other:pkg/iface", {})
    linker.instantiate(witbridge.Component.from_file(NEEDS_IMPORTS))
