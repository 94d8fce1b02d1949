"""The compile cache and precompiled artifacts (Component.serialize/deserialize)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

import witbridge

WASM = Path(__file__).resolve().parents[1] / "fixtures" / "wasm"
INTRO = WASM / "wasm_intro.component.wasm"


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.cwasm"))


def test_first_load_fills_the_cache_and_the_next_uses_it(tmp_path: Path) -> None:
    engine = witbridge.Engine(cache_dir=tmp_path)
    assert engine.cache_dir == tmp_path
    first = witbridge.Component.from_file(INTRO, engine=engine)
    [entry] = entries(tmp_path)
    stamp = entry.stat().st_mtime_ns
    second = witbridge.Component.from_file(INTRO, engine=engine)
    assert entries(tmp_path) == [entry]
    assert entry.stat().st_mtime_ns == stamp  # read, not rewritten
    for component in (first, second):
        inst = witbridge.Linker(engine).instantiate(component)
        assert inst.machine_interface.count_symbols("héllo") == 5
    assert second.wit() == first.wit()


def test_entries_depend_on_engine_settings(tmp_path: Path) -> None:
    witbridge.Component.from_file(INTRO, engine=witbridge.Engine(cache_dir=tmp_path))
    witbridge.Component.from_file(INTRO, engine=witbridge.Engine(cache_dir=tmp_path, epoch_interruption=False))
    assert len(entries(tmp_path)) == 2


def test_a_fuel_variant_is_cached_too(tmp_path: Path) -> None:
    engine = witbridge.Engine(cache_dir=tmp_path)
    component = witbridge.Component.from_file(INTRO, engine=engine)
    witbridge.Linker(engine).instantiate(component, limits=witbridge.Limits(fuel=10**6))
    assert len(entries(tmp_path)) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "foreign"])
def test_damaged_entries_are_rebuilt(tmp_path: Path, damage: str) -> None:
    engine = witbridge.Engine(cache_dir=tmp_path)
    witbridge.Component.from_file(INTRO, engine=engine)
    [entry] = entries(tmp_path)
    good = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"\0asm not really")
    elif damage == "truncated":
        entry.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":
        flipped = bytearray(good)
        flipped[len(good) - 200] ^= 0xFF  # inside the machine code
        entry.write_bytes(bytes(flipped))
    else:  # a valid artifact, but of another component
        other = witbridge.Component.from_file(WASM / "values.component.wasm", engine=witbridge.Engine(cache_dir=None))
        entry.write_bytes(other.serialize())
    component = witbridge.Component.from_file(INTRO, engine=engine)
    inst = witbridge.Linker(engine).instantiate(component)
    assert inst.machine_interface.get_u32() == 123
    assert entry.read_bytes() == good  # replaced by a sound entry


def test_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    engine = witbridge.Engine(cache_dir=blocker / "cache")
    inst = witbridge.Linker(engine).instantiate(witbridge.Component.from_file(INTRO, engine=engine))
    assert inst.machine_interface.get_u32() == 123


def load_warnings(engine: witbridge.Engine) -> list[str]:
    """The CacheWarnings of one load through ``engine``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inst = witbridge.Linker(engine).instantiate(witbridge.Component.from_file(INTRO, engine=engine))
        assert inst.machine_interface.get_u32() == 123
    return [str(w.message) for w in caught if issubclass(w.category, witbridge.CacheWarning)]


def test_a_new_cache_is_private(tmp_path: Path) -> None:
    cache = tmp_path / "new" / "cache"
    witbridge.Component.from_file(INTRO, engine=witbridge.Engine(cache_dir=cache))
    [entry] = entries(cache)
    assert cache.stat().st_mode & 0o777 == 0o700
    assert entry.stat().st_mode & 0o777 == 0o600


def test_a_cache_others_can_write_is_refused_once(tmp_path: Path) -> None:
    witbridge.Component.from_file(INTRO, engine=witbridge.Engine(cache_dir=tmp_path))
    [entry] = entries(tmp_path)
    os.chmod(tmp_path, 0o777)
    # A planted entry must not be loaded: make it one that would visibly differ.
    entry.write_bytes(b"planted")
    engine = witbridge.Engine(cache_dir=tmp_path)
    [warning] = load_warnings(engine)
    assert str(tmp_path) in warning
    assert "mode 777" in warning
    assert "chmod go-w" in warning
    assert entry.read_bytes() == b"planted"  # neither loaded nor rewritten
    assert load_warnings(engine) == []  # said once
    os.chmod(tmp_path, 0o700)
    assert load_warnings(witbridge.Engine(cache_dir=tmp_path)) == []


