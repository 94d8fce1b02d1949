"""Generated WIT signatures and values, round-tripped through echo components.

Shared by the property tests (``tests/test_fuzz_echo.py``, driven by
hypothesis), the time-boxed Python fuzzer (``python -m tests.fuzzing.run``) and
the ``cargo fuzz`` target ``echo_values`` (``fuzz/``), which feeds libFuzzer's
bytes to :func:`tests.fuzzing.echo.fuzz_one` inside an embedded interpreter.
Every decision a generator makes goes through a :class:`~.choices.Choices`, so
each driver supplies the randomness its own way.
"""
