"""wit-bindgen's runtime test worlds with resources, ported (issue 13).

The guests (fixtures/guests/rt_*) are written here from the worlds and
behaviour of `tests/runtime/` in bytecodealliance/wit-bindgen 0.46. Where
upstream composes a guest with a `leaf` (which implements what the guest
imports) and a `runner` (which calls its exports and asserts), Python plays
both: the classes below are the leaves, the assertions the runners'.
Every world also has a C guest (fixtures/guests/c/*.c, wit-bindgen's C
generator, built from the same WIT) and, where componentize-py can build it,
a Python one (fixtures/guests/py/*; those cases are slow): each test runs
against every guest of its world (tests/runtime_guests.py).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest

import witbridge

from .runtime_guests import ROOT, WASM, component, guests, has_py_guest, load, releases_dropped_exports


def test_only_the_worlds_componentize_py_cannot_build_lack_a_python_guest() -> None:
    # fixtures/README.md says why these three: `resources` and
    # `resource_floats` export an interface named `exports`, which collides
    # with componentize-py's own, and toplevel's root-level imported resource
    # gets no Python class. Any other world without one lost its port.
    worlds = {path.name.removeprefix("rt_") for path in (ROOT / "fixtures" / "guests").glob("rt_*")}
    assert len(worlds) == 20
    assert {world for world in worlds if not has_py_guest(world)} == {"resources", "resource_floats", "toplevel"}


def ns(inst: witbridge.Instance, name: str) -> Any:
    """The exported interface `name` (here, one whose short name is an Instance attribute)."""
    return inst.exports[name]


# --- Item 1: a resource imported at the root of a world ------------------------


class TheResource:
    """The host's `the-resource` of fixtures/guests/rt_toplevel."""

    dropped: ClassVar[list[int]] = []

    def __init__(self, v: int) -> None:
        self.v = v

    def get(self) -> int:
        return self.v

    @staticmethod
    def make(v: int) -> TheResource:
        return TheResource(v)

    def drop(self) -> None:
        TheResource.dropped.append(self.v)


def consume(x: TheResource) -> int:
    return x.v


@guests("toplevel")
@pytest.mark.parametrize("spelling", ["the-resource", "the_resource", "TheResource"])
def test_root_resource_by_imports(guest: str, spelling: str) -> None:
    inst = load(guest, imports={spelling: TheResource, "consume": consume})
    # 1 * 100 + make(2) * 10 + consume(the-resource(3))
    assert cast(Any, inst).run(1) == 123
    assert inst.peek(TheResource(7)) == 8
    fresh = inst.fresh(5)
    assert type(fresh) is TheResource
    assert fresh.v == 5


@guests("toplevel")
@pytest.mark.parametrize("spelling", ["the-resource", "the_resource", "TheResource"])
def test_root_resource_by_define_resource(guest: str, spelling: str) -> None:
    linker = witbridge.Linker()
    linker.define_resource("", spelling, TheResource)
    linker.define_func("consume", consume)
    inst = linker.instantiate(component(guest))
    TheResource.dropped.clear()
    assert cast(Any, inst).run(2) == 234
    # The guest dropped the two it made and kept; consume's own went to Python.
    assert sorted(TheResource.dropped) == [2, 3]


@guests("toplevel")
def test_root_resource_missing_is_a_resource_in_the_link_error(guest: str) -> None:
    with pytest.raises(witbridge.LinkError) as info:
        load(guest, imports={"consume": consume})
    message = str(info.value)
    assert "1 import that nothing provides" in message
    assert "resource the-resource (at the root of the world)" in message
    assert '"the_resource"' in message
    assert '"TheResource"' in message
    # Its constructor is the resource's, not an ordinary function.
    assert "function" not in message
    assert "constructor" not in message


