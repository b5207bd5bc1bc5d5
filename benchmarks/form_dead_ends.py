"""Count the places in real tunes from which the form constraint leaves a continuation no way on.

Each Nottingham tune is cut at random places in its body (a person asking for a continuation mid-tune); the form
is planned as `composer continue` plans it (`auto`), and the form's constraint is read after the cut. A cut where
the form allows no character although the music's own rules allow some is a dead end: generation there goes on
with the music's rules alone, and the candidate says "form not kept". Prints the count and the first few.

    python benchmarks/form_dead_ends.py [--cuts 12] [--seed 1] [--show 5]
"""

from __future__ import annotations

import argparse
import random
import time

from composer.abc.corpora import collection_tunes
from composer.model.constraint import AbcState
from composer.model.form import AUTO, FormError
from composer.model.form_plan import plan_form
from composer.model.form_state import FormState


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", type=int, default=12, help="cuts per tune")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=5, help="dead ends printed")
    args = parser.parse_args()
    chooser = random.Random(args.seed)
    cuts = dead = 0
    began = time.perf_counter()
    for _name, tunes in collection_tunes(["nottingham"]):
        for tune in tunes:
            text = tune.text()
            body = text.find("\n", text.find("\nK:") + 1) + 1
            if body <= 0 or body >= len(text):
                continue
            for cut in chooser.sample(range(body, len(text)), min(args.cuts, len(text) - body)):
                prime = text[:cut]
                try:
                    plan = plan_form(AUTO, prime, rhythm=tune.rhythm, meter=tune.meter)
                except FormError:
                    continue  # the written tune already holds a whole form: nothing to continue
                cuts += 1
                if FormState.for_prime(prime, plan.form).allowed_mask().any():
                    continue
                if not AbcState.for_prime(prime, strict=True).allowed_mask().any():
                    continue  # the music itself has no way on: not the form's doing
                dead += 1
                if dead <= args.show:
                    print(f"{tune.label}, {plan.describe()}: ...{prime[-50:]!r}")
    print(f"dead ends: {dead} of {cuts} cuts ({dead / max(cuts, 1):.2%}) in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
