"""Which form a generation keeps: the one asked for, or (auto) the one the rhythm or the written parts suggest."""

from __future__ import annotations

from dataclasses import dataclass

from composer.model.form import AUTO, Form, FormError, Part, WrittenForm, default_form, part_name
from composer.model.form_state import FormState


@dataclass(frozen=True)
class FormPlan:
    """The form to keep, how it was chosen, and where the prime stands in it."""

    form: Form
    auto: bool
    written: WrittenForm

    @property
    def next_part(self) -> int:
        """Index of the part the generation writes first."""
        return len(self.written.parts)

    def describe(self) -> str:
        """`Auto: AABB, 8 bars, part B next` (or `part A, bar 5 next` mid-part)."""
        head = f"{'Auto: ' if self.auto else ''}{self.form.describe()}"
        index = self.next_part
        if index >= len(self.form.parts):
            return f"{head}, complete"
        where = f"part {part_name(index)}"
        if self.written.ending_closed:
            where += ", 2nd ending"
        elif self.written.started:
            where += f", bar {self.written.bars + 1}"
        return f"{head}, {where} next"


def written_form(prime: str) -> WrittenForm:
    """The parts a prime has closed and the progress of the part it is in."""
    return FormState.for_prime(prime, strict=False).written()


def plan_form(choice: Form | str | None, prime: str, *, rhythm: str | None, meter: str | None,
              min_bars: int | None = None) -> FormPlan:
    """The form a generation from `prime` keeps: `choice` (a Form, a form's text such as `AABB`, or `auto`),
    fitted to what is written. `min_bars`: the generation must be able to write at least this many bars (parts
    are added as needed). FormError when a chosen form is already complete or cannot hold the written parts."""
    written = written_form(prime)
    auto = choice is None or (isinstance(choice, str) and choice.strip().lower() == AUTO)
    if isinstance(choice, str) and not auto:
        from composer.model.form import parse_form

        choice = parse_form(choice)
    base = default_form(rhythm, meter)
    if auto:
        form = _auto_form(written, base)
    else:
        form = _fit(choice, written)
    form = _ensure_bars(form, written, min_bars)
    return FormPlan(form, auto, written)


def _auto_form(written: WrittenForm, base: Form) -> Form:
    """The written parts, then more of the same shape: the first written part's length and repeat, else the
    rhythm's usual form."""
    done = list(written.parts)
    if done:
        shape = done[-1]
        bars = done[0].bars if done[0].bars in (4, 8, 12, 16, 24, 32) else _round_up(done[0].bars)
        template = Part(bars, shape.repeated)
    else:
        template = base.parts[0]
    count = max(len(base.parts), len(done) + 1)
    parts = done + [template] * (count - len(done))
    return _fit(Form(tuple(parts)), written)


def _fit(form: Form, written: WrittenForm) -> Form:
    """`form` with the written parts in place and the part in progress long enough (and repeatable) for what is
    written of it."""
    done = written.parts
    if len(done) >= len(form.parts):
        raise FormError(f"the tune already has {len(done)} parts: the form {form.letters} is complete "
                        "(choose a longer form, or continue from an earlier place)")
    parts = list(done) + list(form.parts[len(done):])
    current = parts[len(done)]
    bars = current.bars
    if written.ending_closed:  # its length and its repeat are written: only the 2nd ending is to come
        parts[len(done)] = Part(written.bars, True)
        return Form(tuple(parts))
    if written.bars >= bars:
        bars = _round_up(written.bars + 1)
    repeated = current.repeated and (written.repeat_open or not written.started)
    parts[len(done)] = Part(bars, repeated)
    return Form(tuple(parts))


def _ensure_bars(form: Form, written: WrittenForm, min_bars: int | None) -> Form:
    """`form` with parts added until at least `min_bars` bars remain to be written."""
    if not min_bars:
        return form
    parts = list(form.parts)
    remaining = _remaining(parts, written)
    while remaining < min_bars:
        parts.append(parts[-1])
        remaining += parts[-1].bars
    return Form(tuple(parts))


def _remaining(parts: list[Part], written: WrittenForm) -> int:
    index = len(written.parts)
    return sum(p.bars for p in parts[index:]) - written.bars


def _round_up(bars: int) -> int:
    """The next part length of 4, 8, 12, 16, 24 or 32 bars that holds `bars` bars."""
    for n in (4, 8, 12, 16, 24, 32):
        if bars <= n:
            return n
    return bars + (-bars) % 8
