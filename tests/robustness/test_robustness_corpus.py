"""Hostile and unlucky files (tests/robustness/corpus, plus a few too big to commit) through `check`, `export` to
every format, `continue`, `score` and the window's open → engrave → check → play path (issue 19).

Each file runs in a driver process under a memory limit, each step under a hang guard (robustness_harness;
the slowest step, a 16-minute WAV, takes about 22 s on a quiet 2-core machine).
Whatever the file, every step ends with exit status 0 or 1, no traceback, no hang, no control character sent to
the terminal and less than 1 GB of memory; a refusal names the file (and the line where there is one); an
export that succeeds leaves its file and no temporary one; and the window says what is wrong instead of
raising.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from robustness_harness import EXPORT_SUFFIXES, RSS_LIMIT, STEP_LIMIT_S, FileResult, run_files

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
HEADER = "X:1\nT:Generated\nM:4/4\nL:1/8\nK:D\n"

#: Files made here, too big to commit.
GENERATED = {
    "generated_nested_slurs_10000.abc": HEADER + "(" * 10_000 + "A|\n",
    "generated_nested_chords_10000.abc": HEADER + "[" * 10_000 + "A|\n",
    "generated_nested_graces_10000.abc": HEADER + "{" * 10_000 + "A|\n",
    "generated_line_1mb.abc": HEADER + "ABcd efga|" * 100_000 + "\n",
    "generated_240_bars.abc": HEADER + "".join(f"|:ABcd efga|{'gfed cBAG' if i % 2 else 'abag fedc'}:|\n"
                                               for i in range(120)),
    "generated_500_tunes.abc": "".join(f"X:{i}\nT:Tune {i}\nK:G\nGABc|\n\n" for i in range(1, 501)),
}

NAMES = sorted(p.name for p in CORPUS.iterdir()) + sorted(GENERATED)
#: Messages that have no line to name: the whole file is the place (a binary file names the byte; the engraver
#: and Ghostscript say nothing of where they failed in the tunebook they were given).
PLACELESS = re.compile(r"no tunes? (with music )?in this file|no tune X:|nothing to write|not a text file: binary "
                       r"data \(a NUL byte at byte \d+\)|cannot print it: (abcm2ps|Ghostscript)")
#: Qt's offscreen platform says this on stderr when a window is shown; it is not the app's.
QT_NOISE = "This plugin does not support propagateSizeHints()\n"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, FileResult]:
    made = tmp_path_factory.mktemp("generated")
    paths = [CORPUS / name for name in sorted(p.name for p in CORPUS.iterdir())]
    for name, text in GENERATED.items():
        (made / name).write_text(text, encoding="utf-8")
        paths.append(made / name)
    found = run_files(paths, tmp_path_factory.mktemp("robustness"))
    return {Path(path).name: result for path, result in found.items()}


def test_the_corpus_covers_the_issue_and_stays_small():
    files = list(CORPUS.iterdir())
    assert len(files) >= 80
    assert sum(f.stat().st_size for f in files) < 200_000
    names = {f.name for f in files}
    for case in ("meter_huge.abc", "meter_huge_inline.abc", "no_key.abc", "note_length_huge.abc", "unit_huge.abc",
                 "unit_zero.abc", "unit_no_denominator.abc", "unit_no_numerator.abc", "tempo_1.abc", "tempo_3.abc",
                 "title_curly_apostrophe.abc", "title_em_dash.abc", "title_cjk.abc", "control_escapes.abc",
                 "directive_abc_include.abc", "binary_random.abc", "empty.abc", "only_header.abc", "crlf.abc",
                 "lone_cr.abc", "bom_utf8.abc", "utf16_le_bom.abc", "latin1_bytes.abc", "repeat_open_only.abc",
                 "endings_without_repeat.abc", "inline_fields_mid_bar.abc", "voices.abc", "x_huge.abc",
                 "x_duplicate.abc", "tabs_everywhere.abc"):
        assert case in names


def _said(step) -> str:
    return (step.out + step.err).replace(QT_NOISE, "")


def _check_cli_step(name: str, path: str, step, result: FileResult) -> list[str]:
    """What is wrong with one command's run on the file `path`, in words ([] when nothing)."""
    problems = []
    said = _said(step)
    if step.failure:
        problems.append(f"{step.name}: {step.failure} after {step.seconds:.1f} s")
    elif step.code not in (0, 1):
        problems.append(f"{step.name}: exit status {step.code}")
    if "Traceback" in said:
        problems.append(f"{step.name}: a traceback: {said[-800:]}")
    if CONTROL.search(said):
        problems.append(f"{step.name}: a control character reaches the terminal: {CONTROL.search(said)!r}")
    if step.peak_rss > RSS_LIMIT:
        problems.append(f"{step.name}: {step.peak_rss >> 20} MB resident")
    if step.seconds > STEP_LIMIT_S:
        problems.append(f"{step.name}: {step.seconds:.0f} s")
    if step.code == 1:
        lines = [line for line in step.err.splitlines() if line.startswith("composer ")]
        if step.name == "check":
            lines = step.out.splitlines()
            if not any(": error: " in line for line in lines):
                problems.append("check: exit 1 with no error printed")
            for line in lines:
                if not re.match(re.escape(path) + r":\d+:\d+: (error|warning): \S", line):
                    problems.append(f"check: a line without its place: {line[:200]!r}")
        elif not lines:
            problems.append(f"{step.name}: exit 1 without a message: {said[-300:]!r}")
        for line in lines:
            if " tunes were not exported" in line or step.name == "check":
                continue
            if path not in line and "/out/" not in line:
                problems.append(f"{step.name}: the message does not name the file: {line[:300]!r}")
            elif not re.search(re.escape(path) + r":\d+", line) and not PLACELESS.search(line) \
                    and "/out/" not in line:
                problems.append(f"{step.name}: the message names no line: {line[:300]!r}")
            if len(line) > 600:
                problems.append(f"{step.name}: a message of {len(line)} characters")
    return problems


