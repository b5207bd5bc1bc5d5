"""Count the forms of the training collections' tunes by rhythm: the habits `composer.model.form` follows.

Each tune's canonical text is read by the same form tracker that generation uses (parts closed by `:|`, `::`,
`||`, `|]` or a 2nd ending; a pickup not counted). Prints, per rhythm (R:, else the meter's usual rhythm), the
commonest forms with their shares.

    python benchmarks/corpus_forms.py [--top 4]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict

from composer.abc.corpora import collection_tunes
from composer.model.canonical import canonical_text
from composer.model.form import Form, rhythm_for_meter
from composer.model.form_plan import written_form


def rhythm_name(rhythm: str | None, meter: str | None) -> str:
    """A rhythm's plain name (`Reel`, `REEL`, `reels` → `reel`); the meter's usual one when none is given."""
    text = re.sub(r"[^a-z ]", "", (rhythm or "").lower()).strip()
    text = re.sub(r"s$", "", text)
    return text or f"({rhythm_for_meter(meter) or meter})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=4, help="forms shown per rhythm")
    args = parser.parse_args()
    forms: dict[str, Counter] = defaultdict(Counter)
    for _name, tunes in collection_tunes():
        for tune in tunes:
            written = written_form(canonical_text(tune))
            parts = written.parts
            key = Form(parts).describe() if parts else "no closed part"
            forms[rhythm_name(tune.rhythm, tune.meter)][key] += 1
    for rhythm, counts in sorted(forms.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(counts.values())
        if total < 15:
            continue
        shown = ", ".join(f"{form} {n / total:.0%}" for form, n in counts.most_common(args.top))
        print(f"{rhythm:<16} {total:>5}  {shown}")


if __name__ == "__main__":
    main()
