"""Generation modes over an ONNX char-LSTM: new tunes, continuations, the next N bars, N variations at once.

Use from any thread (the UI calls it from a worker):

    generator = Generator(OnnxModel(path))
    request = new_tune_request(meter="6/8", key="D", count=4, sampling=SamplingOptions(seed=1))
    for event in generator.stream(request, cancel=threading.Event()):
        ...   # Started, then Sampled(candidate, text) per character, then Finished(candidate, text, reason)

The prime goes through the model in one call; then every step feeds one character per unfinished candidate as one
batch, carrying the LSTM state (no window is ever fed again). Beside each candidate an `AbcState` follows the text:
with `constrain=True` (the default) it vetoes characters that would break the music (see composer.model.constraint);
otherwise it only counts bars and sees the tune's end. A candidate finishes at the tune's empty line (`end`), after
`max_bars` new bars (`bars`), after `max_chars` characters (`chars`; a constrained one is then closed validly at
its next bar line, at most CLOSING_ALLOWANCE characters later), or when `cancel` is set between two steps
(`cancelled`). `Finished.text` is what was generated after the prime.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from composer.abc.checker import export_blockers
from composer.abc.diagnostic import printable
from composer.abc.tunebook import Tune, read_string
from composer.errors import AbcError
from composer.model.canonical import canonical_body_lines, canonical_header
from composer.model.constraint import AbcState, Kind
from composer.model.form import Form, rhythm_for_meter
from composer.model.form_plan import plan_form
from composer.model.form_state import FormState
from composer.model.onnx_model import MAX_TUNE_CHARS, OnnxModel, step_rows
from composer.model.sampling import Sampler, SamplingOptions
from composer.model.vocab import INDEX, VOCAB, encode

#: Characters a constrained tune may run past `max_chars` to reach a bar line where it can be closed.
CLOSING_ALLOWANCE = 200
#: Search budget for closing at a bar line, where a closing is short (the last chance gets the full budget).
BAR_LINE_BUDGET = 2_000


@dataclass(frozen=True)
class Request:
    """What to generate: the canonical prime to continue, how many candidates, and when to stop."""

    prime: str
    count: int = 1
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    constrain: bool = True
    max_chars: int = 1500
    max_bars: int | None = None
    form: Form | None = None


@dataclass(frozen=True)
class Started:
    """Generation began: the number of candidates, whether the music constraint is on, the provider in use."""

    candidates: int
    constrained: bool
    provider: str


@dataclass(frozen=True)
class Sampled:
    """One character (or a few) sampled for one candidate."""

    candidate: int
    text: str


@dataclass(frozen=True)
class Finished:
    """A candidate is complete: all of its generated text, why it stopped (end, bars, chars, cancelled), and
    whether the request's form was kept to the end (False: at some point it left no way on, and the candidate
    went on with the music's rules alone)."""

    candidate: int
    text: str
    reason: str
    form_kept: bool = True


Event = Started | Sampled | Finished
#: The constraint beside each candidate: the music's alone, or with the form.
State = AbcState | FormState


def new_tune_request(*, meter: str = "4/4", key: str = "D", unit: str | None = None, rhythm: str | None = None,
                     title: str = "", count: int = 1, sampling: SamplingOptions | None = None,
                     constrain: bool = True, max_chars: int = 1500, max_bars: int | None = None,
                     form: Form | str | None = None) -> Request:
    """A request for `count` new tunes primed with the canonical header of the given M:, L:, K:, R: and T:.

    With `form` (a Form, a form's text such as `AABB`, or `auto`) the tunes keep that form; a tune without a
    rhythm then gets the meter's usual one (6/8 jig, 4/4 reel, 3/4 waltz...), so that auto has something to go on.
    """
    if form is not None and not (rhythm and rhythm.strip()):
        rhythm = rhythm_for_meter(meter)
    prime = canonical_header(title or "Untitled", meter, unit, key, rhythm)
    plan = plan_form(form, prime, rhythm=rhythm, meter=meter) if form is not None else None
    return Request(prime, count, sampling or SamplingOptions(), constrain, max_chars, max_bars,
                   plan.form if plan else None)


@dataclass(frozen=True)
class Continuation:
    """A tune cut at a position: the model's prime (canonical) and the source text before the position."""

    prime: str
    source_prefix: str


def continuation_of(tune: Tune, line: int | None = None, column: int | None = None) -> Continuation:
    """The prime for continuing `tune` at 1-based source `line`:`column` (default: after its last line)."""
    lines = list(tune.source_lines)
    if line is None:
        prefix = "".join(lines)
        if not prefix.endswith("\n"):
            prefix += "\n"
    else:
        index = line - tune.line
        if not 0 <= index <= len(lines):
            raise AbcError(f"line {line} is outside the tune (lines {tune.line}-{tune.end_line})",
                           path=tune.path, tune=tune.reference, line=line)
        current = lines[index] if index < len(lines) else ""
        col = len(current.rstrip("\n")) + 1 if column is None else column
        if not 1 <= col <= len(current.rstrip("\n")) + 1:
            raise AbcError(f"column {col} is outside line {line}", path=tune.path, tune=tune.reference,
                           line=line, column=col)
        prefix = "".join(lines[:index]) + current[:col - 1]
    if not tune.has_key:
        music = next((b.line for b in tune.body), None)
        where = f"; the music starts on line {music}" if music is not None else ""
        raise AbcError(f"K: is missing: the tune's header must end with a K: line{where}",
                       path=tune.path, tune=tune.reference, line=tune.line)
    partial = read_string(prefix).tunes
    if not partial or not partial[0].has_key or not any(b.line for b in partial[0].body) and line is not None \
            and line <= _key_line(tune):
        raise AbcError("the position is inside the tune header; continue from the body",
                       path=tune.path, tune=tune.reference, line=line, column=column)
    cut = partial[0]
    body = canonical_body_lines(cut)
    prime = canonical_header(tune.title, cut.meter, cut.unit, cut.key, cut.rhythm) + "\n".join(body)
    if len(prime) > MAX_TUNE_CHARS:
        raise AbcError(f"the tune is {len(prime):,} characters long before the position; the model reads "
                       f"tunes of up to {MAX_TUNE_CHARS:,}", path=tune.path, tune=tune.reference, line=tune.line)
    blockers = export_blockers(cut)
    if blockers:
        first = blockers[0]
        raise AbcError(f"{printable(tune.label[:60])} cannot be continued: {first.message}", path=tune.path,
                       tune=tune.reference, line=first.line, column=first.column)
    if body and (prefix.endswith("\n") or not prefix.strip()):
        prime += "\n"
    return Continuation(prime, prefix)


