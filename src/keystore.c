/*-------------------------------------------------------------------------
 * keystore.c
 *	  Chooses the key store of each ks_open (keystore.h): the plain key
 *	  table (ks_heap.c), or, inside a routed entry point of Citus
 *	  (citus.c), the routed key table it entered (ks_citus.c).  Nothing
 *	  else here: the operations are the chosen store's.
 *
 *	  The target is backend-local and lives for one call: an entry point
 *	  that enters one restores the previous with PG_FINALLY (ks_leave), so
 *	  it never outlives the call, even on error.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "keystore.h"
#include "ks_citus.h"
#include "ks_heap.h"

KsTarget   *ks_target = NULL;

/*
 * ks_enter makes target (NULL: the plain key table) the store of every
 * ks_open until ks_leave; returns the target it replaces, which the caller
 * gives back to ks_leave.
 */
KsTarget *
ks_enter(KsTarget *target)
{
	KsTarget   *previous = ks_target;

	ks_target = target;
	return previous;
}

void
ks_leave(KsTarget *previous)
{
	ks_target = previous;
}

/* ks_chosen: the store that ks_open opens now. */
const KeyStoreRoutine *
ks_chosen(void)
{
	return ks_target != NULL ? ks_target->routine : &ks_heap_routine;
}

/*
 * ks_open opens the chosen store as ks with lockmode (RowExclusiveLock to
 * write, AccessShareLock to read only).  ks_close (any store) closes it.
 * The plain table is refused where Citus made it unusable (ks_citus.c).
 */
void
ks_open_mode(KeyStore *ks, LOCKMODE lockmode)
{
	KsTarget   *target = ks_target;

	ks->routine = ks_chosen();
	ks->lockmode = lockmode;
	ks->reuse_scan = false;
	ks->next_fetch = NULL;
	ks->state = NULL;
	ks->routine->open(ks, target);
	if (target == NULL)
		ks_citus_refuse_plain(ks_relid());	/* never read a Citus shell */
}
