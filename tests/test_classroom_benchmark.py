"""The classroom benchmark's smoke run: a few students, a few steps, every message checked, the tally complete."""

from benchmarks.classroom import main


def test_a_small_class_follows_every_step_and_the_tally_counts_every_answer():
    result = main(["--students", "8", "--steps", "4", "--period", "0.1", "--graph-rate", "5"])
    assert result["error_count"] == 0, result["errors"]
    assert result["connect_failures"] == 0 and result["answers"] == 8
    assert result["tally_after_last_answer_ms"] < 5000
