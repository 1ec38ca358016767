/*-------------------------------------------------------------------------
 * xact.h
 *	  The end-of-transaction rule: a transaction that claimed a key without
 *	  a lease must complete or release it before it commits or prepares.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_XACT_H
#define IDEMPOTENCY_XACT_H

#include "keystore.h"

extern void idem_xact_init(void);
extern void idem_xact_remember_claim(const KeyId *id, ItemPointer tid);
extern bool idem_xact_claim_row(const KeyId *id, ItemPointer tid);
extern void idem_xact_finish_claim(const KeyId *id);
extern bool idem_same_key(const KeyId *a, const KeyId *b);
extern void idem_xact_refuse_commit(const KeyId *id, bool prepare, bool routed);

#endif							/* IDEMPOTENCY_XACT_H */
