/*-------------------------------------------------------------------------
 * locks.c
 *	  The advisory lock that serialises every writer of one key.
 *
 *	  The lock tag is (database, 64-bit hash of owner/scope/key, lock class
 *	  IDEM_LOCK_CLASS), held in ExclusiveLock mode until the end of the
 *	  transaction.  Two keys whose hashes collide share a lock: that costs a
 *	  wait, never correctness, since the key table's primary key decides
 *	  which row a claim reads and writes.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "common.h"
#include "locks.h"
#include "stats.h"

/*
 * idem_key_hash is the 64-bit hash of (owner, scope, key) that is id's lock
 * tag, computed at the first call and kept in id: a cache, which is why it
 * writes through a const pointer.
 */
uint64
idem_key_hash(const KeyId *id)
{
	KeyId	   *mut = (KeyId *) id;
	uint64		h;

	if (id->hashed)
		return id->hash;
	h = hash_bytes_extended((const unsigned char *) VARDATA_ANY(id->scope),
							VARSIZE_ANY_EXHDR(id->scope), (uint64) id->owner);
	mut->hash = hash_bytes_extended((const unsigned char *) VARDATA_ANY(id->key),
									VARSIZE_ANY_EXHDR(id->key), h);
	mut->hashed = true;
	return mut->hash;
}

static void
lk_tag(LOCKTAG *tag, const KeyId *id)
{
	uint64		h = idem_key_hash(id);

	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h,
						 IDEM_LOCK_CLASS);
}

/*
 * Waits at most timeout_ms for the lock.  The wait runs in an internal
 * subtransaction with lock_timeout lowered, so that deadlock detection and
 * the lock queue's order are those of any lock wait; a lock timeout is
 * caught and reported as "not acquired", every other error propagates.
 * On success the lock passes to the enclosing transaction.
 */
static bool
lk_acquire_within(const LOCKTAG *tag, int64 timeout_ms)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool acquired = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);

	PG_TRY();
	{
		char		buf[32];
		int			nestlevel = NewGUCNestLevel();

		snprintf(buf, sizeof(buf), "%lld", (long long) timeout_ms);
		(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) LockAcquire(tag, ExclusiveLock, false, false);
		AtEOXact_GUC(false, nestlevel);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		/*
		 * The subtransaction handed the lock to the enclosing transaction's
		 * resource owner.  Move it to the caller's, as a lock taken without
		 * waiting would be, so that idem_unlock_key can give it back.
		 */
		(void) LockAcquire(tag, ExclusiveLock, false, true);
		CurrentResourceOwner = CurTransactionResourceOwner;
		(void) LockRelease(tag, ExclusiveLock, false);
		CurrentResourceOwner = oldowner;
		acquired = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		FreeErrorData(edata);
	}
	PG_END_TRY();

	return acquired;
}

/*
 * Waits for the lock as long as lock_timeout allows, counting the wait (a
 * timeout, 55P03, also as a lock timeout) before any error goes on.
 */
static void
lk_acquire_waiting(const LOCKTAG *tag, const KeyId *id, TimestampTz start)
{
	PG_TRY();
	{
		(void) LockAcquire(tag, ExclusiveLock, false, false);
	}
	PG_CATCH();
	{
		idem_stats_note_wait(id, GetCurrentTimestamp() - start,
							 geterrcode() == ERRCODE_LOCK_NOT_AVAILABLE);
		PG_RE_THROW();
	}
	PG_END_TRY();
	idem_stats_note_wait(id, GetCurrentTimestamp() - start, false);
}

/*
 * idem_lock_key takes the key's lock for the rest of the transaction.
 * wait_ms: IDEM_WAIT_LOCK_TIMEOUT waits as long as lock_timeout allows (a
 * timeout raises 55P03 as any lock wait would); IDEM_WAIT_NEVER only tries;
 * a positive value waits at most that long (or lock_timeout, if shorter).
 * Returns whether the lock is held.  Deadlocks raise 40P01.  A wait for
 * another transaction is counted (stats.c).
 */
bool
idem_lock_key(const KeyId *id, int64 wait_ms)
{
	LOCKTAG		tag;
	TimestampTz start;
	bool		acquired;

	lk_tag(&tag, id);

	/* Uncontended or already ours: no wait, no subtransaction. */
	if (LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL)
		return true;
	if (wait_ms == IDEM_WAIT_NEVER)
		return false;

	start = GetCurrentTimestamp();
	if (wait_ms == IDEM_WAIT_LOCK_TIMEOUT)
	{
		lk_acquire_waiting(&tag, id, start);
		return true;
	}

	if (LockTimeout > 0 && LockTimeout < wait_ms)
		wait_ms = LockTimeout;
	acquired = lk_acquire_within(&tag, wait_ms);
	idem_stats_note_wait(id, GetCurrentTimestamp() - start, !acquired);
	return acquired;
}

/*
 * idem_unlock_key undoes one idem_lock_key of this transaction: a claim
 * that came to own nothing (a replay, or a key held by someone else) does
 * not keep others waiting.  A lock this transaction took for an earlier
 * claim of the same key (or of a key sharing its hash) stays held.
 */
void
idem_unlock_key(const KeyId *id)
{
	LOCKTAG		tag;

	lk_tag(&tag, id);
	(void) LockRelease(&tag, ExclusiveLock, false);
}
