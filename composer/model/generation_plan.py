"""What one generation asks for and where its text goes: the panel's settings, the mode's request, and for a
candidate the text previewed, the text played and the text accepted (Qt-free values the generation panel uses)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

from composer.abc.tunebook import Tune, read_string
from composer.errors import AbcError
from composer.model.canonical import body_start
from composer.model.form import AUTO, Form, parse_form
from composer.model.form_plan import FormPlan, plan_form, written_form
from composer.model.generate import Request, continuation_of, new_tune_request
from composer.model.sampling import SamplingOptions

#: Characters a candidate may grow to before it is closed (the engine's default).
MAX_CHARS = 1500
MAX_VARIATIONS = 16
MAX_BARS = 64
SEED_LIMIT = 2**31 - 1


class Mode(StrEnum):
    """Continue from the cursor to the tune's end, fill the next N bars, or write a new tune."""

    CONTINUE = "continue"
    BARS = "bars"
    NEW_TUNE = "new"


class Placement(StrEnum):
    """Where an accepted candidate goes: at the cursor, over the selection, over the rest of its tune (from
    where it was generated), or after the last tune as a new one."""

    CURSOR = "cursor"
    SELECTION = "selection"
    REST_OF_TUNE = "rest"
    NEW_TUNE = "new"


@dataclass(frozen=True)
class GenerationSettings:
    """The panel's controls: sampling, length, number of variations, seed and the music constraint."""

    temperature: float = 1.0
    top_p: float = 0.95
    bars: int = 8
    variations: int = 4
    seed: int = 1
    constrain: bool = True
    form: str = AUTO
    part_bars: int = 8

    def form_choice(self) -> Form | str:
        """`auto`, or the chosen form with its part length (FormError when it cannot be read)."""
        if self.form.strip().lower() == AUTO:
            return AUTO
        return parse_form(self.form, self.part_bars)

    def sampling(self, seed: int | None = None) -> SamplingOptions:
        return SamplingOptions(temperature=self.temperature, top_p=self.top_p,
                               seed=self.seed if seed is None else seed)


@dataclass(frozen=True)
class NewTuneFields:
    """The header of a new tune: title, meter, key and rhythm (empty strings when not given)."""

    title: str = ""
    meter: str = "4/4"
    key: str = "D"
    rhythm: str = ""


def fields_of(tune: Tune | None) -> NewTuneFields:
    """The new-tune header prefilled from `tune` (defaults when there is none)."""
    if tune is None:
        return NewTuneFields()
    return NewTuneFields(tune.title or "", tune.meter or "4/4", tune.key or "C", tune.rhythm or "")


@dataclass(frozen=True)
class GenerationPlan:
    """A generation: its mode and request, and for a continuation the source text of the tune before the
    place (`source_prefix`) and that place (1-based line and column in the tunebook)."""

    mode: Mode
    request: Request
    source_prefix: str = ""
    line: int | None = None
    column: int | None = None
    form: FormPlan | None = None

    @property
    def form_description(self) -> str:
        """`Auto: AABB, 8 bars, part B next`, or what stands in for it without the music constraint."""
        if self.form is None:
            return "Form: not kept (valid music is off)"
        return self.form.describe()

    @property
    def header(self) -> str:
        """The prime's header lines (X: to K:)."""
        return self.request.prime[:body_start(self.request.prime)]

    def reseeded(self, seed: int, count: int = 1) -> GenerationPlan:
        """The same generation with `count` candidates from another seed (regenerating one candidate)."""
        sampling = dataclasses.replace(self.request.sampling, seed=seed)
        return dataclasses.replace(self, request=dataclasses.replace(self.request, count=count, sampling=sampling))

    def preview_text(self, generated: str) -> str:
        """A small tune to engrave for a candidate: the header without its title, then the generated text."""
        header = "".join(line for line in self.header.splitlines(keepends=True) if not line.startswith("T:"))
        if self.mode is Mode.NEW_TUNE:
            return header + generated
        return header + generated.lstrip("\n")

    def audition_text(self, generated: str) -> str:
        """The tune to play for a candidate: the source before the place followed by the candidate (a new tune
        is the prime and the candidate)."""
        if self.mode is Mode.NEW_TUNE:
            return self.request.prime + generated
        return self.source_prefix + generated

    def audition_start(self) -> tuple[int, int]:
        """Where the candidate starts in `audition_text`: 1-based (line, column)."""
        if self.mode is Mode.NEW_TUNE:
            return self.request.prime.count("\n") + 1, 1
        lines = self.source_prefix.split("\n")
        return len(lines), len(lines[-1]) + 1

    def accepted_text(self, generated: str, number: int = 1) -> str:
        """The text that goes into the tunebook: a whole tune numbered `number` for a new tune, else the
        generated text (never ending in a newline: an empty line would end the tune early)."""
        if self.mode is Mode.NEW_TUNE:
            tune = re.sub(r"^X:.*$", f"X:{number}", self.request.prime, count=1, flags=re.M)
            return tune + generated.rstrip("\n") + "\n"
        return _without_empty_lines(generated.rstrip("\n"))

    def default_placement(self, has_selection: bool) -> Placement:
        """Where Accept puts a candidate unless told otherwise."""
        if self.mode is Mode.NEW_TUNE:
            return Placement.NEW_TUNE
        if self.mode is Mode.CONTINUE:
            return Placement.REST_OF_TUNE
        return Placement.SELECTION if has_selection else Placement.CURSOR


