"""The checkout benchmark's count of commits that write (a flush to disk each)."""

from benchmarks.checkout_overhead import committed_writes


def test_a_transaction_counts_once_if_it_wrote_and_a_write_outside_one_counts_alone():
    statements = [
        "SELECT 1",
        "BEGIN",
        "SELECT 2",
        "COMMIT",  # read only: no flush
        "BEGIN",
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 2",
        "COMMIT",  # one flush for both
        "UPDATE t SET a = 3",  # autocommit: a flush of its own
        "BEGIN",
        "INSERT INTO t VALUES (5)",
        'SAVEPOINT "s1"',
        "DELETE FROM t",
        'ROLLBACK TO SAVEPOINT "s1"',  # the transaction goes on …
        "COMMIT",  # … and its insert is a flush
        "BEGIN",
        "DELETE FROM t",
        "ROLLBACK",  # nothing kept
        "  update t set a = 4",
    ]
    assert committed_writes(statements) == 4
    assert committed_writes([]) == 0
