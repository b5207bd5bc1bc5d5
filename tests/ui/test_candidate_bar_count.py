"""The bar count a candidate card shows for the text the model wrote."""

from __future__ import annotations

import pytest

from composer.ui.cowriter.candidate_card import bar_count

B_PART = "\n|:B2AB c2Bc|d2ef g2fe|d2B2 A2GA|B2G2 G4|\nB2AB c2Bc|d2ef g2fe|d2B2 A2GA|B2G2 G4:|\n"


@pytest.mark.parametrize(("text", "bars"), [
    (B_PART, 8),  # a repeated 8-bar part opened with |: after the A part's :| (the card said 9)
    ("GABc|dedB|", 2),
    ("|GABc|dedB", 1),  # the bar still being written is not counted
    ('"G"GABc|"D7"dedB|]', 2),
    ("|:GABc:|::dedB:|", 2),
    ("GABc|1dedB:|2d4|]", 3),
    ("!trill!GABc|+fermata+d4|", 2),
    ("", 0),
])
def test_a_bar_is_counted_where_a_bar_line_closes_music(text, bars):
    assert bar_count(text) == bars
