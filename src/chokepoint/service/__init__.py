"""The use cases of chokepoint, shared by the command line, the API and the web UI.

Each function takes a store and plain arguments and returns domain results; the
CLI (:mod:`chokepoint.cli`) and the API (:mod:`chokepoint.api`) are thin adapters
over them, so the same request gives the same answer both ways. One module per
capability:

========================  ==========================================================
``perspective``           the perspective of a request: stored default plus overrides
``projects``              import, export, summary, rename, delete of chain maps
``assessment``            chokepoint assessment of a project
``lists``                 policy lists and the stored joint R&D tasks
``scenarios``             scenarios: run, over time, sweeps, Monte Carlo, saved ones
``monitoring``            reported data, rules, monitor runs, alerts, snapshots
``users``                 users, bindings and the checks of who may do what
``matching``              challenges, bids, profiles and solver ranking
``trade``                 trade-flow datasets and dependency indicators
``macro``                 input-output datasets, linkages, extraction, shocks
========================  ==========================================================
"""
