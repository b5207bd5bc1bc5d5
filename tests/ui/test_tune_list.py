"""The tune list: laying out a big tunebook's rows asks the model (Python) nothing per row."""

from __future__ import annotations

from composer.ui.tunebook.tune_list import TuneList, TuneTable

TUNES = 12_000


class CountingTable(TuneTable):
    """The tune list's model, counting the calls Qt makes into it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def rowCount(self, *args) -> int:  # noqa: N802 (Qt override)
        self.calls += 1
        return super().rowCount(*args)

    def columnCount(self, *args) -> int:  # noqa: N802 (Qt override)
        self.calls += 1
        return super().columnCount(*args)

    def data(self, *args):
        self.calls += 1
        return super().data(*args)


def test_laying_out_twelve_thousand_tunes_asks_the_model_nothing_per_row(qtbot):
    # Each call into Python waits for the interpreter while a worker thread (the tunebook check) runs Python: a
    # view that asked once per row froze the window for two seconds on a 5 MB tunebook.
    tune_list = TuneList()
    qtbot.addWidget(tune_list)
    tune_list.table = CountingTable()
    tune_list.setModel(tune_list.table)
    tune_list.resize(300, 400)
    tune_list.show()
    qtbot.waitExposed(tune_list)
    tune_list.table.show_rows([(str(n), f"Tune {n}", "4/4", "D") for n in range(1, TUNES + 1)])
    tune_list.table.calls = 0
    tune_list.doItemsLayout()
    tune_list.repaint()
    assert tune_list.table.calls < TUNES // 10  # what shows on screen, not every row
    tune_list.select_tune(TUNES - 1)
    assert tune_list.currentIndex().row() == TUNES - 1
    assert tune_list.indexAt(tune_list.visualRect(tune_list.currentIndex()).center()).row() == TUNES - 1  # in view
