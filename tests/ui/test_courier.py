"""Worker threads call back into the UI thread through the courier: a receiver deleted meanwhile is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from PySide6.QtCore import QObject

from composer.ui.courier import call_in_ui_thread, prepare_courier

# Deletes each receiver at a random moment around its worker's call back; the old code (workers emitting on
# their own QObjects) crashed the process within a few hundred rounds of this.
_STRESS = textwrap.dedent(
    """
    import random, sys, threading, time
    import shiboken6
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication
    from composer.abc.tunebook import read_string
    from composer.audio.performance import build_performance
    from composer.ui.playback.transport import QtPlayer
    from composer.ui.jobs import Job, NewestOnly

    app = QApplication([])
    answered = []
    performance = build_performance(read_string("X:1\\nT:t\\nM:2/4\\nL:1/8\\nK:G\\nGABc|d4|\\n").tunes[0])

    def work(pause):
        time.sleep(pause)
        return pause

    for round_number in range(int(sys.argv[1])):
        owner = QObject()
        jobs = NewestOnly(owner)
        jobs.finished.connect(lambda lane, result: answered.append(lane))
        job = Job(work, random.random() * 0.0005, lane="wav-export", request=round_number, parent=owner)
        job.result.connect(lambda answer: answered.append("job"))  # playback's WAV export is such a Job
        jobs.submit("a", work, random.random() * 0.0005)
        jobs.submit("prepare", work, random.random() * 0.0005)  # playback's prepare lane, on the slow executor
        job.start()
        player = QtPlayer(owner) if round_number % 5 == 0 else None  # each player is a thread of its own
        if player is not None:
            player.positionChanged.connect(lambda position: answered.append("player"))
            player.load(performance)
        time.sleep(random.random() * 0.0005)
        if round_number % 3 == 0:
            app.processEvents()  # some answers arrive before their receiver goes
        shiboken6.delete(owner)
        if player is not None:
            player.close()  # the Player side is plain Python: its thread can still be ended
        app.processEvents()
    print("rounds", sys.argv[1], "answered", len(answered))
    """
)


def test_deleting_receivers_while_their_workers_call_back_never_crashes(tmp_path):
    script = tmp_path / "stress.py"
    script.write_text(_STRESS)
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    finished = subprocess.run(
        [sys.executable, str(script), "1500"], capture_output=True, text=True, timeout=300, env=environment
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    rounds, answered = finished.stdout.split()[1::2]
    assert rounds == "1500" and int(answered) > 0


def test_a_call_reaches_a_live_receiver_in_the_ui_thread_and_skips_a_deleted_one(qtbot):
    import shiboken6

    prepare_courier()
    live, doomed = QObject(), QObject()
    calls: list[tuple[str, bool]] = []
    ui_thread = threading.current_thread()

    def from_worker() -> None:
        call_in_ui_thread(live, lambda: calls.append(("live", threading.current_thread() is ui_thread)))
        call_in_ui_thread(doomed, lambda: calls.append(("doomed", True)))

    worker = threading.Thread(target=from_worker)
    worker.start()
    worker.join()
    shiboken6.delete(doomed)
    qtbot.waitUntil(lambda: bool(calls), timeout=2000)
    qtbot.wait(50)
    assert calls == [("live", True)]
