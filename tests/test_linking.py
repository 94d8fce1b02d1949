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
