/*-------------------------------------------------------------------------
 * xact.h
 *	  The end-of-transaction rule: a transaction that claimed a key without
 *	  a lease must complete or release it before it commits or prepares.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_XACT_H
#define IDEMPOTENCY_XACT_H

#include "datatype/timestamp.h"

#include "keystore.h"

/* What the row of a pending claim (written at its completion) will hold */
typedef struct IdemPending
{
	text	   *fingerprint;	/* the fingerprint column's value (text in a 1.0
								 * table, its digest in 1.1), NULL: none */
	TimestampTz created_at;
	TimestampTz expires_at;
} IdemPending;

extern void idem_xact_init(void);
extern void idem_xact_remember_claim(const KeyId *id, ItemPointer tid);
extern void idem_xact_remember_pending(const KeyId *id, const IdemPending *pend);
extern bool idem_xact_own_claim(const KeyId *id, ItemPointer tid, IdemPending **pend);
extern IdemPending *idem_xact_pending(const KeyId *id);
extern void idem_xact_set_pending_fingerprint(const KeyId *id, Datum fingerprint);
extern void idem_xact_finish_claim(const KeyId *id);
extern int	idem_xact_claim_count(void);
extern bool idem_same_key(const KeyId *a, const KeyId *b);
extern void idem_xact_refuse_commit(const KeyId *id, bool prepare, bool routed);

#endif							/* IDEMPOTENCY_XACT_H */
