"""The command line's exit codes, one definition for every subcommand (`python -m network ...`).

README "Command line" documents them; scripts and CI rely on them, so they never change meaning.
"""

EXIT_OK = 0
EXIT_STALE = 1  # schema --check: the checked-in JSON Schema differs from the scenario's model
EXIT_BAD_INPUT = 2  # bad input or a store failure: one line per problem
EXIT_INFEASIBLE = 3  # no design meets the scenario (with the explanation)
EXIT_NO_SOLUTION = 4  # the time limit ended the search before any design
EXIT_CHECK_FAILED = 5  # evaluate() rejected the optimizer's design: a defect, nothing written
EXIT_INTERRUPTED = 130  # sweep: Ctrl-C, the points finished so far are written