def test_an_entry_others_can_write_is_not_loaded(tmp_path: Path) -> None:
    engine = witbridge.Engine(cache_dir=tmp_path)
    witbridge.Component.from_file(INTRO, engine=engine)
    [entry] = entries(tmp_path)
    good = entry.read_bytes()
    os.chmod(entry, 0o666)
    [warning] = load_warnings(witbridge.Engine(cache_dir=tmp_path))
    assert str(entry) in warning
    assert "mode 666" in warning
    # The directory is ours, so the load put a private entry in its place.
    assert entry.stat().st_mode & 0o777 == 0o600
    assert entry.read_bytes() == good


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_cache_another_user_owns_is_refused(tmp_path: Path) -> None:
    cache = tmp_path / "theirs"
    cache.mkdir(mode=0o755)
    os.chown(cache, 65534, 65534)  # nobody
    [warning] = load_warnings(witbridge.Engine(cache_dir=cache))
    assert "belongs to user 65534" in warning
    assert entries(cache) == []


def test_cache_off() -> None:
    engine = witbridge.Engine(cache_dir=None)
    assert engine.cache_dir is None
    assert "cache_dir=None" in repr(engine)


def test_default_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITBRIDGE_CACHE_DIR", str(tmp_path / "c"))
    assert witbridge.Engine().cache_dir == tmp_path / "c"
    monkeypatch.delenv("WITBRIDGE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert witbridge.Engine().cache_dir == tmp_path / "xdg" / "witbridge"


def test_bad_cache_dir_argument() -> None:
    with pytest.raises(TypeError, match="cache_dir"):
        witbridge.Engine(cache_dir=3)  # type: ignore[arg-type]


# --- serialize / deserialize ---------------------------------------------------------------------


def test_serialize_roundtrip_keeps_names_and_behaviour() -> None:
    engine = witbridge.Engine(cache_dir=None)
    component = witbridge.Component.from_file(INTRO, engine=engine)
    data = component.serialize()
    back = witbridge.Component.deserialize(data, engine=engine)
    assert back.wit() == component.wit()
    inst = witbridge.Linker(engine).instantiate(back)
    mi = inst.machine_interface
    assert mi.run(7, mi.Point(x=1, y=2), mi.Point(x=3, y=4)).machine_id == 1
    assert back.serialize() == data


def test_deserialize_refuses_damage() -> None:
    data = bytearray(witbridge.Component.from_file(INTRO).serialize())
    data[-300] ^= 1
    with pytest.raises(witbridge.CompileError, match="checksum"):
        witbridge.Component.deserialize(bytes(data))
    with pytest.raises(witbridge.CompileError, match="header"):
        witbridge.Component.deserialize(INTRO.read_bytes())
    with pytest.raises(witbridge.CompileError, match="truncated"):
        witbridge.Component.deserialize(bytes(data[:40]))


def test_deserialize_refuses_other_engine_settings() -> None:
    data = witbridge.Component.from_file(INTRO).serialize()
    other = witbridge.Engine(epoch_interruption=False, cache_dir=None)
    with pytest.raises(witbridge.CompileError, match="artifact"):
        witbridge.Component.deserialize(data, engine=other)


def test_artifacts_are_not_loaded_as_wasm(tmp_path: Path) -> None:
    path = tmp_path / "intro.cwasm"
    path.write_bytes(witbridge.Component.from_file(INTRO).serialize())
    with pytest.raises(witbridge.CompileError, match=r"Component\.deserialize"):
        witbridge.Component.from_file(path)


def test_deserialized_components_have_no_fuel_variant() -> None:
    component = witbridge.Component.deserialize(witbridge.Component.from_file(INTRO).serialize())
    with pytest.raises(witbridge.Error, match="fuel"):
        witbridge.Linker().instantiate(component, limits=witbridge.Limits(fuel=100))
    metered = witbridge.Engine(fuel=True, cache_dir=None)
    data = witbridge.Component.from_file(INTRO, engine=metered).serialize()
    inst = witbridge.Linker(metered).instantiate(
        witbridge.Component.deserialize(data, engine=metered), limits=witbridge.Limits(fuel=10**6)
    )
    assert inst.machine_interface.get_u32() == 123