def test_root_resource_class_missing_a_method() -> None:
    class NoGet:
        def __init__(self, v: int) -> None:
            self.v = v

        @staticmethod
        def make(v: int) -> NoGet:
            return NoGet(v)

    with pytest.raises(witbridge.LinkError, match=r"NoGet\.get\(\) of resource the-resource"):
        load("rt_toplevel", imports={"the-resource": NoGet, "consume": consume})


# --- Item 3: resource names in imports= ------------------------------------------


class Y:
    """The host's `y` of the `resources` world (upstream's leaf)."""

    def __init__(self, a: int) -> None:
        self.a = a

    def get_a(self) -> int:
        return self.a

    def set_a(self, a: int) -> None:
        self.a = a

    @staticmethod
    def add(y: Y, a: int) -> Y:
        return Y(y.a + a)


@guests("resources")
@pytest.mark.parametrize("key", ["y", "Y"])
def test_interface_resource_spellings(guest: str, key: str) -> None:
    inst = load(guest, imports={"imports": {key: Y}})
    assert ns(inst, "exports").test_imports() is None


@guests("resource_import_export")
def test_snake_case_resource_name_in_imports(guest: str) -> None:
    class Thing:
        def __init__(self, v: int) -> None:
            self.v = v + 10

        def foo(self) -> int:
            return self.v

        def bar(self, v: int) -> None:
            self.v = v

        @staticmethod
        def baz(a: Thing, b: Thing) -> Thing:
            return Thing(a.v + b.v)

    for key in ("thing", "Thing"):
        inst = load(
            guest,
            imports={"test:resource-import-and-export/test": {key: Thing}, "toplevel-import": lambda a: a},
        )
        assert inst.test.Thing(1).foo() == 1 + 1 + 10 + 2


def test_missing_interface_resource_says_how() -> None:
    with pytest.raises(witbridge.LinkError) as info:
        load("rt_resources", imports={"imports": {"z": Y}})
    message = str(info.value)
    assert 'resource y of imports: define_resource("imports", "y", SomeClass)' in message
    assert 'or spelled "Y"' in message


# --- The `resources` world -----------------------------------------------------


@pytest.fixture(params=["rt_resources", "c_resources"])
def resources(request: pytest.FixtureRequest) -> Any:
    return ns(load(request.param, imports={"imports": {"y": Y}}), "exports")


def test_resources_x(resources: Any) -> None:
    x = resources.X(5)
    assert x.get_a() == 5
    x.set_a(10)
    assert x.get_a() == 10
    x2 = resources.X.add(x, 5)
    assert x2.get_a() == 15
    assert not x.alive  # moved into add, which handed it back as x2
    resources.consume(x2)
    assert not x2.alive
    with pytest.raises(witbridge.Error, match="already dropped, or moved"):
        x2.get_a()


def test_resources_z_borrow_and_drops(resources: Any) -> None:
    z1, z2 = resources.Z(10), resources.Z(20)
    z3 = resources.add(z1, z2)
    assert z3.get_a() == 30
    assert z1.alive
    assert z2.alive
    before = resources.Z.num_dropped()
    z1.drop()
    assert resources.Z.num_dropped() == before + 1
    del z2
    gc.collect()
    z3.drop()
    assert resources.Z.num_dropped() == before + 3


def test_resources_kebab_case(resources: Any) -> None:
    k = resources.KebabCase(3)
    assert k.get_a() == 3
    assert resources.KebabCase.take_owned(k) == 3
    assert not k.alive


def test_resources_test_imports(resources: Any) -> None:
    # The guest drives the host's y and asserts every value.
    assert resources.test_imports() is None


@guests("resources")
def test_resources_guest_drops_the_ys_it_owns(guest: str) -> None:
    dropped: list[int] = []

    class CountedY(Y):
        @staticmethod
        def add(y: Y, a: int) -> CountedY:
            return CountedY(y.a + a)

        def drop(self) -> None:
            dropped.append(self.a)

    inst = load(guest, imports={"imports": {"y": CountedY}})
    assert ns(inst, "exports").test_imports() is None
    # The three ys that `add` returned, each dropped by the guest at the end
    # of test-imports; the three it moved into `add` became the host's again.
    assert sorted(dropped) == [30, 40, 50]


