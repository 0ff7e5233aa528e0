#!/usr/bin/env python3
"""Runs the tests of the shell tools (tests/tools/test_*.py, found by
discovery: a new file runs without being listed anywhere) and ends with the
line "tools: N passed, N failed". They need no server: each builds a scratch
tree with stub commands where the real ones would change the machine.
"""
import os
import sys
import unittest


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    sys.path.insert(0, os.path.dirname(here))
    from tally import run_and_tally
    names = sys.argv[1:]
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromNames(names) if names else loader.discover(here, pattern="test_*.py")
    return run_and_tally("tools", suite)


if __name__ == "__main__":
    sys.exit(main())
