# The core's sources, listed once: Makefile.am includes this file, and
# fuzz/Makefile, bench/Makefile, bench/*.sh and scripts/check-dist.sh read
# it.  Keep each list on one line (the shell scripts read it with sed).
CORE_SRCS = core/approov_token.c core/approov_keys.c core/approov_sfv.c core/approov_msgsig.c core/approov_claims.c core/approov_token_cache.c
CORE_HDRS = core/approov_token.h core/approov_sfv.h core/approov_msgsig.h core/approov_claims.h core/approov_token_cache.h
