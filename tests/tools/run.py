#!/usr/bin/env python3
"""Runs the tests of the shell tools (tests/tools/test_*.py, found by
discovery: a new file runs without being listed anywhere) and ends with the
line "tools: N passed, N failed". They need no server: each builds a scratch
tree with stub commands where the real ones would change the machine.
"""
import os
import sys
import time
import unittest


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    names = sys.argv[1:]
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromNames(names) if names else loader.discover(here, pattern="test_*.py")
    started = time.time()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    # A test method counts once, however many of its subTests failed.
    failing = {getattr(t, "test_case", t).id() for t, _ in result.failures + result.errors}
    failed = len(failing) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"tools: {passed} passed, {failed} failed, {len(result.skipped)} skipped "
          f"in {time.time() - started:.1f} s")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
