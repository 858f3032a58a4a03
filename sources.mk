# The core's sources, listed once: Makefile.am includes this file, and
# fuzz/Makefile, bench/Makefile, bench/*.sh and scripts/check-dist.sh read
# it.  Keep each list on one line (the shell scripts read it with sed).
CORE_SRCS = lib/approov_outcome.c lib/approov_base64.c lib/approov_envfile.c lib/approov_json.c lib/approov_keys.c lib/approov_token.c lib/approov_sfv.c lib/approov_msgsig.c lib/approov_claims.c lib/approov_token_cache.c lib/approov_replay.c lib/approov_sdk_status.c lib/approov_jwks.c
CORE_HDRS = lib/approov_outcome.h lib/approov_base64.h lib/approov_envfile.h lib/approov_json.h lib/approov_keys.h lib/approov_token.h lib/approov_sfv.h lib/approov_msgsig.h lib/approov_claims.h lib/approov_token_cache.h lib/approov_replay.h lib/approov_sdk_status.h lib/approov_jwks.h
# Functions only the tool, the tests, the fuzzers and the benchmarks use:
# linked into them, never into the module.
CORE_TOOL_SRCS = lib/approov_mint.c
CORE_TOOL_HDRS = lib/approov_mint.h
