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
 *	  A claim may also be pending: claim_batch claims a new key without
 *	  writing its row, and remembers here what the row will hold;
 *	  complete() then writes the completed row at once, release() writes
 *	  nothing, and a pending claim still open at pre-commit fails it without
 *	  a look at the table.
 *	  A transaction that claims many keys (claim_batch) also finds its claims
 *	  through a hash table on the key's hash, built once the list grows past
 *	  a few entries, so that each complete() does not scan every claim.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "common.h"
#include "keystore.h"
#include "ks_heap.h"
#include "locks.h"
#include "stats.h"
#include "xact.h"

typedef struct XactClaim
{
	KeyId		id;				/* copies in TopTransactionContext */
	bool		gone;			/* forgotten: its subtransaction rolled back */
	ItemPointerData tid;		/* the in_progress row the claim wrote */
	bool		pending;		/* no row written yet: see below */
	IdemPending pend;			/* a pending claim's row-to-be (copies) */
	SubTransactionId claimed_in;	/* subtransaction of the claim */
	SubTransactionId finished_in;	/* of complete()/release(), or Invalid */
	SubTransactionId fingerprint_set_in;	/* of a later claim that gave a
											 * pending claim its fingerprint */
	List	   *saved;			/* XactClaimState: the rows that later claims
								 * of the key in subtransactions replaced,
								 * newest last, for their rollback */
} XactClaim;

/*
 * The row of a claim before a claim of the same key in subtransaction subid
 * replaced it (an expired row of the claim's own, which the later claim
 * deleted and claimed afresh).  Only a claim with a row is ever replaced (a
 * claim of a pending one goes through idem_xact_pending), so this is a row
 * position.  A rollback of that subtransaction brings the row back, and the
 * claim returns to it.
 */
typedef struct XactClaimState
{
	SubTransactionId subid;
	ItemPointerData tid;
} XactClaimState;

/* The claims of one key hash, oldest first */
typedef struct XactClaimBucket
{
	uint64		hash;
	List	   *claims;
} XactClaimBucket;

/* With this many claims or more, they are also found through xact_index. */
#define XACT_INDEX_MIN 16

static List *xact_claims = NIL;
static HTAB *xact_index = NULL;	/* in TopTransactionContext, or NULL */

/* idem_same_key tells whether a and b name the same key of the same table. */
bool
idem_same_key(const KeyId *a, const KeyId *b)
{
	return a->owner == b->owner && a->table == b->table &&
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

	if (xact_index != NULL)
	{
		uint64		hash = idem_key_hash(id);
		XactClaimBucket *b = hash_search(xact_index, &hash, HASH_FIND, NULL);

		if (b == NULL)
			return NULL;
		for (i = list_length(b->claims) - 1; i >= 0; i--)
		{
			XactClaim  *c = (XactClaim *) list_nth(b->claims, i);

			if (!c->gone && c->finished_in == InvalidSubTransactionId &&
				idem_same_key(&c->id, id))
				return c;
		}
		return NULL;
	}
	for (i = list_length(xact_claims) - 1; i >= 0; i--)
	{
		XactClaim  *c = (XactClaim *) list_nth(xact_claims, i);

		if (c->finished_in == InvalidSubTransactionId && idem_same_key(&c->id, id))
			return c;
	}
	return NULL;
}

/* Adds c to xact_index; in TopTransactionContext. */
static void
xact_index_add(XactClaim *c)
{
	bool		found;
	uint64		hash = idem_key_hash(&c->id);
	XactClaimBucket *b = hash_search(xact_index, &hash, HASH_ENTER, &found);

	if (!found)
		b->claims = NIL;
	b->claims = lappend(b->claims, c);
}

/* Builds xact_index from xact_claims; in TopTransactionContext. */
static void
xact_index_build(void)
{
	HASHCTL		ctl;
	ListCell   *lc;

	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(XactClaimBucket);
	ctl.hcxt = TopTransactionContext;
	xact_index = hash_create("idempotency claims of the transaction", 256, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	foreach(lc, xact_claims)
		xact_index_add((XactClaim *) lfirst(lc));
}

/*
 * Remembers a claim without a lease, whose row is at tid, or pending (pend
 * given, tid NULL).
 */
static void
xact_remember(const KeyId *id, ItemPointer tid, const IdemPending *pend)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	XactClaim  *c = xact_find_open(id);
	bool		again = (c != NULL);	/* claimed again: same claim */

	if (!again)
	{
		c = palloc(sizeof(XactClaim));
		c->id = *id;
		c->id.scope = (text *) pg_detoast_datum_copy((struct varlena *) id->scope);
		c->id.key = (text *) pg_detoast_datum_copy((struct varlena *) id->key);
		c->gone = false;
		c->claimed_in = GetCurrentSubTransactionId();
		c->finished_in = InvalidSubTransactionId;
		c->fingerprint_set_in = InvalidSubTransactionId;
		c->saved = NIL;
	}
	else
	{
		SubTransactionId subid = GetCurrentSubTransactionId();
		XactClaimState *last = c->saved ? (XactClaimState *) llast(c->saved) : NULL;

		Assert(!c->pending);	/* see XactClaimState */
		/* the state a rollback of this subtransaction returns to: its first */
		if (subid != c->claimed_in && (last == NULL || last->subid != subid))
		{
			XactClaimState *st = palloc(sizeof(XactClaimState));

			st->subid = subid;
			st->tid = c->tid;
			c->saved = lappend(c->saved, st);
		}
	}
	c->pending = (tid == NULL);
	if (tid != NULL)
		c->tid = *tid;
	else
	{
		ItemPointerSetInvalid(&c->tid);
		c->pend = *pend;
		if (pend->fingerprint != NULL)
			c->pend.fingerprint = (text *) pg_detoast_datum_copy((struct varlena *) pend->fingerprint);
	}
	if (!again)
	{
		xact_claims = lappend(xact_claims, c);
		if (xact_index != NULL)
			xact_index_add(c);
		else if (list_length(xact_claims) >= XACT_INDEX_MIN)
			xact_index_build();
	}
	MemoryContextSwitchTo(old);
}

