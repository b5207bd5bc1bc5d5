"""What a candidate card says of the text the model wrote: its bars, and whether it kept the form."""

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


def test_a_card_says_when_its_candidate_did_not_keep_the_form(qtbot):
    from composer.ui.cowriter.batches import Candidate
    from composer.ui.cowriter.candidate_card import CandidateCard

    card = CandidateCard(0)
    qtbot.addWidget(card)
    card.show_candidate(Candidate(0, 1, 0, B_PART, "end"), can_sample_again=True)
    assert card.state_label.text() == "8 bars · complete" and not card.state_label.toolTip()
    card.show_candidate(Candidate(0, 1, 0, B_PART, "end", form_kept=False), can_sample_again=True)
    assert card.state_label.text() == "8 bars · complete · form not kept"
    assert "music's rules alone" in card.state_label.toolTip()
