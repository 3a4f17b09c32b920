"""The checkout parts benchmark's clock: each part keeps only its own time."""

import time

from benchmarks.checkout_parts import PartClock


def test_a_part_inside_another_is_taken_out_of_the_outer_one(monkeypatch):
    ticks = iter([0.0, 1.0, 3.0, 6.0, 10.0, 15.0])
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    clock = PartClock()
    with clock.part("session save"):  # 0.0
        with clock.part("commit"):  # 1.0
            pass  # 3.0: the commit took 2
        with clock.part("commit"):  # 6.0
            pass  # 10.0: 4 more
    # 15.0: the session save's own time is 1 + 3 + 5
    assert clock.spent == {"session save": 9.0, "commit": 6.0}


def test_reset_forgets_what_was_spent(monkeypatch):
    ticks = iter([0.0, 2.0])
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    clock = PartClock()
    with clock.part("templates"):
        pass
    assert clock.spent == {"templates": 2.0}
    clock.reset()
    assert clock.spent == {}
