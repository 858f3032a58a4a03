/*
 * approov_outcome.h: what a verification can conclude.
 *
 * Layer 0 of the core (see core/README.md): includes no core header.
 */
#ifndef APPROOV_OUTCOME_H
#define APPROOV_OUTCOME_H

typedef enum {
    APPROOV_VALID = 0,
    APPROOV_MISSING,        /* no token, or an empty one */
    APPROOV_TOO_LONG,       /* longer than APPROOV_TOKEN_MAX_LEN */
    APPROOV_BAD_PREFIX,     /* the header lacks the configured prefix */
    APPROOV_MALFORMED,      /* not three strict base64url segments, or an
                             * ECDSA signature that is not r||s */
    APPROOV_BAD_HEADER,     /* JOSE header not a strict JSON object, or crit */
    APPROOV_BAD_ALG,        /* alg missing, not a string, or not the key's */
    APPROOV_BAD_SIGNATURE,  /* signature of the wrong length or value */
    APPROOV_BAD_PAYLOAD,    /* payload not a strict JSON object */
    APPROOV_BAD_EXP,        /* exp missing, not a number, or out of range */
    APPROOV_BAD_NBF,        /* nbf not a number, or out of range */
    APPROOV_EXPIRED,        /* now >= exp + leeway */
    APPROOV_NOT_YET_VALID,  /* now < nbf - leeway */
    APPROOV_NO_BINDING_HEADER, /* a header the token is bound to is absent */
    APPROOV_NO_PAY,         /* binding required, but the token has no pay */
    APPROOV_BAD_PAY,        /* pay is not a string */
    APPROOV_PAY_MISMATCH,   /* pay does not match the bound headers */
    APPROOV_UNKNOWN_KID,    /* the token's kid names no configured key */
    APPROOV_NO_KID,         /* no kid, and no single key without a kid */
    APPROOV_NO_KEY,         /* no key configured: a configuration fault */
    APPROOV_RESULT_COUNT
} approov_result_e;

/* The stable, log-friendly name of a result code ("valid", "expired", ...). */
const char *approov_result_name(approov_result_e result);

#endif /* APPROOV_OUTCOME_H */
