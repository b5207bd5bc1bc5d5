"""Rewrite selected bars and add chords, as the window runs them: generators over a text snapshot (Job workers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from composer.abc.tunebook import Tune, read_string
from composer.errors import AbcError
from composer.model.chord_places import DOWNBEAT, layout
from composer.model.generation_plan import Placement, TextEdit
from composer.model.harmonize import Harmonization, HarmonizeOptions, harmonize
from composer.model.rewrite import Candidate, Rewrite, bars_between, rewrite_bars
from composer.model.sampling import SamplingOptions
from composer.ui.cowriter.generation_job import load_model

#: Alternatives a rewrite shows, and the spans it samples to rank.
REWRITE_COUNT = 4
REWRITE_SAMPLES = 16
#: How the window ranks rewritten spans: by the whole tune's log-probability (the span and the music after it),
#: which scored better than the music after the span alone in benchmarks/rewrite_quality.py.
REWRITE_RANK = "together"


def place_of(text: str, offset: int) -> tuple[int, int]:
    """(line, column), 1-based, of a character offset in `text`."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def offset_of(text: str, line: int, column: int) -> int:
    """The character offset of 1-based (line, column) in `text`."""
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def tune_at(text: str, offset: int) -> Tune:
    """The tune holding `offset` of `text` (AbcError where none does)."""
    line, _ = place_of(text, offset)
    tune = read_string(text).tune_at_line(line)
    if tune is None:
        raise AbcError("put the cursor in a tune (or select bars of one) first", line=line)
    return tune


@dataclass(frozen=True)
class RewriteAnswer:
    """A rewrite of the bars a selection touched, and the text it was made from."""

    text: str
    rewrite: Rewrite

    def edit_for(self, candidate: Candidate) -> TextEdit:
        """Replace exactly the rewritten span of `text` with `candidate` (one undoable edit)."""
        start = offset_of(self.text, *self.rewrite.start)
        end = offset_of(self.text, *self.rewrite.end)
        return TextEdit(start, end, candidate.text, Placement.SELECTION)


def rewrite_selection(model_path: str, text: str, start: int, end: int, seed: int | None = None,
                      count: int = REWRITE_COUNT, samples: int = REWRITE_SAMPLES,
                      rank: str = REWRITE_RANK) -> Iterator[str]:
    """Rewrite the bars that `text[start:end]` touches (the bar at the cursor for an empty selection); yields what
    it is doing, returns a RewriteAnswer (a Job's worker: cancelled between the steps)."""
    tune = tune_at(text, start)
    bars = bars_between(tune, place_of(text, start), place_of(text, end))
    if bars is None:
        raise AbcError("select the bars to rewrite (whole bars of a tune with a meter, after its pickup)",
                       path=tune.path, tune=tune.reference, line=place_of(text, start)[0])
    yield f"Bars {bars[0]}–{bars[1]}: loading the model…"
    model = load_model(model_path)
    yield f"Bars {bars[0]}–{bars[1]}: sampling {samples} spans and ranking them…"
    rewrite = rewrite_bars(model, tune, bars[0], bars[1], count=count, samples=samples,
                           sampling=SamplingOptions(temperature=0.8, top_p=0.95, seed=seed), rank=rank)
    return RewriteAnswer(text, rewrite)


@dataclass(frozen=True)
class ChordsAnswer:
    """A harmonized tune, where it stands in the text it was made from, and the written bars it covered."""

    text: str
    start: int
    end: int
    harmonization: Harmonization
    bars: tuple[int, int] | None

    def edit(self) -> TextEdit:
        """Replace the tune's text with the harmonized tune (one undoable edit)."""
        new = self.harmonization.tune_text
        if not self.text[self.start:self.end].endswith("\n"):
            new = new.removesuffix("\n")
        return TextEdit(self.start, self.end, new, Placement.SELECTION)


def written_bars_between(tune: Tune, start: tuple[int, int], end: tuple[int, int]) -> tuple[int, int] | None:
    """(first, last) written bars (numbered from 1, a pickup included, as harmonizing counts them) whose first note
    a selection from `start` to `end` holds; an empty selection or one inside a bar names the bar it stands in."""
    downbeats = [p for p in layout(tune).places if p.beat == DOWNBEAT]
    inside = [p.bar for p in downbeats if start <= (p.line, p.column) < end]
    if inside:
        return inside[0], inside[-1]
    before = [p.bar for p in downbeats if (p.line, p.column) <= start]
    return (before[-1], before[-1]) if before else None


def harmonize_selection(model_path: str, text: str, start: int, end: int, per: str, replace: bool,
                        selected_bars: bool) -> Iterator[str]:
    """Add chords to the tune at `start` (only the bars `text[start:end]` touches when `selected_bars`); yields what
    it is doing, returns a ChordsAnswer (a Job's worker)."""
    tune = tune_at(text, start)
    bars = written_bars_between(tune, place_of(text, start), place_of(text, end)) if selected_bars else None
    if selected_bars and bars is None:
        raise AbcError("select the bars to add chords to", path=tune.path, tune=tune.reference, line=tune.line)
    yield "Loading the model…"
    model = load_model(model_path)
    where = f"bars {bars[0]}–{bars[1]}" if bars else tune.label
    yield f"Writing chords for {where}…"
    result = harmonize(model, tune, HarmonizeOptions(per=per, replace=replace, bars=bars))
    first = offset_of(text, tune.line, 1)
    return ChordsAnswer(text, first, first + len(tune.text()), result, bars)
