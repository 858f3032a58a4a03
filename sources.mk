# The core's sources, listed once: Makefile.am includes this file, and
# fuzz/Makefile, bench/Makefile, bench/*.sh and scripts/check-dist.sh read
# it.  Keep each list on one line (the shell scripts read it with sed).
CORE_SRCS = approov_token.c approov_keys.c approov_sfv.c approov_msgsig.c approov_claims.c approov_token_cache.c
CORE_HDRS = approov_token.h approov_sfv.h approov_msgsig.h approov_claims.h approov_token_cache.h
