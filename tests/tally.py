"""The closing line of a Python test runner, "SUITE: N passed, N failed,
N skipped in T s", that tools/run-tests.sh adds up. Shared by
tests/integration/run.py and tests/tools/run.py."""
import sys
import time
import unittest


def run_and_tally(suite_name, suite):
    """Runs `suite` verbosely, prints the tally line, and returns the exit
    status: 0 when something ran and nothing failed. A test method counts
    once, however many of its subTests failed."""
    started = time.time()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failing = {getattr(t, "test_case", t).id() for t, _ in result.failures + result.errors}
    failed = len(failing) + len(result.unexpectedSuccesses)
    # A setUpClass that failed is one failure, but no test of its class ran:
    # it comes off no passed count.
    holders = {t.id() for t, _ in result.errors if isinstance(t, unittest.suite._ErrorHolder)}
    passed = result.testsRun - (failed - len(holders)) - len(result.skipped)
    print(f"{suite_name}: {passed} passed, {failed} failed, {len(result.skipped)} skipped "
          f"in {time.time() - started:.1f} s")
    return 0 if failed == 0 and result.testsRun > 0 else 1