# --- Item 2: one interface imported and exported --------------------------------


class HostThing:
    """The leaf of resource_with_lists: the imported `thing`."""

    def __init__(self, data: bytes) -> None:
        self.l = bytes(data) + b" HostThing"

    def foo(self) -> bytes:
        return self.l + b" HostThing.foo"

    def bar(self, data: bytes) -> None:
        self.l = bytes(data) + b" HostThing.bar"

    @staticmethod
    def baz(data: bytes) -> bytes:
        return bytes(data) + b" HostThing.baz"


@guests("resource_with_lists")
def test_resource_with_lists(guest: str) -> None:
    inst = load(guest, imports={"test:resource-with-lists/test": {"thing": HostThing}})
    thing = inst.test.Thing(b"Hi")
    assert thing.foo() == b"Hi Thing HostThing HostThing.foo Thing.foo"
    thing.bar(b"Hola")
    assert thing.foo() == b"Hola Thing.bar HostThing.bar HostThing.foo Thing.foo"
    assert inst.test.Thing.baz(b"Ohayo Gozaimas") == b"Ohayo Gozaimas Thing.baz HostThing.baz Thing.baz again"


@guests("resource_with_lists")
def test_imported_and_exported_classes_stay_apart(guest: str) -> None:
    inst = load(guest, imports={"test:resource-with-lists/test": {"thing": HostThing}})
    thing = inst.test.Thing(b"x")
    # The export's class is the guest's; the host's class is the user's own.
    assert isinstance(thing, witbridge.Resource)
    assert not isinstance(thing, HostThing)
    assert type(thing).__name__ == "Thing"
    assert inst.test.Thing is type(thing)


class LeafThing:
    """The leaf of resource-import-and-export (its `leaf-thing`)."""

    def __init__(self, v: int) -> None:
        self.v = v + 1

    def foo(self) -> int:
        return self.v + 2

    def bar(self, v: int) -> None:
        self.v = v + 3

    @staticmethod
    def baz(a: LeafThing, b: LeafThing) -> LeafThing:
        return LeafThing(a.foo() + b.foo() + 4)


@guests("resource_import_export")
def test_resource_import_and_export(guest: str) -> None:
    seen: list[LeafThing] = []

    def toplevel_import(a: LeafThing) -> LeafThing:
        seen.append(a)
        return a

    inst = load(
        guest,
        imports={"test:resource-import-and-export/test": {"thing": LeafThing}, "toplevel-import": toplevel_import},
    )
    thing1 = inst.test.Thing(42)
    # 42 + 1 (constructor) + 1 (constructor) + 2 (foo) + 2 (foo)
    assert thing1.foo() == 48
    thing1.bar(33)
    assert thing1.foo() == 33 + 3 + 3 + 2 + 2
    thing2 = inst.test.Thing(81)
    thing3 = inst.test.Thing.baz(thing1, thing2)
    assert thing3.foo() == 33 + 3 + 3 + 81 + 1 + 1 + 2 + 2 + 4 + 1 + 2 + 4 + 1 + 1 + 2 + 2
    # The root export takes and returns the *imported* thing: a host object.
    mine = LeafThing(7)
    assert inst.toplevel_export(mine) is mine
    assert seen == [mine]


@guests("resource_import_export")
def test_resource_import_and_export_refuses_what_is_neither_thing(guest: str) -> None:
    # One WIT type for the guest's thing and the host's: either object may pass, nothing else (issue 15).
    inst = load(guest, imports={"test:resource-import-and-export/test": {"thing": LeafThing}, "toplevel-import": abs})
    with pytest.raises(TypeError) as raised:
        inst.toplevel_export("not a thing")
    assert str(raised.value) == (
        "toplevel_export(): a: expected thing (a Thing object, or an object of LeafThing, the class implementing "
        "the imported thing), got str 'not a thing'"
    )
    assert not inst.broken, "refused before the guest ran"