/* Remembers a claim without a lease, whose row is at tid. */
void
idem_xact_remember_claim(const KeyId *id, ItemPointer tid)
{
	xact_remember(id, tid, NULL);
}

/*
 * Remembers a pending claim of id, which holds no claim yet: a claim without
 * a lease whose row will be written only by its complete().
 */
void
idem_xact_remember_pending(const KeyId *id, const IdemPending *pend)
{
	xact_remember(id, NULL, pend);
}

/*
 * idem_xact_own_claim returns true if this transaction holds an unfinished
 * claim without a lease on id (whose lock it then holds until it ends),
 * with *pend its pending row-to-be, or NULL and *tid the row it wrote.
 */
bool
idem_xact_own_claim(const KeyId *id, ItemPointer tid, IdemPending **pend)
{
	XactClaim  *c = xact_find_open(id);

	*pend = NULL;
	if (c == NULL)
		return false;
	if (c->pending)
		*pend = &c->pend;
	else
		*tid = c->tid;
	return true;
}

/*
 * idem_xact_pending returns this transaction's unfinished pending claim of
 * id, or NULL.  Its fingerprint is set only through
 * idem_xact_set_pending_fingerprint.
 */
IdemPending *
idem_xact_pending(const KeyId *id)
{
	XactClaim  *c = xact_find_open(id);

	return (c != NULL && c->pending) ? &c->pend : NULL;
}

/*
 * idem_xact_set_pending_fingerprint gives this transaction's pending claim of
 * id (which has none yet) the fingerprint column's value fingerprint, as a
 * later claim of the key does; a rollback of the current subtransaction
 * takes it back, as it takes back the update of a claim's row.
 */
void
idem_xact_set_pending_fingerprint(const KeyId *id, Datum fingerprint)
{
	XactClaim  *c = xact_find_open(id);
	struct varlena *v = (struct varlena *) DatumGetPointer(fingerprint);

	if (c == NULL || !c->pending || c->pend.fingerprint != NULL)
		return;
	c->pend.fingerprint = (text *) MemoryContextAlloc(TopTransactionContext, VARSIZE_ANY(v));
	memcpy(c->pend.fingerprint, v, VARSIZE_ANY(v));
	c->fingerprint_set_in = GetCurrentSubTransactionId();
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
 * idem_xact_claim_count returns how many keys this transaction has claimed
 * without a lease: each of them holds its key's lock until the transaction
 * ends, finished or not.
 */
int
idem_xact_claim_count(void)
{
	return list_length(xact_claims);
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

		/* a routed key's claims (never pending) are checked by ks_citus.c */
		if (c->finished_in != InvalidSubTransactionId ||
			(OidIsValid(c->id.table) && !c->pending))
			continue;
		if (!opened)
		{
			/* Dropped in this very transaction: its keys went with it. */
			if (!OidIsValid(ks_relid_if_exists()))
				return;
			ks_heap_open(&ks, RowExclusiveLock);
			opened = true;
		}
		if (c->pending ||
			(ks_fetch(&ks, &c->id, KS_LATEST, false, &row) && row.own &&
			 row.nulls[Anum_keys_lease_expires_at - 1] &&
			 KR_TEXT_EQ(&row, Anum_keys_state, cstring_to_text("in_progress"))))
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
			/* their memory goes with TopTransactionContext */
			xact_claims = NIL;
			xact_index = NULL;
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
				{
					c->gone = true; /* for xact_index */
					xact_claims = foreach_delete_current(xact_claims, lc);
				}
				else
				{
					while (c->saved != NIL &&
						   ((XactClaimState *) llast(c->saved))->subid == mySubid)
					{
						XactClaimState *st = (XactClaimState *) llast(c->saved);

						c->pending = false;
						c->tid = st->tid;
						c->saved = list_delete_last(c->saved);
					}
					if (c->finished_in == mySubid)
						c->finished_in = InvalidSubTransactionId;
					if (c->fingerprint_set_in == mySubid)
					{
						c->pend.fingerprint = NULL;
						c->fingerprint_set_in = InvalidSubTransactionId;
					}
				}
			}
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			foreach(lc, xact_claims)
			{
				XactClaim  *c = (XactClaim *) lfirst(lc);
				XactClaimState *last;

				if (c->claimed_in == mySubid)
					c->claimed_in = parentSubid;
				if (c->finished_in == mySubid)
					c->finished_in = parentSubid;
				/*
				 * What this subtransaction replaced now counts as replaced
				 * by its parent; where the parent had replaced the claim
				 * already, its own earlier state is the one to go back to,
				 * and where the parent made the claim, there is none.
				 */
				last = c->saved ? (XactClaimState *) llast(c->saved) : NULL;
				if (last != NULL && last->subid == mySubid)
				{
					XactClaimState *prev = list_length(c->saved) > 1 ?
						(XactClaimState *) list_nth(c->saved, list_length(c->saved) - 2) : NULL;

					if ((prev != NULL && prev->subid == parentSubid) ||
						c->claimed_in == parentSubid)
						c->saved = list_delete_last(c->saved);
					else
						last->subid = parentSubid;
				}
				if (c->fingerprint_set_in == mySubid)
					c->fingerprint_set_in = parentSubid;
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
