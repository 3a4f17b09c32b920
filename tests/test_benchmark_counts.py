"""The checkout benchmark's count of commits that write (a flush to disk each), and the time
it takes out of a request for the sandbox's work."""

from benchmarks.checkout_overhead import SandboxWork, committed_writes


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


def test_the_sandbox_s_work_counts_once_where_threads_overlap_and_only_within_the_request():
    work = SandboxWork()
    work.intervals = [(1.0, 2.0), (1.5, 2.5), (3.0, 3.5), (0.0, 0.5), (4.0, 6.0)]
    # 1.0 to 2.5 once (two threads side by side), 3.0 to 3.5, and 4.0 to 5.0 of the last one
    assert abs(work.covered(0.8, 5.0) - 3.0) < 1e-9
    assert work.covered(6.5, 7.0) == 0.0