def _check_outputs(result: FileResult) -> list[str]:
    problems = []
    left = result.step("score").details.get("left_in_out", [])
    hidden = [name for name in left if name.startswith(".")]
    if hidden:
        problems.append(f"temporary files left behind: {hidden}")
    for suffix in EXPORT_SUFFIXES:
        step = result.step(f"export{suffix}")
        if step.code == 0 and not any(n.startswith("out") and n.endswith(suffix) for n in left):
            problems.append(f"export{suffix} said it worked but wrote no file ({left})")
    return problems


def _check_window(result: FileResult) -> list[str]:
    step = result.step("window")
    details = step.details
    problems = []
    if step.failure or step.code != 0:
        problems.append(f"window: {step.failure or 'stuck'} at {details.get('stages')} after {step.seconds:.1f} s")
    if "Traceback" in _said(step) or details.get("escaped"):
        problems.append(f"window: an exception escaped: {details.get('escaped')} {_said(step)[-600:]}")
    for lane, kind, message, composer_error in details.get("job_errors", []):
        if not composer_error:
            problems.append(f"window: the {lane} job failed with {kind}: {message}")
    if step.peak_rss > RSS_LIMIT:
        problems.append(f"window: {step.peak_rss >> 20} MB resident")
    if "not opened" in details.get("stages", []):
        refused = details.get("refused") or []
        if not any(str(result.path) in message for message in refused):
            problems.append(f"window: the file was not opened and no message named it: {refused}")
    check = result.step("check")
    problems_shown = details.get("problems")
    if check.code == 1 and problems_shown is not None and not any(p[0] == "error" for p in problems_shown):
        problems.append("window: `check` finds errors, the Problems list none")
    if "not played" in details.get("stages", []):
        label, why = details.get("unplayable") or ["", ""]
        if details.get("tunes") and not (label and why):
            problems.append(f"window: the tune is not played and the transport does not say why ({label!r}, {why!r})")
    return problems


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", NAMES)
def test_every_command_and_the_window_take_the_file_in_stride(name, results):
    result = results[name]
    assert result.crashed is None, f"the driver died or hung on {name}: {result.crashed}"
    path = result.path
    problems = []
    for step in result.steps:
        if step.name != "window":
            problems += _check_cli_step(name, path, step, result)
    problems += _check_outputs(result)
    problems += _check_window(result)
    assert not problems, "\n".join(problems)
