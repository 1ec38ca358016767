/*-------------------------------------------------------------------------
 * fingerprint.h
 *	  The digest a 1.1 key table stores for a request's fingerprint, shared
 *	  by every key store (fingerprint.c).
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_FINGERPRINT_H
#define IDEMPOTENCY_FINGERPRINT_H

#include "postgres.h"

/*
 * Characters of the digest a 1.1 key table stores for a fingerprint: 96
 * bits in base64url, as long on disk as the 16 bytes of a bytea (the column
 * stays text, as in 1.0: an update never changes a type a client reads).
 */
#define IDEM_FINGERPRINT_DIGEST_LEN 16

/* The constraint that marks a key table whose fingerprints are digests */
#define IDEM_FINGERPRINT_DIGEST_CHECK "idempotency_keys_fingerprint_check"

extern text *idem_fingerprint_digest(const char *data, int len);
extern Datum idem_fingerprint_value(text *fingerprint);

#endif							/* IDEMPOTENCY_FINGERPRINT_H */
