"""Parts and repeats as abc2midi plays them, laid out in forms music21's ABC reader follows."""

from __future__ import annotations

import re

__all__ = ["BAR_LINE", "open_implied_repeats", "part_order", "play_parts_in_order"]

#: A bar line as abc2midi reads one (`|`, `||`, `|]`, `[|`, `:|`, `|:`, `::`, `:||:`...).
BAR_LINE = re.compile(r"::|:*\[?\|[\]|]?:*")


def part_order(spec: str) -> list[str]:
    """The parts a header `P:` plays, as abc2midi reads it: `ABA`, `A(AB)2C`, `AAB3` (the last part three
    times), dots and spaces ignored."""
    spec = spec.split("%", 1)[0]
    order: list[str] = []
    index = 0
    while index < len(spec):
        ch = spec[index]
        if ch == "(":
            end = spec.find(")", index)
            if end < 0:
                break
            group = part_order(spec[index + 1:end])
            count = re.match(r"\d*", spec[end + 1:]).group()
            order += group * int(count or 1)
            index = end + 1 + len(count)
        elif ch.isalpha():
            count = re.match(r"\d*", spec[index + 1:]).group()
            order += [ch] * int(count or 1)
            index += 1 + len(count)
        else:
            index += 1
    return order


def play_parts_in_order(text: str, spec: str | None) -> str:
    """The tune with its body's `P:` parts laid out in the order its header `P:` gives (abc2midi plays them
    so); unchanged when there is no such order or a part it names is missing."""
    order = part_order(spec) if spec else []
    if len(order) < 2:
        return text
    lines = text.split("\n")
    key_line = next((i for i, line in enumerate(lines) if line.startswith("K:")), None)
    if key_line is None:
        return text
    prefix: list[str] = []
    parts: dict[str, list[str]] = {}
    current: list[str] = prefix
    for line in lines[key_line + 1:]:
        label = re.match(r"^P:\s*([A-Za-z])", line)
        if label:
            current = parts.setdefault(label.group(1), [])
        else:
            current.append(line)
    if not parts or any(name not in parts for name in order):
        return text
    body = prefix + [line for name in order for line in parts[name] if line.strip()]
    return "\n".join(lines[:key_line + 1] + body) + "\n"


def _skip_span(line: str, index: int) -> int:
    """The index after a quoted text, `!...!` decoration or inline field starting at `index`, else -1."""
    ch = line[index]
    if ch == '"':
        end = line.find('"', index + 1)
    elif ch == "!":
        end = line.find("!", index + 1)
    elif ch == "[" and re.match(r"\[[A-Za-z]:", line[index:index + 3]):
        end = line.find("]", index + 1)
    else:
        return -1
    return end + 1 if end > index else -1


def open_implied_repeats(lines: list[str], music_lines: list[int]) -> list[str]:
    """Rewrite the repeat bars as abc2midi plays them, in the forms music21 reads right.

    - A `:|` with no `|:` before it repeats from the previous `:|`, or from a `||`/`|]` that follows the
      previous repeat (music21 would go back to the tune's start): that start repeat is written out.
    - A second `|:` while one is open counts as `::`; a `|:` that no `:|` ever closes is a plain bar.
    - music21 loses the start of `::` and `:|:` (and sometimes every bar), and a start repeat at the end of
      a line followed by a P: line: they are written as `:||:` inside a line, and as `:|` with `|:` at the
      start of the next music line at a line end.
    """
    lines = list(lines)
    edits: dict[tuple[int, int], tuple[int, str]] = {}  # (line, start) -> (end, replacement)
    candidate: tuple[int, int, int, str] | None = None  # opens the implied start if a later :| needs it
    on_close: list[tuple[int, int, int, str]] = []  # edits that make the open |: a start repeat
    if_unclosed: list[tuple[int, int, int, str]] = []  # edits for an open |: that nothing closes
    open_start = after_repeat = False
    next_line: str | None = None  # "candidate" or "opening": a start repeat at the start of the next line

    def edit(change: tuple[int, int, int, str]) -> None:
        number, start, end, replacement = change
        edits[(number, start)] = (end, replacement)

    for number in music_lines:
        line = lines[number]
        if next_line is not None:
            lead = BAR_LINE.match(line)
            span = (lead.start(), lead.end()) if lead and lead.group() == "|" else (0, 0)
            change = (number, *span, "|:")
            if next_line == "opening":
                on_close.append(change)
            else:
                candidate = change
            next_line = None
        index = 0
        while index < len(line):
            if line[index] == "%":
                break
            skip = _skip_span(line, index)
            if skip > 0:
                index = skip
                continue
            match = BAR_LINE.match(line, index)
            if not match:
                index += 1
                continue
            token, span = match.group(), (match.start(), match.end())
            ends, starts = token.startswith(":"), token.endswith(":")
            if starts and not ends and open_start:  # abc2midi: "replacing |: with ::"
                ends = True
            at_line_end = not line[match.end():].split("%")[0].strip(" \t\\")
            if ends:
                if open_start:
                    for change in on_close:
                        edit(change)
                elif candidate is not None:
                    edit(candidate)
                after_repeat, open_start, candidate = True, False, None
                on_close, if_unclosed = [], []
            if ends and starts:
                open_start = True
                if at_line_end:
                    edit((number, *span, ":|"))
                    next_line = "opening"
                else:
                    on_close = [(number, *span, ":||:")]
                    if_unclosed = [(number, *span, ":|")]
            elif ends:
                if at_line_end:
                    next_line = "candidate"
                else:
                    candidate = (number, *span, ":||:")
            elif starts:
                open_start, candidate = True, None
                on_close, if_unclosed = [], [(number, *span, "|")]
            elif after_repeat and not open_start and re.search(r"\|\||\[|\]", token):
                candidate = (number, *span, "|:")
            index = match.end()
    if open_start:
        for change in if_unclosed:
            edit(change)
    for (number, start), (end, replacement) in sorted(edits.items(), reverse=True):
        lines[number] = lines[number][:start] + replacement + lines[number][end:]
    return lines
