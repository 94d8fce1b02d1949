"""The oracle: calls with generated values through a generated echo component.

A :class:`Signature` is a random root function ``f``; its world both imports
and exports ``f``, and ``witbridge._native._echo_component`` makes the guest
that forwards the export to the import (see ``witbridge_core::echo``), with
strings in a random one of the canonical ABI's three encodings. So a call
``inst.f(*args)`` converts the arguments from Python, hands them to the
guest, receives them back in the Python import, converts what the import
returns to the guest, and that back to Python. Every call is made twice:
through witbridge's own canonical ABI, and through an instance made with
``_reference_abi=True``, where values cross through wasmtime's ``Val`` API.
:func:`exercise` checks that, through both:

- right arguments, in any accepted spelling, reach the import equal to what
  was meant, and the import's result comes back equal (or as the ``Err`` of a
  ``result``);
- a wrong argument, anywhere inside a value, raises ``TypeError``,
  ``ValueError`` or ``OverflowError`` naming ``f``, before the guest runs,
  and the instance stays usable;
- a wrong return value from the import raises one of those errors naming the
  import, and never passes;
- the two ABIs agree: the same values, and the same errors word for word.

:func:`fuzz_one` is the entry point of the ``cargo fuzz`` target; the property
test and ``python -m tests.fuzzing.run`` call :func:`exercise` with
hypothesis's choices.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import witbridge
from witbridge import Err, Ok, _native

from ..same import same
from .choices import ByteChoices, Choices, boolean, pick
from .wit_types import MEMBER_NAMES, Named, Result, TypeGenerator, WitType

# Compiling is what a run spends most time on, and none of it needs the disk.
ENGINE = witbridge.Engine(cache_dir=None)
CONVERSION_ERRORS = (TypeError, ValueError, OverflowError)


STRINGS = ("utf8", "utf16", "latin1+utf16")


@dataclass(eq=False)
class Signature:
    """``f: func(params) -> result``, imported and exported by world ``echo``,
    whose guest passes strings in ``strings``."""

    params: tuple[tuple[str, WitType], ...]
    result: WitType | None
    strings: str = "utf8"

    def wit(self) -> str:
        named: dict[str, Named] = {}
        for _, t in self.typed():
            for definition in t.definitions():
                named.setdefault(definition.name, definition)
        params = ", ".join(f"%{name}: {t.wit()}" for name, t in self.params)
        func = f"func({params})" + (f" -> {self.result.wit()}" if self.result else "")
        lines = ["package fuzz:echo;"]
        if named:
            lines += ["interface types {", *(f"  {t.definition()}" for t in named.values()), "}"]
        lines.append("world echo {")
        if named:
            lines.append(f"  use types.{{{', '.join('%' + name for name in named)}}};")
        lines += [f"  import f: {func};", f"  export f: {func};", "}"]
        return "\n".join(lines)

    def typed(self) -> list[tuple[str, WitType]]:
        result = [("result", self.result)] if self.result else []
        return [*self.params, *result]

    @property
    def returns_result(self) -> Result | None:
        """The ``result`` type the function returns, which maps to ``Err`` raised."""
        target = self.result.target if self.result else None
        return target if isinstance(target, Result) else None


def signature(ch: Choices) -> Signature:
    types = TypeGenerator(ch)
    # Mostly one to three parameters; sometimes enough to spill past 16 flat values.
    count = ch.integer(0, pick(ch, (3, 3, 3, 20)))
    pool = list(MEMBER_NAMES)
    params = tuple((pool.pop(ch.integer(0, len(pool) - 1)), types.any()) for _ in range(count))
    result = types.any() if ch.integer(0, 4) else None
    return Signature(params, result, pick(ch, STRINGS))


@dataclass
class Stats:
    """What a run did, for the fuzzers' reports."""

    signatures: int = 0
    right_calls: int = 0
    wrong_arguments: int = 0
    wrong_returns: int = 0

    def add(self, other: Stats) -> None:
        self.signatures += other.signatures
        self.right_calls += other.right_calls
        self.wrong_arguments += other.wrong_arguments
        self.wrong_returns += other.wrong_returns


STATS = Stats()
_components: OrderedDict[str, witbridge.Component] = OrderedDict()


