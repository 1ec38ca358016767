/*-------------------------------------------------------------------------
 * xact.c
 *	  Refuses to commit (or PREPARE) a transaction that still holds a claim
 *	  without a lease that it neither completed nor released.
 *
 *	  Each claim without a lease is remembered in a list that lives in
 *	  TopTransactionContext and is forgotten at every transaction end.  At
 *	  pre-commit each remembered key is read back: if this transaction's row
 *	  is still in_progress without a lease, the commit fails with IK005.
 *	  Claims made in a rolled-back subtransaction have no row any more and
 *	  pass.  Nothing here is session state, so transaction pooling is safe.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "idempotency.h"
#include "keystore.h"
#include "xact.h"

static List *xact_claims = NIL;

/* Remembers a claim without a lease made by the current transaction. */
void
idem_xact_remember_claim(const KeyId *id)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	KeyId	   *copy = palloc(sizeof(KeyId));

	copy->owner = id->owner;
	copy->scope = (text *) pg_detoast_datum_copy((struct varlena *) id->scope);
	copy->key = (text *) pg_detoast_datum_copy((struct varlena *) id->key);
	xact_claims = lappend(xact_claims, copy);
	MemoryContextSwitchTo(old);
}

/* Raises IK005 if a remembered claim is still open. */
static void
xact_check_claims(bool prepare)
{
	KeyStore	ks;
	ListCell   *lc;

	/* Dropped in this very transaction: its keys went with it. */
	if (!OidIsValid(ks_relid_if_exists()))
		return;
	ks_open(&ks);
	foreach(lc, xact_claims)
	{
		KeyId	   *id = (KeyId *) lfirst(lc);
		KeyRow		row;

		if (!ks_fetch(&ks, id, KS_LATEST, false, &row) || !row.own)
			continue;
		if (row.nulls[Anum_keys_lease_expires_at - 1] &&
			KR_TEXT_EQ(&row, Anum_keys_state, cstring_to_text("in_progress")))
			ereport(ERROR,
					(errcode(ERRCODE_IDEM_CLAIM_NOT_FINISHED),
					 errmsg("cannot %s a transaction that claimed idempotency key \"%s\" without completing or releasing it",
							prepare ? "prepare" : "commit",
							text_to_cstring(id->key)),
					 errdetail("Committing would leave the key claimed with no result, and a retry would redo the work."),
					 errhint("Call idempotency.complete() or idempotency.release() before COMMIT, or claim with a lease.")));
	}
	ks_close(&ks);
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (xact_claims != NIL)
				xact_check_claims(event == XACT_EVENT_PRE_PREPARE);
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			xact_claims = NIL;	/* its memory goes with TopTransactionContext */
			break;
		default:
			break;
	}
}

/* Registers the transaction callback; called once from _PG_init. */
void
idem_xact_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
}
