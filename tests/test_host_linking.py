"""One component's exports implementing another's imports (issue 3, item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import witbridge

WASM = Path(__file__).resolve().parents[1] / "fixtures" / "wasm"
MATH = "witbridge:pair/math@0.1.0"


@pytest.fixture
def provider() -> witbridge.Namespace:
    ns = witbridge.load(WASM / "provider.wasm").exports[MATH]
    assert isinstance(ns, witbridge.Namespace)
    return ns


def test_consumer_runs_on_the_providers_exports(provider: witbridge.Namespace) -> None:
    consumer = witbridge.load(WASM / "consumer.wasm", imports={MATH: provider})
    assert consumer.run([1.0, 2.0]) == "2 items, mean 1.50, 5 OK!"
    assert consumer.run([]) == "0 items, mean 0.00, 5 OK!"


def test_same_answer_through_python(provider: witbridge.Namespace) -> None:
    class PythonMath:
        def add(self, a: int, b: int) -> int:
            return a + b

        def describe(self, xs: list[float]) -> dict[str, Any]:
            return {"count": len(xs), "mean": sum(xs) / len(xs) if xs else 0.0}

        def shout(self, s: str) -> str:
            return s.upper() + "!"

    through_python = witbridge.load(WASM / "consumer.wasm", imports={MATH: PythonMath()})
    direct = witbridge.load(WASM / "consumer.wasm", imports={MATH: provider})
    for xs in ([3.0], [1.5, 2.5, 8.0], []):
        assert through_python.run(xs) == direct.run(xs)


def test_values_pass_straight_through(provider: witbridge.Namespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record from the provider never becomes a Python object on its way to the consumer."""
    made: list[object] = []
    original_init = provider.Stats.__init__

    def counting_init(self: object, *args: object) -> None:
        made.append(self)
        original_init(self, *args)

    monkeypatch.setattr(provider.Stats, "__init__", counting_init)
    direct = witbridge.load(WASM / "consumer.wasm", imports={MATH: provider})
    assert direct.run([2.0, 4.0]) == "2 items, mean 3.00, 5 OK!"
    assert made == []

    wrapped = {"add": provider.add, "shout": provider.shout, "describe": lambda xs: provider.describe(xs)}
    through_python = witbridge.load(WASM / "consumer.wasm", imports={MATH: wrapped})
    assert through_python.run([2.0, 4.0]) == "2 items, mean 3.00, 5 OK!"
    assert len(made) == 1


def test_exports_of_another_shape_go_through_the_converters(provider: witbridge.Namespace) -> None:
    # `add` of adder.wat takes u32s where the consumer imports s32s: not forwarded
    # blindly (which would break the adder), but converted and range-checked.
    adder = witbridge.load(WASM.parent / "wat" / "adder.wat")
    consumer = witbridge.load(
        WASM / "consumer.wasm",
        imports={MATH: {"add": adder.add, "describe": provider.describe, "shout": provider.shout}},
    )
    assert consumer.run([1.0]) == "1 items, mean 1.00, 5 OK!"
    assert adder.add(40, 2) == 42


WAT = WASM.parent / "wat"
PROVIDER = WAT / "resource-provider.wat"
CONSUMER = WAT / "resource-consumer.wat"


def test_resource_handles_are_translated_between_instances_never_forwarded() -> None:
    # Both components call their resource type 0 and `take` has the same
    # shape on both sides, but a handle is an index into its own instance's
    # table: the provider already holds two `r`s, so the consumer's handle
    # 1 means another resource there. The call goes through Python objects.
    provider = witbridge.load(PROVIDER)
    held = [provider.api.R(100), provider.api.R(200)]
    consumer = witbridge.load(CONSUMER, imports={"test:x/api": provider.api})
    assert consumer.run(7) == 1007
    assert [provider.api.take(r) for r in held] == [1100, 1200]


def test_a_resource_of_one_implementation_is_refused_by_another() -> None:
    class Local:
        def __init__(self, v: int) -> None:
            self.v = v

    provider = witbridge.load(PROVIDER)
    consumer = witbridge.load(CONSUMER, imports={"test:x/api": {"r": Local, "take": provider.api.take}})
    refused = r"take\(\): x: expected borrow of r \(a R object\), got <tests.test_host_linking"
    with pytest.raises(TypeError, match=refused):
        consumer.run(7)