@guests("resource_import_export")
def test_resource_import_and_export_drops(guest: str) -> None:
    dropped: list[int] = []

    class CountedLeafThing(LeafThing):
        @staticmethod
        def baz(a: LeafThing, b: LeafThing) -> CountedLeafThing:
            return CountedLeafThing(a.foo() + b.foo() + 4)

        def drop(self) -> None:
            dropped.append(self.v)

    inst = load(
        guest,
        imports={"test:resource-import-and-export/test": {"thing": CountedLeafThing}, "toplevel-import": lambda a: a},
    )
    thing1, thing2 = inst.test.Thing(42), inst.test.Thing(81)
    thing3 = inst.test.Thing.baz(thing1, thing2)
    # baz moved the two inner things back to the host (not dropped) and
    # dropped the one the host's baz returned, 44 + 85 + 4 + 1 + 2.
    assert dropped == [136]
    assert not thing1.alive
    assert not thing2.alive
    # Dropping the guest's thing drops the host thing it wraps: 138 + 1 + 1 + 2 + 2 = 144.
    thing3.drop()
    assert not thing3.alive
    if releases_dropped_exports(guest):
        assert dropped == [136, 144]


class ImportsFloat:
    """The `float` of the `imports` interface (upstream's leaf)."""

    def __init__(self, v: float) -> None:
        self.v = v + 2.0

    def get(self) -> float:
        return self.v + 4.0

    @staticmethod
    def add(a: ImportsFloat, b: float) -> ImportsFloat:
        return ImportsFloat(a.v + b + 6.0)


class FloatOfTest:
    """The `float` of test:resource-floats/test (upstream's leaf)."""

    def __init__(self, v: float) -> None:
        self.v = v + 1.0

    def get(self) -> float:
        return self.v + 3.0


@guests("resource_floats")
def test_resource_floats(guest: str) -> None:
    inst = load(
        guest,
        imports={"imports": {"float": ImportsFloat}, "test:resource-floats/test": {"float": FloatOfTest}},
    )
    # The root export borrows two imported floats and returns a new one.
    float3 = inst.add(FloatOfTest(42.0), FloatOfTest(55.0))
    assert type(float3) is FloatOfTest
    assert float3.get() == 114.0
    exported = ns(inst, "exports")
    f = exported.Float(22.0)
    assert f.get() == 22.0 + 1 + 2 + 4 + 3
    assert exported.Float.add(f, 7.0).get() == 59.0


# --- Resources in every position ------------------------------------------------


@guests("resource_aggregates")
def test_resource_aggregates(guest: str) -> None:
    ns = load(guest).to_test
    T = ns.Thing
    borrowed = [T(v) for v in (1, 2, 3, 4, 5, 6, 7, 8)]
    total = ns.foo(
        ns.R1(thing=T(0)),
        ns.R2(thing=borrowed[0]),
        ns.R3(thing1=borrowed[1], thing2=T(1)),
        (T(2), ns.R1(thing=T(3))),
        (borrowed[2],),
        ns.V1Thing(T(4)),
        ns.V2Thing(borrowed[3]),
        [T(5), T(6)],
        [borrowed[4], borrowed[5]],
        T(7),
        borrowed[6],
        witbridge.Ok(T(8)),
        witbridge.Ok(borrowed[7]),
    )
    owned = [0, 1, 2, 3, 4, 5, 6, 7, 8]
    # Each thing holds v + 1; foo adds 3.
    assert total == sum(v + 1 for v in owned) + sum(v + 1 for v in range(1, 9)) + 3
    assert all(b.alive for b in borrowed)
    assert (
        ns.foo(
            ns.R1(thing=T(0)),
            ns.R2(thing=borrowed[0]),
            ns.R3(thing1=borrowed[1], thing2=T(0)),
            (T(0), ns.R1(thing=T(0))),
            (borrowed[2],),
            ns.V1Thing(T(0)),
            ns.V2Thing(borrowed[3]),
            [],
            [],
            None,
            None,
            witbridge.Err(None),
            witbridge.Err(None),
        )
        == 5 * 1 + (2 + 3 + 4 + 5) + 3
    )