def _key_line(tune: Tune) -> int:
    for f in tune.header:
        if f.name == "K":
            return f.line
    return tune.line


class Generator:
    """Stepwise, batched, optionally constrained decoding over one `OnnxModel`."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model

    @staticmethod
    def _first_state(request: Request) -> State:
        """The constraint after the prime: the music's, and the form's when the request keeps one (the music's
        alone where the prime leaves the form no way on)."""
        if request.constrain and request.form is not None:
            state = FormState.for_prime(request.prime, request.form)
            if state.allowed_mask().any():
                return state
        return AbcState.for_prime(request.prime, strict=request.constrain)

    def generate(self, request: Request, cancel: threading.Event | None = None) -> list[Finished]:
        """Every candidate's result, in candidate order (the stream run to its end)."""
        done = [e for e in self.stream(request, cancel) if isinstance(e, Finished)]
        return sorted(done, key=lambda e: e.candidate)

    def stream(self, request: Request, cancel: threading.Event | None = None) -> Iterator[Event]:
        """Events as characters are sampled; stops between steps once `cancel` is set."""
        count = request.count
        if count < 1:
            raise ValueError("count must be at least 1")
        first = self._first_state(request)
        constrained = request.constrain and bool(first.allowed_mask().any())
        if request.constrain and not constrained:
            first = AbcState.for_prime(request.prime, strict=False)
        yield Started(count, constrained, self.model.provider)

        # The prime in one call; every candidate starts from its final state.
        prime_ids = np.asarray(encode(request.prime) or [INDEX["\n"]], dtype=np.int64)[None, :]
        logits, state = self.model.run(prime_ids, self.model.zero_state(1))
        logits = np.repeat(logits[:, -1, :], count, axis=0)
        state = state.repeat(count)

        sampler = Sampler(request.sampling, count)
        machines = [first] * count
        keeps_form = constrained and request.form is not None

        def finished(c: int, reason: str) -> Finished:
            return Finished(c, "".join(texts[c]), reason, not keeps_form or isinstance(machines[c], FormState))
        start_bars = first.bars_done
        texts = [[] for _ in range(count)]
        active = list(range(count))
        while active:
            if cancel is not None and cancel.is_set():
                for c in active:
                    yield finished(c, "cancelled")
                return
            probabilities = sampler.probabilities(logits)
            chosen = []
            still = []
            for row, c in enumerate(active):
                token, nxt, machine = _choose(sampler, c, probabilities[row], machines[c], constrained)
                if nxt is None:
                    nxt = machine.advance(VOCAB[token])
                if nxt is None:  # unconstrained text the tracker cannot follow: keep the old state
                    nxt = machine
                machines[c] = nxt
                ch = VOCAB[token]
                texts[c].append(ch)
                yield Sampled(c, ch)
                reason = None
                if nxt.ended:
                    reason = "end"
                elif request.max_bars is not None and nxt.bars_done - start_bars >= request.max_bars:
                    reason = "bars"
                elif len(texts[c]) >= request.max_chars:
                    # A constrained tune is closed properly rather than cut: at the next bar line, where the
                    # closing is short to find, or at the latest CLOSING_ALLOWANCE characters later.
                    last_chance = len(texts[c]) >= request.max_chars + CLOSING_ALLOWANCE
                    closing = None
                    if constrained and last_chance:
                        closing = nxt.completion()
                    elif constrained and nxt.kind == Kind.BAR:
                        closing = nxt.completion(budget=BAR_LINE_BUDGET)
                    if closing:
                        texts[c].append(closing)
                        yield Sampled(c, closing)
                    if closing or last_chance or not constrained:
                        reason = "chars"
                if reason:
                    yield finished(c, reason)
                else:
                    still.append(row)
                    chosen.append(token)
            if not still:
                return
            active = [active[row] for row in still]
            logits, state = step_rows(self.model, state, still, chosen)


def _choose(sampler: Sampler, candidate: int, probabilities: np.ndarray, machine: State,
            constrained: bool) -> tuple[int, State | None, State]:
    """The next token for one candidate, its state after it (None where unknown), and the state it came from."""
    successors: dict[int, State | None] = {}

    def accepts(token: int) -> bool:
        nxt = machine.advance(VOCAB[token])
        successors[token] = nxt
        return nxt is not None or not constrained

    try:
        token = sampler.choose(candidate, probabilities, accepts, machine.allowed_mask)
    except ValueError:
        if not isinstance(machine, FormState):
            raise
        # The form left no way on (a corner its rules do not foresee): go on with the music's rules alone.
        return _choose(sampler, candidate, probabilities, machine.music, constrained)
    return token, successors.get(token), machine
