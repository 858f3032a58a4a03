# The core's sources, listed once: Makefile.am includes this file, and
# fuzz/Makefile, bench/Makefile, bench/*.sh and scripts/check-dist.sh read
# it.  Keep each list on one line (the shell scripts read it with sed).
CORE_SRCS = core/approov_outcome.c core/approov_base64.c core/approov_envfile.c core/approov_json.c core/approov_keys.c core/approov_token.c core/approov_sfv.c core/approov_msgsig.c core/approov_claims.c core/approov_token_cache.c
CORE_HDRS = core/approov_outcome.h core/approov_base64.h core/approov_envfile.h core/approov_json.h core/approov_keys.h core/approov_token.h core/approov_sfv.h core/approov_msgsig.h core/approov_claims.h core/approov_token_cache.h
# Functions only the tool, the tests, the fuzzers and the benchmarks use:
# linked into them, never into the module.
CORE_TOOL_SRCS = core/approov_mint.c
CORE_TOOL_HDRS = core/approov_mint.h
