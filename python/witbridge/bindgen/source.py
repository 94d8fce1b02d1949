"""Python source text laid out the way ``ruff format`` lays it out, so generated modules pass a format check.

Only the few shapes the generator writes are covered: docstrings, and
brackets (definitions, calls, tuples) that go on one line when they fit and
one item a line, with a trailing comma, when they don't.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata

LINE_LENGTH = 88
"""ruff's and black's default."""

INDENT = "    "


AMBIGUOUS = frozenset({"l", "O", "I"})
"""Names that linters flag as easily misread (pycodestyle's E741-E743); a WIT name may be one."""


def noqa(name: str, code: str = "E741") -> str:
    """A ``# noqa`` comment for a definition of ``name`` when linters would flag it, else nothing.

    The name is the runtime's, so it can't change. ``RUF100`` keeps the comment from being reported as
    unused where the rule is off (ruff's default rules leave E741 out).
    """
    return f"  # noqa: {code}, RUF100" if name in AMBIGUOUS else ""


def bracketed(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """``head(item, item)tail`` on one line when it fits, else one item a line with a trailing comma.

    An item may end in a comment (``  # ...``): it stays on the item's line, or goes to the end of the single line.
    """
    split = [item.partition("  # ") for item in items]
    code = [text for text, _, _ in split]
    comments = sorted({f"  # {comment}" for _, sep, comment in split if sep})
    one_line = f"{indent}{head}{', '.join(code)}{tail}"
    if len(one_line) <= LINE_LENGTH or not items:
        return [one_line + "".join(comments)]
    lines = []
    for text, sep, comment in split:
        line = f"{indent}{INDENT}{text},{sep and '  # '}{comment}"
        if len(line) > LINE_LENGTH and not sep:
            # Still too long (a parameter's annotation): ruff puts each operand of its union on a line.
            first, *rest = _union_operands(text)
            lines += [f"{indent}{INDENT}{first}", *(f"{indent}{INDENT}| {op}" for op in rest)]
            lines[-1] += ","
        else:
            lines.append(line)
    return [f"{indent}{head}", *lines, f"{indent}{tail.lstrip()}"]


def _union_operands(text: str) -> list[str]:
    """``x: A[B | C] | D`` as ``["x: A[B | C]", "D"]``: split at the ``|`` outside brackets."""
    operands, depth, start = [], 0, 0
    for at, ch in enumerate(text):
        depth += (ch in "([{") - (ch in ")]}")
        if depth == 0 and text.startswith(" | ", at):
            operands.append(text[start:at])
            start = at + 3
    return [*operands, text[start:]]


def _escape(text: str) -> str:
    """Docstring text with backslashes and quotes escaped, and non-letter non-ASCII characters (typographic
    quotes and dashes, which linters flag as confusable) as escapes; the docstring's value is unchanged."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    out = []
    for ch in text:
        if ord(ch) < 128 or unicodedata.category(ch).startswith("L"):
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    text = "".join(out)
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    return text


def _starts_paragraph(line: str) -> bool:
    return not line or line[:1].isspace() or bool(re.match(r"([-*+]|\d+[.)])\s", line))


def _reflow(lines: list[str], width: int) -> list[str]:
    """Paragraphs of prose with a line longer than ``width`` refilled to ``width``; the rest as they are
    (indented lines, such as code, are never touched)."""
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if any(len(line) > width for line in paragraph):
            text = " ".join(line.strip() for line in paragraph)
            out.extend(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))
        else:
            out.extend(paragraph)
        paragraph.clear()

    for line in lines:
        if not line or line[:1].isspace():
            flush()
            out.append(line)
            continue
        if paragraph and _starts_paragraph(line):
            flush()
        paragraph.append(line)
    flush()
    return out


def _break_signature(line: str, width: int) -> list[str]:
    """A WIT signature too long for a line, broken after commas."""
    if len(line) <= width:
        return [line]
    out = [""]
    for piece in re.split(r"(?<=, )", line):
        if out[-1] and len(out[-1]) + len(piece.rstrip()) > width:
            out[-1] = out[-1].rstrip()
            out.append("")
        out[-1] += piece
    return out


def docstring(text: str, indent: str, *, verbatim_first: bool = False) -> list[str]:
    """A docstring at ``indent``, its long lines of prose wrapped to the line length.

    ``verbatim_first`` treats the first line as a WIT signature, broken only between parameters.
    """
    width = LINE_LENGTH - len(indent) - 3  # room for the quotes
    raw = [line.rstrip() for line in textwrap.dedent(text.strip("\n")).splitlines()]
    signature = _break_signature(raw[0], width) if verbatim_first and raw else []
    lines = signature + _reflow(raw[1:] if signature else raw, width)
    while lines and not lines[-1]:
        lines.pop()
    lines = [_escape(line) for line in lines] or [""]
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    first, *rest = lines
    return [f'{indent}"""{first}', *(f"{indent}{line}" if line else "" for line in rest), f'{indent}"""']


def join_docs(*parts: str | None) -> str:
    """Paragraphs that are there, separated by blank lines."""
    return "\n\n".join(p.strip("\n") for p in parts if p and p.strip())
