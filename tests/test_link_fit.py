"""Implementations are judged against their WIT signatures at link time (issue 15, item 8).

The guest calls every host function positionally, with one argument per WIT
parameter. An implementation that can't be called that way is refused by
the linker, with every misfit listed in one ``LinkError``, instead of
failing at its first call and breaking the instance.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

import witbridge

from .test_resources import DictStore, Events, File, Logger, total_size

ROOT = Path(__file__).resolve().parents[1]
HOST_CALLS = ROOT / "fixtures" / "wat" / "host-calls.wat"
HOST_USER = ROOT / "fixtures" / "wasm" / "host_user.wasm"
CONSUMER = ROOT / "fixtures" / "wasm" / "consumer.wasm"
PROVIDER = ROOT / "fixtures" / "wasm" / "provider.wasm"

DOUBLE = "double: func(x: u32) -> u32"


def load_double(double: object) -> witbridge.Instance:
    return witbridge.load(HOST_CALLS, imports={"xyz:host/math": {"double": double}, "callback": lambda: None})


def host_user_imports(**replaced: object) -> dict[str, object]:
    """Every import of host_user, each fit for its signature, but those ``replaced`` (keyed with ``_`` for ``/``)."""
    imports: dict[str, object] = {
        "witbridge:host/logger": Logger(),
        "witbridge:host/kv": DictStore(),
        "witbridge:host/events": Events(),
        "witbridge:host/files": {"file": File, "total_size": total_size},
        "tick": lambda n: n,
    }
    for key, value in replaced.items():
        imports[key.replace("_", "/", 1) if ":" in key else key] = value
    return imports


def link_error(action: Callable[[], object]) -> str:
    with pytest.raises(witbridge.LinkError) as raised:
        action()
    return str(raised.value)


def test_a_value_that_is_not_callable_is_refused_before_anything_runs() -> None:
    message = link_error(lambda: witbridge.load(HOST_USER, imports=host_user_imports(tick=5)))
    assert message == (
        "the component has 1 import whose implementation doesn't fit its WIT signature:\n"
        "  function tick: 5 is not callable; expected tick: func(n: u32) -> u32"
    )


def test_a_function_taking_too_few_arguments_is_refused_naming_the_import() -> None:
    imports = host_user_imports(**{"witbridge:host_logger": {"log": lambda level: None}})
    message = link_error(lambda: witbridge.load(HOST_USER, imports=imports))
    assert message.splitlines()[1] == (
        "  log() in the implementation of witbridge:host/logger@0.1.0 (dict): <lambda>(level) takes 1 positional "
        "argument, but the guest passes 2 (level, message); expected log: func(level: level, message: string)"
    )


def test_every_misfit_is_listed_at_once_after_what_is_missing() -> None:
    class Kv(DictStore):
        def get(self) -> None:  # type: ignore[override]
            pass

        set = "not a function"  # type: ignore[assignment]

    imports = host_user_imports(tick=lambda: 0, **{"witbridge:host_kv": Kv()})
    del imports["witbridge:host/events"]
    message = link_error(lambda: witbridge.load(HOST_USER, imports=imports))
    assert message == (
        "the component has 1 import that nothing provides:\n"
        "  interface witbridge:host/events@0.1.0:\n"
        "      emit: func(source: string, e: event)\n"
        "and 3 imports whose implementations don't fit their WIT signatures:\n"
        "  get() in the implementation of witbridge:host/kv@0.1.0 (Kv): Kv.get() takes no positional arguments, but "
        "the guest passes 1 (key); expected get: func(key: string) -> option<list<u8>>\n"
        "  set() in the implementation of witbridge:host/kv@0.1.0 (Kv): str 'not a function' is not callable; "
        "expected set: func(key: string, value: list<u8>)\n"
        "  function tick: <lambda>() takes no positional arguments, but the guest passes 1 (n); "
        "expected tick: func(n: u32) -> u32"
    )


class Doubler:
    """A callable object."""

    def __call__(self, x: int) -> int:
        return 2 * x

    def double(self, x: int) -> int:
        return 2 * x

    @classmethod
    def double_class(cls, x: int) -> int:
        return 2 * x


class Nullary:
    def __call__(self) -> int:
        return 0


def two_times(factor: int, x: int) -> int:
    return factor * x


def with_defaults(x: int, y: int = 1, *, scale: int = 2) -> int:
    return scale * x * y // 2


def star_args(*args: int) -> int:
    return 2 * args[0]


def star_kwargs(x: int, **kwargs: int) -> int:
    return 2 * x


FITTING: dict[str, object] = {
    "a function": lambda x: 2 * x,
    "a bound method": Doubler().double,
    "a class method": Doubler.double_class,
    "a callable object": Doubler(),
    "a partial": functools.partial(two_times, 2),
    "defaults": with_defaults,
    "*args": star_args,
    "**kwargs after x": star_kwargs,
    "a builtin whose signature reads": abs,
    "a class": int,  # its signature can't be read: given the benefit of the doubt, and fine
}


@pytest.mark.parametrize("double", FITTING.values(), ids=FITTING.keys())
def test_what_can_be_called_with_the_arguments_is_accepted(double: object) -> None:
    assert load_double(double).quad(3) in (12, 3)  # int(x) is x, abs too


REFUSED: dict[str, tuple[object, str]] = {
    "too few": (lambda: 0, "<lambda>() takes no positional arguments, but the guest passes 1 (x)"),
    "too many": (lambda x, y: 0, "<lambda>(x, y) takes 2 positional arguments, but the guest passes 1 (x)"),
    "a range": (
        lambda x, y, z=0: 0,
        "<lambda>(x, y, z=0) takes 2 to 3 positional arguments, but the guest passes 1 (x)",
    ),
    "*args after two": (
        lambda x, y, *more: 0,
        "<lambda>(x, y, *more) takes at least 2 positional arguments, but the guest passes 1 (x)",
    ),
    "a required keyword": (
        lambda x, *, key: 0,
        "<lambda>(x, *, key) needs 'key' by keyword, but the guest passes every argument by position",
    ),
    "keywords only": (
        lambda **kwargs: 0,
        "<lambda>(**kwargs) takes no positional arguments, but the guest passes 1 (x)",
    ),
    "a partial that binds too much": (
        functools.partial(two_times, 2, 3),
        "partial object () takes no positional arguments, but the guest passes 1 (x)",
    ),
    "a bound method of the wrong arity": (
        DictStore().set,
        "DictStore.set(key, value) takes 2 positional arguments, but the guest passes 1 (x)",
    ),
    "a bound method taking more": (
        Logger().log,
        "Logger.log(level, message) takes 2 positional arguments, but the guest passes 1 (x)",
    ),
    "a callable object of the wrong arity": (
        Nullary(),
        "Nullary object () takes no positional arguments, but the guest passes 1 (x)",
    ),
    "None": (None, "None is not callable"),
}


@pytest.mark.parametrize(("double", "problem"), REFUSED.values(), ids=REFUSED.keys())
def test_what_cannot_be_called_with_the_arguments_is_refused(double: object, problem: str) -> None:
    message = link_error(lambda: load_double(double))
    where = "double() in the implementation of xyz:host/math@0.2.1 (dict)"
    assert message.splitlines()[1] == f"  {where}: {problem}; expected {DOUBLE}"


def test_a_builtin_whose_signature_cannot_be_read_fails_at_its_call_with_a_note() -> None:
    # max's signature is unknown to inspect: accepted, and max(3) fails only when called.
    inst = load_double(max)
    with pytest.raises(TypeError, match="'int' object is not iterable") as raised:
        inst.quad(3)
    assert raised.value.__notes__ == [
        "raised in the host function implementing xyz:host/math@0.2.1#double",
        "during the call to quad, which it ended; the instance can't be used again",
    ]


def test_linker_define_and_define_func_are_judged_at_instantiate() -> None:
    linker = witbridge.Linker()
    linker.define("xyz:host/math", {"double": lambda x, y: 0})
    linker.define_func("callback", lambda x: None)
    component = witbridge.Component.from_file(HOST_CALLS)
    message = link_error(lambda: linker.instantiate(component))
    assert message.splitlines()[1:] == [
        "  double() in the implementation of xyz:host/math@0.2.1 (dict): <lambda>(x, y) takes 2 positional "
        f"arguments, but the guest passes 1 (x); expected {DOUBLE}",
        "  function callback: <lambda>(x) takes 1 positional argument, but the guest passes none; "
        "expected callback: func()",
    ]
    linker.define_func("callback", lambda: None)  # a later definition replaces the unfit one
    linker.define("xyz:host/math", {"double": lambda x: 2 * x})
    assert linker.instantiate(component).quad(1) == 4


class BadFile:
    """Every way a resource class can miss its WIT: the constructor, a method, a static function."""

    def __init__(self) -> None:
        pass

    def name(self) -> str:
        return ""

    def write(self) -> int:
        return 0

    size = 0

    @staticmethod
    def sibling(of: BadFile) -> BadFile:
        return of


def test_a_resource_class_is_judged_constructor_methods_and_static_functions() -> None:
    linker = witbridge.Linker()
    for name, implementation in host_user_imports().items():
        if name != "witbridge:host/files":
            linker.define(name, implementation)
    linker.define("witbridge:host/files", {"total_size": total_size})
    linker.define_resource("witbridge:host/files", "file", BadFile)
    message = link_error(lambda: linker.instantiate(witbridge.Component.from_file(HOST_USER)))
    assert message.splitlines() == [
        "the component has 4 imports whose implementations don't fit their WIT signatures:",
        "  the constructor (BadFile) of resource file: BadFile() takes no positional arguments, but the guest passes "
        "1 (name); expected constructor: func(name: string) -> file",
        "  BadFile.write() of resource file: BadFile.write(self) takes no positional arguments besides self, "
        "but the guest passes 1 (data); expected write: func(self: borrow<file>, data: list<u8>) -> u64",
        "  BadFile.size() of resource file: 0 is not callable; expected size: func(self: borrow<file>) -> u64",
        "  BadFile.sibling() of resource file: BadFile.sibling(of) takes 1 positional "
        "argument, but the guest passes 2 (of, name); expected sibling: func(of: borrow<file>, name: string) -> file",
    ]


class OddFile(File):
    """Methods in shapes that bind right: a static method, a partial kept on the class, *args."""

    @staticmethod
    def size() -> int:
        return 0

    name = functools.partial(str, "odd")  # not a descriptor: called as it is, without self

    def write(self, *chunks: bytes) -> int:
        return File.write(self, *chunks)


def test_methods_are_judged_as_they_bind() -> None:
    imports = host_user_imports(**{"witbridge:host_files": {"file": OddFile, "total_size": total_size}})
    inst = witbridge.load(HOST_USER, imports=imports)
    assert inst.app.write_file("x", [b"ab", b"c"]) == 0  # size() is OddFile's


def test_an_export_of_another_instance_is_judged_by_its_wit_signature() -> None:
    provider = witbridge.load(PROVIDER).math
    math = {"add": provider.add, "describe": provider.describe, "shout": provider.add}
    message = link_error(lambda: witbridge.load(CONSUMER, imports={"witbridge:pair/math": math}))
    assert message.splitlines()[1].startswith(
        "  shout() in the implementation of witbridge:pair/math@0.1.0 (dict): add(a, b) "
        "takes 2 positional arguments, but the guest passes 1 (s)"
    )
