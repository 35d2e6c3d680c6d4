"""Great-expectations suites that guard every published table, defined and reviewed as code.

Importing this package is cheap: great_expectations itself is imported only when a suite runs
(`expectations.runner`), never when the Dagster code location loads.
"""
