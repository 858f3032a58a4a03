/*
 * approov_replay.h: what replay protection stores for a valid message
 * signature, and until when.
 *
 * A signature that verified is accepted once: the glue stores its identity
 * in a shared cache (ap_socache) until the signature could no longer be
 * accepted anyway, and refuses it when the identity is already there.
 * This unit computes both, with no httpd header and no I/O.
 *
 * The identity is SHA-256 over the label ("install", "account"), the key's
 * identity (the token's ipk claim as sent, or the account key's mskid) and
 * the signature normalised so that every form that verifies has one
 * identity: an ECDSA signature (r, s) has a twin (r, n - s) that verifies
 * just as well, so s is taken in the low half (s <= n / 2); an HMAC has one
 * form and is taken as it is.  Each part is length-prefixed, so no two
 * different inputs hash the same bytes.
 *
 * Layer 3 of the core (see lib/README.md): includes approov_msgsig.h
 * (for approov_msgsig_t and the install label).
 */
#ifndef APPROOV_REPLAY_H
#define APPROOV_REPLAY_H

#include <apr.h>
#include <apr_time.h>

#include "approov_msgsig.h"

/* The identity's length: a SHA-256 digest. */
#define APPROOV_REPLAY_ID_LEN 32

/* How a signature's bytes are normalised. */
typedef enum {
    APPROOV_REPLAY_ECDSA_P256 = 1,  /* 64 bytes r||s; s taken <= n / 2 */
    APPROOV_REPLAY_HMAC = 2         /* the MAC as it is */
} approov_replay_alg_e;

/*
 * Write the identity of a valid signature into id (APPROOV_REPLAY_ID_LEN
 * bytes).  label: the Signature member ("install", "account"); key_id,
 * key_id_len: the key's identity (the ipk claim's bytes, or the mskid);
 * sig, sig_len: the decoded signature.  Returns 0 when it cannot be
 * computed: NULL arguments, an ECDSA signature that is not 64 bytes, an
 * unknown alg, or OpenSSL failing; 1 otherwise.
 */
int approov_replay_identity(const char *label, const unsigned char *key_id,
                            apr_size_t key_id_len, approov_replay_alg_e alg,
                            const unsigned char *sig, apr_size_t sig_len,
                            unsigned char id[APPROOV_REPLAY_ID_LEN]);

/*
 * The moment from which a signature with these times can no longer be
 * accepted, so its identity may be forgotten: created + max_age + skew, or
 * expires + skew when that is sooner (negative max_age or skew count as 0,
 * as approov_msgsig_verify() takes them).  approov_msgsig_verify() compares
 * whole seconds, so a signature is accepted until created + max_age + 1:
 * with a skew of 0, created + max_age + 1.  Without created (no signature
 * that verified lacks it), expires + skew; with neither, 0.
 */
apr_time_t approov_replay_expiry(int has_created, apr_int64_t created,
                                 int has_expires, apr_int64_t expires,
                                 apr_int64_t max_age_seconds,
                                 apr_int64_t skew_seconds);

/* The same for what approov_msgsig_verify() filled in. */
apr_time_t approov_replay_expiry_of(const approov_msgsig_t *sig,
                                    apr_int64_t max_age_seconds,
                                    apr_int64_t skew_seconds);

#endif /* APPROOV_REPLAY_H */
