/*-------------------------------------------------------------------------
 * fingerprint.c
 *	  The digest a 1.1 key table stores in place of a request's fingerprint,
 *	  for every key store (keystore.h's fingerprint_value), and the SQL
 *	  function that gives it to the update from 1.0.  No state, no locks.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "fingerprint.h"

PG_FUNCTION_INFO_V1(idempotency_fingerprint_digest);

/*
 * The digest a 1.1 key table stores for a fingerprint: 96 bits of two
 * 64-bit hashes of its bytes with different seeds, as 16 base64url
 * characters.  A fingerprint tells a key reused for another request; like
 * once()'s own fingerprint it uses PostgreSQL's fast hash, not a
 * cryptographic one.
 */
text *
idem_fingerprint_digest(const char *data, int len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	text	   *out = palloc(VARHDRSZ + IDEM_FINGERPRINT_DIGEST_LEN);
	char	   *p = VARDATA(out);
	uint64		h0,
				h1;

	StaticAssertStmt(IDEM_FINGERPRINT_DIGEST_LEN == 16,
					 "a digest is 96 bits in 16 characters of 6 bits");
	h0 = hash_bytes_extended((const unsigned char *) data, len, UINT64CONST(0x4944454d46503031));
	h1 = hash_bytes_extended((const unsigned char *) data, len, UINT64CONST(0x4944454d46503032));
	/* 10 characters from h0's 60 high bits, 6 from its last 4 and h1's 32 */
	for (int i = 0; i < 10; i++)
		p[i] = alphabet[(h0 >> (58 - 6 * i)) & 63];
	h1 = ((h0 & 15) << 32) | (h1 >> 32);
	for (int i = 0; i < 6; i++)
		p[10 + i] = alphabet[(h1 >> (30 - 6 * i)) & 63];
	SET_VARSIZE(out, VARHDRSZ + IDEM_FINGERPRINT_DIGEST_LEN);
	return out;
}

/*
 * idem_fingerprint_value: what a key table that stores digests holds for a
 * fingerprint given as text, (Datum) 0 for none (NULL).
 */
Datum
idem_fingerprint_value(text *fingerprint)
{
	if (fingerprint == NULL)
		return (Datum) 0;
	return PointerGetDatum(idem_fingerprint_digest(VARDATA_ANY(fingerprint),
												   VARSIZE_ANY_EXHDR(fingerprint)));
}

/*
 * idempotency.fingerprint_digest(text) -> text: the digest a 1.1 key table
 * stores for a fingerprint (the upgrade from 1.0 converts with it).
 */
Datum
idempotency_fingerprint_digest(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(idem_fingerprint_digest(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}
