#!/usr/bin/env python3
"""Runs the integration tests against the site that tools/run-tests.sh
started, and ends with the line "integration: N passed, N failed".

Modules run in the order below, then every other test_*.py of this
directory (found here, so that a new file cannot be left out), then LAST:
the database outage, the pool crash, the soak (a minute of load with an
outage in it) and the 100,000-people scale test change shared state.
"""
import argparse
import importlib
import os
import sys
import unittest

MODULES = [
    "test_signin",
    "test_sessions",
    "test_people",
    "test_access_levels",
    "test_admin_tool",
    "test_schema_upgrade",
    "test_bearer_tokens",
    "test_collections",
    "test_install_hostile",
    "test_server_errors",
    "test_two_nodes",
    "test_https",
    "test_load_balancer",
    "test_www_host",
    "test_clients",
    "test_install",
]
LAST = ["test_database_outage", "test_pool_crash", "test_soak", "test_people_scale"]


def module_order(here):
    found = sorted(n[:-3] for n in os.listdir(here) if n.startswith("test_") and n.endswith(".py"))
    return ([m for m in MODULES if m in found] +
            [m for m in found if m not in MODULES and m not in LAST] +
            [m for m in LAST if m in found])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--var", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("only", nargs="*", help="module or module.Class.test names")
    args = parser.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    sys.path.insert(0, os.path.dirname(here))
    from tally import run_and_tally
    import site_client
    site_client.SITE = site_client.Site(args.base, args.var, args.root)

    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    if args.only:
        suite.addTests(loader.loadTestsFromNames(args.only))
    else:
        for name in module_order(here):
            suite.addTests(loader.loadTestsFromModule(importlib.import_module(name)))

    return run_and_tally("integration", suite)


if __name__ == "__main__":
    sys.exit(main())
