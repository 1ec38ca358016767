/*-------------------------------------------------------------------------
 * ks_choose.c
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
#include "ks_choose.h"
#include "ks_citus.h"
#include "ks_heap.h"

static KsTarget *ks_target = NULL;

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

	ks_init(ks, ks_chosen(), lockmode);
	ks->routine->open(ks, target);
	if (target == NULL)
		ks_citus_refuse_plain(ks_relid());	/* never read a Citus shell */
}

/*
 * idem_key_id makes the identity of key in scope for owner, in the key table
 * of the running call: a routed one (ks_enter) or the plain one.
 */
void
idem_key_id(KeyId *id, Oid owner, text *scope, text *key)
{
	ks_key_id_init(id, ks_target != NULL ? ks_target->table : InvalidOid,
				   owner, scope, key);
}
