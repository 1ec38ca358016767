/*-------------------------------------------------------------------------
 * locks.h
 *	  Transaction-scoped advisory locks on keys, in the extension's own lock
 *	  class (IDEM_LOCK_CLASS), so that they never collide with application
 *	  pg_advisory_lock numbers.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_LOCKS_H
#define IDEMPOTENCY_LOCKS_H

#include "keystore.h"

/* Wait modes for idem_lock_key */
#define IDEM_WAIT_LOCK_TIMEOUT	(-1)	/* wait as long as lock_timeout allows */
#define IDEM_WAIT_NEVER			0

extern uint64 idem_key_hash(const KeyId *id);
extern bool idem_lock_key(const KeyId *id, int64 wait_ms);
extern void idem_unlock_key(const KeyId *id);

#endif							/* IDEMPOTENCY_LOCKS_H */
