"""Source connectors: one module per source system.

Pure Python on `requests`; nothing here imports Dagster, `pipelines` or `expectations`.
Every connector yields `Batch`es (see `connectors.base`): parsed, pseudonymised rows per raw
table, the records it had to reject, and the cursor state that covers them.
"""
