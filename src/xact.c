/*-------------------------------------------------------------------------
 * xact.c
 *	  Refuses to commit (or PREPARE) a transaction that still holds a claim
 *	  without a lease that it neither completed nor released.
 *
 *	  Each claim without a lease is remembered, with the position of the row
 *	  it wrote, in a list that lives in TopTransactionContext and is
 *	  forgotten at every transaction end.  complete() and release() mark the
 *	  claim finished in the subtransaction that called them.  Subtransaction
 *	  ends keep the list true: a claim made in a rolled-back subtransaction
 *	  is forgotten (its row is gone), a finish made in one is undone (the
 *	  row is in_progress again), and a released subtransaction hands both to
 *	  its parent.  At pre-commit only the claims still unfinished are read
 *	  back, and one still in_progress without a lease fails the commit with
 *	  IK005.  Nothing here is session state, so transaction pooling is safe.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "idempotency.h"
#include "keystore.h"
#include "stats.h"
#include "xact.h"

typedef struct XactClaim
{
	KeyId		id;				/* copies in TopTransactionContext */
	ItemPointerData tid;		/* the in_progress row the claim wrote */
	SubTransactionId claimed_in;	/* subtransaction of the claim */
	SubTransactionId finished_in;	/* of complete()/release(), or Invalid */
} XactClaim;

static List *xact_claims = NIL;

/* idem_same_key tells whether a and b name the same key. */
bool
idem_same_key(const KeyId *a, const KeyId *b)
{
	return a->owner == b->owner &&
		VARSIZE_ANY_EXHDR(a->key) == VARSIZE_ANY_EXHDR(b->key) &&
		VARSIZE_ANY_EXHDR(a->scope) == VARSIZE_ANY_EXHDR(b->scope) &&
		memcmp(VARDATA_ANY(a->key), VARDATA_ANY(b->key), VARSIZE_ANY_EXHDR(a->key)) == 0 &&
		memcmp(VARDATA_ANY(a->scope), VARDATA_ANY(b->scope), VARSIZE_ANY_EXHDR(a->scope)) == 0;
}

/* The remembered, still unfinished claim of id, or NULL (newest first). */
static XactClaim *
xact_find_open(const KeyId *id)
{
	int			i;

	for (i = list_length(xact_claims) - 1; i >= 0; i--)
	{
		XactClaim  *c = (XactClaim *) list_nth(xact_claims, i);

		if (c->finished_in == InvalidSubTransactionId && idem_same_key(&c->id, id))
			return c;
	}
	return NULL;
}

/* Remembers a claim without a lease, whose row is at tid. */
void
idem_xact_remember_claim(const KeyId *id, ItemPointer tid)
{
	MemoryContext old;
	XactClaim  *c = xact_find_open(id);

	if (c != NULL)
	{
		c->tid = *tid;			/* claimed again: same claim */
		return;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	c = palloc(sizeof(XactClaim));
	c->id.owner = id->owner;
	c->id.scope = (text *) pg_detoast_datum_copy((struct varlena *) id->scope);
	c->id.key = (text *) pg_detoast_datum_copy((struct varlena *) id->key);
	c->tid = *tid;
	c->claimed_in = GetCurrentSubTransactionId();
	c->finished_in = InvalidSubTransactionId;
	xact_claims = lappend(xact_claims, c);
	MemoryContextSwitchTo(old);
}

/*
 * idem_xact_claim_row returns true and the row position if this
 * transaction holds an unfinished claim without a lease on id.
 */
bool
idem_xact_claim_row(const KeyId *id, ItemPointer tid)
{
	XactClaim  *c = xact_find_open(id);

	if (c == NULL)
		return false;
	*tid = c->tid;
	return true;
}

/* Marks this transaction's claim on id (if any) completed or released. */
void
idem_xact_finish_claim(const KeyId *id)
{
	XactClaim  *c = xact_find_open(id);

	if (c != NULL)
		c->finished_in = GetCurrentSubTransactionId();
}

/*
 * idem_xact_refuse_commit counts, logs and raises IK005 for id, a claim
 * without a lease left open at commit (or PREPARE); routed tells a key of
 * the routed functions on Citus (ks_citus.c), which checks its own claims.
 */
void
idem_xact_refuse_commit(const KeyId *id, bool prepare, bool routed)
{
	idem_stats_count(IDEM_STAT_COMMITS_REFUSED, id);
	if (idem_log_refused_commits)
		idem_log_event(id, "refused commit",
					   prepare ? "PREPARE TRANSACTION without complete() or release()" :
					   "COMMIT without complete() or release()");
	ereport(ERROR,
			(errcode(ERRCODE_IDEM_CLAIM_NOT_FINISHED),
			 errmsg("cannot %s a transaction that claimed idempotency key \"%s\" without completing or releasing it",
					prepare ? "prepare" : "commit",
					text_to_cstring(id->key)),
			 errdetail("Committing would leave the key claimed with no result, and a retry would redo the work."),
			 routed ?
			 errhint("Call the routed complete() or release() before COMMIT, or claim with a lease.") :
			 errhint("Call idempotency.complete() or idempotency.release() before COMMIT, or claim with a lease.")));
}

/* Raises IK005 if a remembered claim is still open. */
static void
xact_check_claims(bool prepare)
{
	KeyStore	ks;
	ListCell   *lc;
	bool		opened = false;

	foreach(lc, xact_claims)
	{
		XactClaim  *c = (XactClaim *) lfirst(lc);
		KeyRow		row;

		if (c->finished_in != InvalidSubTransactionId)
			continue;
		if (!opened)
		{
			/* Dropped in this very transaction: its keys went with it. */
			if (!OidIsValid(ks_relid_if_exists()))
				return;
			ks_open(&ks);
			opened = true;
		}
		if (!ks_fetch(&ks, &c->id, KS_LATEST, false, &row) || !row.own)
			continue;
		if (row.nulls[Anum_keys_lease_expires_at - 1] &&
			KR_TEXT_EQ(&row, Anum_keys_state, cstring_to_text("in_progress")))
			idem_xact_refuse_commit(&c->id, prepare, false);
	}
	if (opened)
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

static void
xact_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (xact_claims == NIL)
		return;
	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			foreach(lc, xact_claims)
			{
				XactClaim  *c = (XactClaim *) lfirst(lc);

				if (c->claimed_in == mySubid)
					xact_claims = foreach_delete_current(xact_claims, lc);
				else if (c->finished_in == mySubid)
					c->finished_in = InvalidSubTransactionId;
			}
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			foreach(lc, xact_claims)
			{
				XactClaim  *c = (XactClaim *) lfirst(lc);

				if (c->claimed_in == mySubid)
					c->claimed_in = parentSubid;
				if (c->finished_in == mySubid)
					c->finished_in = parentSubid;
			}
			break;
		default:
			break;
	}
}

/* Registers the transaction callbacks; called once from _PG_init. */
void
idem_xact_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(xact_subxact_callback, NULL);
}