@guests("resource_alias")
def test_resource_alias(guest: str) -> None:
    inst = load(guest)
    e1, e2 = inst.e1, inst.e2
    x = e1.X(42)
    [back] = e1.a(e1.Foo(x=x))
    assert isinstance(back, e1.X)
    assert not x.alive
    y = e1.X(8)
    things = e2.a(e2.Foo(x=e1.X(7)), e1.Foo(x=e1.X(8)), y)
    assert len(things) == 2
    assert all(isinstance(t, e1.X) for t in things)
    assert y.alive  # lent, not moved
    # e2's own record `foo` is not e1's (which e2 knows as `bar`).
    assert e2.Foo is not e1.Foo
    assert e2.Foo(x=e1.X(1)).x is not None


@guests("resource_alias_redux")
def test_resource_alias_redux(guest: str) -> None:
    inst = load(guest)
    a1, a2, the_test = inst.resource_alias1, inst.resource_alias2, inst.the_test
    [r] = the_test.test([a1.Thing("Ni Hao")])
    assert r.get() == "Ni Hao GuestThing GuestThing.get"
    [r] = a1.a(a1.Foo(thing=a1.Thing("Ciao")))
    assert r.get() == "Ciao GuestThing GuestThing.get"
    r1, r2 = a2.b(a2.Foo(thing=a1.Thing("Ciao")), a1.Foo(thing=a1.Thing("Aloha")))
    assert (r1.get(), r2.get()) == ("Ciao GuestThing GuestThing.get", "Aloha GuestThing GuestThing.get")


@guests("resource_borrow")
def test_resource_borrow(guest: str) -> None:
    ns = load(guest).to_test
    thing = ns.Thing(42)
    assert ns.foo(thing) == 42 + 1 + 2
    assert thing.alive


@guests("resource_borrow_in_record")
def test_resource_borrow_in_record(guest: str) -> None:
    ns = load(guest).to_test
    thing1, thing2 = ns.Thing("Bonjour"), ns.Thing("mon cher")
    result = ns.test([ns.Foo(thing=thing1), ns.Foo(thing=thing2)])
    assert [t.get() for t in result] == ["Bonjour new test get", "mon cher new test get"]
    assert thing1.alive
    assert thing2.alive


def test_bindgen_keeps_imported_and_exported_resources_apart() -> None:
    from witbridge import bindgen

    text = bindgen.generate(WASM / "rt_resource_with_lists.component.wasm")
    # The guest's resource is a witbridge.Resource; the host's a Protocol of its own, and the imports
    # dataclass asks for the host's class, not the guest's.
    assert "class Thing(witbridge.Resource):" in text
    assert "class ImportedThing(Protocol):" in text
    # The class Protocol is generic over the host's class (its constructor returns one), bound by the host's
    # Protocol.
    assert "class ImportedThingClass(Protocol[_ImportedThingT_co]):" in text
    assert "    thing: ImportedThingClass[_ImportedThingT]\n" in text
    assert 'TypeVar("_ImportedThingT", bound="ImportedThing")' in text
    assert "-> _ImportedThingT_co:" in text


def test_bindgen_of_a_root_resource(tmp_path: Path) -> None:
    import importlib
    import sys

    from witbridge import bindgen

    (tmp_path / "bg_toplevel.py").write_text(bindgen.generate(WASM / "rt_toplevel.component.wasm"))
    sys.path.insert(0, str(tmp_path))
    try:
        module: Any = importlib.import_module("bg_toplevel")
    finally:
        sys.path.remove(str(tmp_path))
    imports = module.RtToplevelImports(the_resource=TheResource, consume=consume)
    app = module.RtToplevel.load(WASM / "rt_toplevel.component.wasm", imports=imports)
    assert app.run(1) == 123