def component(sig: Signature) -> witbridge.Component:
    """The echo component of ``sig``, from a small cache keyed by its WIT and encoding."""
    wit = sig.wit()
    key = f"{sig.strings}\n{wit}"
    found = _components.get(key)
    if found is None:
        found = witbridge.Component.from_bytes(_native._echo_component(wit, "echo", sig.strings), engine=ENGINE)
        _components[key] = found
        if len(_components) > 64:
            _components.popitem(last=False)
    _components.move_to_end(key)
    return found


@dataclass
class Host:
    """The Python side of the import ``f``: records its arguments, answers as told."""

    received: list[tuple[Any, ...]] = field(default_factory=list)
    answer: Any = None
    fail: Any = None  # an exception to raise instead of answering

    def __call__(self, *args: Any) -> Any:
        self.received.append(args)
        if self.fail is not None:
            raise self.fail
        return self.answer


class Echo:
    """A signature's echo component, instantiated twice (witbridge's ABI, then
    wasmtime's as the reference), and the checks on both."""

    def __init__(self, sig: Signature, host: Host | None = None, reference_host: Host | None = None) -> None:
        self.sig = sig
        self.host = host or Host()
        self.reference_host = reference_host or Host()
        self.inst: Any = self.instantiate(self.host, reference=False)
        self.reference: Any = self.instantiate(self.reference_host, reference=True)

    def instantiate(self, host: Host, *, reference: bool) -> Any:
        linker = witbridge.Linker(ENGINE)
        linker.define("f", host)
        return linker.instantiate(component(self.sig), _reference_abi=reference)

    def sides(self) -> list[tuple[Any, Host]]:
        return [(self.inst, self.host), (self.reference, self.reference_host)]

    def answer(self, answer: Any = None, fail: Any = None) -> None:
        for _, host in self.sides():
            host.received.clear()
            host.answer, host.fail = answer, fail

    def outcomes(self, args: list[Any], keywords: bool = False) -> list[tuple[str, Any]]:
        """What the call does on each side: ("value", v), ("err", e) or ("raised", exc)."""
        got: list[tuple[str, Any]] = []
        for inst, _ in self.sides():
            try:
                if keywords:
                    names = [_native.snake_name(name) for name, _ in self.sig.params]
                    value = inst.f(**dict(zip(names, args, strict=True)))
                else:
                    value = inst.f(*args)
            except Err as err:
                got.append(("err", err.value))
            except Exception as error:  # compared between the sides below
                got.append(("raised", error))
            else:
                got.append(("value", value))
        return got

    def agree(self, got: list[tuple[str, Any]]) -> tuple[str, Any]:
        """The two sides' outcomes, which must be the same; the first of them."""
        (kind, value), (ref_kind, ref_value) = got
        where = f"{self.sig.wit()}\n(strings {self.sig.strings})"
        assert kind == ref_kind, f"{where}\nwitbridge: {kind} {value!r}\nwasmtime: {ref_kind} {ref_value!r}"
        if kind == "raised":
            raised = f"{where}\nwitbridge raised {value!r}\nwasmtime raised {ref_value!r}"
            assert type(value) is type(ref_value), raised
            assert str(value) == str(ref_value), raised
        else:
            assert same(value, ref_value), f"{where}\nwitbridge: {value!r}\nwasmtime: {ref_value!r}"
        ours, theirs = self.host.received, self.reference_host.received
        assert len(ours) == len(theirs), f"{where}\nthe imports ran {len(ours)} and {len(theirs)} times"
        for a, b in zip(ours, theirs, strict=True):
            assert all(same(x, y) for x, y in zip(a, b, strict=True)), f"{where}\nimports got {a!r} and {b!r}"
        return kind, value

    def right(self, ch: Choices) -> None:
        """A call with right arguments (spelled any accepted way) and a right answer."""
        inst, host, sig = self.inst, self.host, self.sig
        meant = [t.value(ch, inst) for _, t in sig.params]
        args = [t.spell(ch, v, inst) for (_, t), v in zip(sig.params, meant, strict=True)]
        expected: Any = sig.result.value(ch, inst) if sig.result else None
        outcome = sig.returns_result
        if outcome is not None:
            # A function's `result` is the import's return value or its raised Err.
            payload = outcome.ok if isinstance(expected, Ok) else outcome.err
            spelled = payload.spell(ch, expected.value, inst) if payload else None
            if isinstance(expected, Err):
                self.answer(fail=Err(spelled))
            else:
                self.answer(answer=spelled)
        else:
            self.answer(answer=sig.result.spell(ch, expected, inst) if sig.result is not None else None)

        kind, got = self.agree(self.outcomes(args, keywords=not boolean(ch)))
        assert kind != "raised", f"{sig.wit()}\nargs {args!r}\nraised {got!r}"
        if kind == "err":
            assert isinstance(expected, Err), f"{sig.wit()}\nraised Err({got!r}), expected {expected!r}"
            assert same(got, expected.value), f"{sig.wit()}\nErr({got!r}) != {expected!r}"
        else:
            want = expected.value if outcome is not None else expected
            assert outcome is None or not isinstance(expected, Err), f"{sig.wit()}\nreturned {got!r}"
            assert same(got, want), f"{sig.wit()}\nargs {args!r}\nreturned {got!r}, expected {want!r}"
        assert len(host.received) == 1, host.received
        for (name, _), seen, value in zip(sig.params, host.received[0], meant, strict=True):
            assert same(seen, value), f"{sig.wit()}\n{name}: the import got {seen!r}, meant {value!r}"

    def wrong_argument(self, ch: Choices) -> None:
        """One argument refused, before the guest runs; the instance carries on."""
        inst, sig = self.inst, self.sig
        args: list[Any] = [t.spell(ch, t.value(ch, inst), inst) for _, t in sig.params]
        if not sig.params or ch.integer(0, 7) == 0:
            args.append(0)  # one argument too many is a TypeError, like Python's own
        else:
            at = ch.integer(0, len(args) - 1)
            args[at] = sig.params[at][1].wrong(ch, inst)
        self.answer()
        kind, error = self.agree(self.outcomes(args))
        assert kind == "raised", f"{sig.wit()}\nf{tuple(args)!r} was accepted and gave {error!r}"
        assert isinstance(error, CONVERSION_ERRORS), f"{sig.wit()}\n{error!r}"
        assert str(error).startswith("f()") or "f() takes" in str(error), f"{sig.wit()}\n{error}"
        assert self.host.received == [], f"{sig.wit()}\nthe guest ran with {self.host.received!r}"
        assert not inst.broken
        assert not self.reference.broken
        self.right(ch)

    def wrong_return(self, ch: Choices) -> bool:
        """The import returns a wrong value: the export call fails and says where."""
        inst, sig = self.inst, self.sig
        outcome = sig.returns_result
        if sig.result is None or (outcome is not None and outcome.ok is None and outcome.err is None):
            return False
        if outcome is None:
            self.answer(answer=sig.result.wrong(ch, inst))
        elif outcome.ok is not None and (outcome.err is None or boolean(ch)):
            self.answer(answer=outcome.ok.wrong(ch, inst))
        elif outcome.err is not None:
            self.answer(fail=Err(outcome.err.wrong(ch, inst)))
        else:
            return False
        args = [t.spell(ch, t.value(ch, inst), inst) for _, t in sig.params]
        kind, error = self.agree(self.outcomes(args))
        assert kind == "raised", f"{sig.wit()}\nthe import's wrong answer gave {error!r}"
        assert isinstance(error, CONVERSION_ERRORS), f"{sig.wit()}\n{error!r}"
        assert str(error).startswith("host function f()"), f"{sig.wit()}\n{error}"
        return True


def exercise(ch: Choices, calls: int = 4) -> Stats:
    """Draws a signature and makes ``calls`` calls of random kinds through it."""
    stats = Stats(signatures=1)
    echo = Echo(signature(ch))
    for _ in range(calls):
        kind = ch.integer(0, 7)
        if kind < 4:
            echo.right(ch)
            stats.right_calls += 1
        elif kind < 7:
            echo.wrong_argument(ch)
            stats.wrong_arguments += 1
            stats.right_calls += 1
        elif echo.wrong_return(ch):
            stats.wrong_returns += 1
            echo = Echo(echo.sig)  # the guest was stopped mid-call: start afresh
    STATS.add(stats)
    return stats


def fuzz_one(data: bytes) -> None:
    """libFuzzer's entry point (``fuzz/fuzz_targets/echo_values.rs``)."""
    exercise(ByteChoices(data))