def _without_empty_lines(text: str) -> str:
    return re.sub(r"\n\s*\n", "\n", text)


def plan_generation(mode: Mode, text: str, line: int, column: int, settings: GenerationSettings,
                    fields: NewTuneFields | None = None) -> GenerationPlan:
    """The plan for generating in `mode` from the tunebook `text` with the cursor at 1-based `line`:`column`.

    AbcError when a continuation is asked for where there is no tune body to continue.
    """
    sampling = settings.sampling()
    choice = settings.form_choice() if settings.constrain else None
    if mode is Mode.NEW_TUNE:
        fields = fields or NewTuneFields()
        request = new_tune_request(meter=fields.meter or "4/4", key=fields.key or "C", rhythm=fields.rhythm or None,
                                   title=fields.title, count=settings.variations, sampling=sampling,
                                   constrain=settings.constrain, max_chars=MAX_CHARS, form=choice,
                                   max_bars=None if choice is not None else settings.bars)
        plan = FormPlan(request.form, choice == AUTO, written_form(request.prime)) if request.form else None
        return GenerationPlan(mode, request, form=plan)
    book = read_string(text)
    tune = book.tune_at_line(line)
    if tune is None or line > tune.end_line + 1:
        raise AbcError("put the cursor in a tune's music to continue it", line=line, column=column)
    if line > tune.end_line:  # just below the tune: continue after its last line
        line, column = tune.end_line, len(tune.source_lines[-1].rstrip("\n")) + 1
    cut = continuation_of(tune, line, column)
    max_bars = settings.bars if mode is Mode.BARS else None
    plan = None
    if choice is not None:
        plan = plan_form(choice, cut.prime, rhythm=tune.rhythm, meter=tune.meter, min_bars=max_bars)
    request = Request(cut.prime, settings.variations, sampling, settings.constrain, MAX_CHARS, max_bars,
                      plan.form if plan else None)
    return GenerationPlan(mode, request, cut.source_prefix, line, column, plan)


def next_tune_number(text: str) -> int:
    """The X: number for a tune added after the tunebook's last."""
    return max([t.reference or 0 for t in read_string(text).tunes] + [0]) + 1


def appended_tune(text: str, tune: str) -> str:
    """What to add at the end of `text` so that `tune` follows as a tune of its own (one empty line between)."""
    if not text.strip():
        separator = ""
    elif text.endswith("\n\n"):
        separator = ""
    else:
        separator = "\n" if text.endswith("\n") else "\n\n"
    return separator + tune


@dataclass(frozen=True)
class Selection:
    """The editor's cursor as text offsets: where the selection started (`anchor`) and where the cursor is."""

    anchor: int
    position: int

    @property
    def start(self) -> int:
        return min(self.anchor, self.position)

    @property
    def end(self) -> int:
        return max(self.anchor, self.position)

    @property
    def is_empty(self) -> bool:
        return self.anchor == self.position


@dataclass(frozen=True)
class TextEdit:
    """Replace `text[start:end]` with `insert` (one undoable edit in the editor); `placement` says where."""

    start: int
    end: int
    insert: str
    placement: Placement

    def applied_to(self, text: str) -> str:
        return text[:self.start] + self.insert + text[self.end:]


def edit_for(plan: GenerationPlan, text: str, selection: Selection, generated: str,
             placement: Placement | None = None, anchor: int | None = None) -> TextEdit | None:
    """The edit that accepts `generated` (a candidate of `plan`) into the tunebook `text`: at the cursor, over the
    selection, over the rest of its tune (from `anchor`, where the generation started, else the selection's
    start), or as a new tune at the end (by default as the plan's mode says). None for SELECTION with nothing
    selected. Offsets count characters of `text`."""
    where = placement or plan.default_placement(not selection.is_empty)
    if where is Placement.NEW_TUNE or plan.mode is Mode.NEW_TUNE:
        accepted = plan.accepted_text(generated, next_tune_number(text)) if plan.mode is Mode.NEW_TUNE \
            else plan.accepted_text(generated)
        return TextEdit(len(text), len(text), appended_tune(text, accepted), Placement.NEW_TUNE)
    insert = plan.accepted_text(generated)
    if where is Placement.SELECTION:
        if selection.is_empty:
            return None
        return TextEdit(selection.start, selection.end, insert, where)
    if where is Placement.REST_OF_TUNE:
        start = anchor if anchor is not None else selection.start
        return TextEdit(start, end_of_tune(text, start), insert, where)
    return TextEdit(selection.position, selection.position, insert, where)


def end_of_tune(text: str, offset: int) -> int:
    """The offset at the end of the last line of the tune holding `offset` (else of the line holding it)."""
    line = text.count("\n", 0, offset) + 1
    tune = read_string(text).tune_at_line(line)
    last = tune.end_line if tune is not None and tune.end_line >= line else line
    lines = text.split("\n")
    end = sum(len(lines[n]) + 1 for n in range(min(last, len(lines)))) - 1
    return max(offset, min(end, len(text)))
