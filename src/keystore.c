/*-------------------------------------------------------------------------
 * keystore.c
 *	  Reads and writes idempotency.idempotency_keys directly through the heap
 *	  and its indexes, without the executor, SPI or privilege checks: the
 *	  SQL-callable functions in api.c are the only gate, and they always act
 *	  for the calling role as owner.
 *
 *	  Locking: relations are opened with the caller's lock mode
 *	  (RowExclusiveLock to write, AccessShareLock to read).  Row versions are
 *	  written with heap_update/heap_delete waiting for concurrent writers; the
 *	  only concurrent writer the API admits is expiry (purge), so callers
 *	  treat TM_Deleted as "the row expired and went away".  Every write is
 *	  followed by CommandCounterIncrement so the next fetch sees it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "nodes/primnodes.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "keystore.h"
#include "ks_citus.h"

PG_FUNCTION_INFO_V1(idempotency_fingerprint_digest);

static Oid	ks_cached_relid = InvalidOid;
static bool ks_callback_registered = false;

/*
 * The key table's indexes as index_insert needs them, built once and kept
 * until the relcache entry of the table or of one of them is invalidated
 * (which CREATE INDEX, DROP INDEX, ALTER INDEX and any change of an index's
 * readiness do).  A partial index's predicate is kept as the column that
 * must not be NULL.  Only a B-tree's IndexInfo is kept across calls: other
 * index methods (GIN, GiST, BRIN) keep per-statement state in it
 * (ii_AmCache) that points into the index's relcache entry, so theirs is
 * built by each key store (ks_index_open).
 */
typedef struct KsIndex
{
	Oid			indexoid;
	IndexInfo  *info;			/* a B-tree's, or NULL: built per store */
	AttrNumber	notnull_attnum; /* the predicate's column, or 0: none */
} KsIndex;

static MemoryContext ks_index_cxt = NULL;
static KsIndex *ks_indexes = NULL;
static int	ks_nindexes = 0;
static bool ks_indexes_valid = false;
static uint64 ks_invalidations = 0;

/* Forgets what is cached of the table when it, one of its indexes, or the whole relcache is invalidated. */
static void
ks_relcache_callback(Datum arg, Oid relid)
{
	bool		ours = (relid == InvalidOid || relid == ks_cached_relid);

	for (int n = 0; n < ks_nindexes && !ours && ks_indexes_valid; n++)
		ours = (ks_indexes[n].indexoid == relid);
	if (ours)
	{
		ks_cached_relid = InvalidOid;
		ks_indexes_valid = false;
		ks_invalidations++;
	}
}

/*
 * ks_relid_if_exists returns the OID of idempotency.idempotency_keys, or
 * InvalidOid when the extension is not installed in this database.
 */
Oid
ks_relid_if_exists(void)
{
	if (!OidIsValid(ks_cached_relid))
	{
		Oid			nsp = get_namespace_oid("idempotency", true);

		if (!OidIsValid(nsp))
			return InvalidOid;
		if (!ks_callback_registered)
		{
			CacheRegisterRelcacheCallback(ks_relcache_callback, (Datum) 0);
			ks_callback_registered = true;
		}
		ks_cached_relid = get_relname_relid("idempotency_keys", nsp);
	}
	return ks_cached_relid;
}

/* ks_relid is ks_relid_if_exists, raising a clear error for "not installed". */
Oid
ks_relid(void)
{
	Oid			relid = ks_relid_if_exists();

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"idempotency\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION idempotency.")));
	return relid;
}

/*
 * ks_stores_digests tells whether heap, the key table, stores fingerprints
 * as digests (1.1: the update added the constraint that checks their
 * length) or as the text given (1.0).  The relcache has the table's check
 * constraints; the update's ALTER TABLE invalidates it.
 */
static bool
ks_stores_digests(Relation heap)
{
	TupleConstr *constr = RelationGetDescr(heap)->constr;

	if (constr == NULL)
		return false;
	for (int i = 0; i < constr->num_check; i++)
		if (strcmp(constr->check[i].ccname, IDEM_FINGERPRINT_DIGEST_CHECK) == 0)
			return true;
	return false;
}

/*
 * ks_open opens the key table and its primary key index with lockmode.
 * ks_close closes both, keeping the locks until end of transaction.
 */
void
ks_open_mode(KeyStore *ks, LOCKMODE lockmode)
{
	Oid			pkoid;

	ks->next_fetch = NULL;
	/* the seam: inside a routed entry point (citus.c), its Citus key table */
	if (ks_citus_current != NULL)
	{
		ks_citus_open(ks, lockmode);
		return;
	}
	ks->citus = NULL;
	ks->lockmode = lockmode;
	ks->mcxt = CurrentMemoryContext;
	ks->nindexes = 0;
	ks->maxindexes = 0;
	ks->indexes = NULL;
	ks->infos = NULL;
	ks->reuse_scan = false;
	ks->scan = NULL;
	ks->slot = NULL;
	ks->heap = table_open(ks_relid(), lockmode);
	ks_citus_refuse_plain(ks->heap);	/* never read a Citus shell */
	if (RelationGetDescr(ks->heap)->natts != Natts_keys)
		elog(ERROR, "idempotency.idempotency_keys has %d columns, expected %d",
			 RelationGetDescr(ks->heap)->natts, Natts_keys);
	ks->fingerprint_digest = ks_stores_digests(ks->heap);
	/* rd_pkindex is filled in by RelationGetIndexList */
	if (!ks->heap->rd_indexvalid)
		list_free(RelationGetIndexList(ks->heap));
	pkoid = ks->heap->rd_pkindex;
	if (!OidIsValid(pkoid))
		elog(ERROR, "idempotency.idempotency_keys has no primary key");
	ks->pkey = index_open(pkoid, lockmode);
}

void
ks_close(KeyStore *ks)
{
	int			i;

	if (ks->citus)
		return;
	if (ks->scan != NULL)
	{
		index_endscan(ks->scan);
		ExecDropSingleTupleTableSlot(ks->slot);
	}
	for (i = 0; i < ks->nindexes; i++)
		if (ks->indexes[i] != ks->pkey)
			index_close(ks->indexes[i], NoLock);
	index_close(ks->pkey, NoLock);
	table_close(ks->heap, NoLock);
}

/*
 * ks_row_from_slot copies the row version in slot, which a fetch found,
 * into *row: with check_xact_snapshot, under REPEATABLE READ or
 * SERIALIZABLE, row->in_snapshot tells whether the transaction's own
 * snapshot can see it; otherwise it is true.
 */
static void
ks_row_from_slot(KeyStore *ks, TupleTableSlot *slot, bool check_xact_snapshot,
				 KeyRow *row)
{
	HeapTuple	tuple = ExecCopySlotHeapTuple(slot);

	heap_deform_tuple(tuple, RelationGetDescr(ks->heap), row->values, row->nulls);
	row->found = true;
	row->tid = slot->tts_tid;
	row->own = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
	row->in_snapshot = true;
	if (check_xact_snapshot && !row->own && IsolationUsesXactSnapshot())
		row->in_snapshot = table_tuple_satisfies_snapshot(ks->heap, slot,
														  GetTransactionSnapshot());
}

/*
 * ks_fetch finds the row of id as seen by the chosen snapshot and copies it
 * into *row.  With check_xact_snapshot, under REPEATABLE READ or
 * SERIALIZABLE, row->in_snapshot tells whether the transaction's own
 * snapshot can see that version; otherwise it is true.  Returns row->found.
 */
bool
ks_fetch(KeyStore *ks, const KeyId *id, KsSnapshot which,
		 bool check_xact_snapshot, KeyRow *row)
{
	ScanKeyData skey[3];
	SnapshotData dirty;
	Snapshot	snap;
	bool		registered = false;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	MemoryContext old;

	if (ks->citus)
		return ks_citus_fetch(ks, id, which, row);
	if (which == KS_LATEST && ks->next_fetch != NULL)
	{
		KsPrefetched *p = ks->next_fetch;

		ks->next_fetch = NULL;	/* it answers one fetch */
		if (p->known)
		{
			*row = p->row;
			if (!check_xact_snapshot)
				row->in_snapshot = true;
			return row->found;
		}
	}
	/* the primary key is (key, scope, owner): the most selective first */
	ScanKeyEntryInitialize(&skey[0], 0, 1, BTEqualStrategyNumber,
						   InvalidOid, C_COLLATION_OID, F_TEXTEQ,
						   PointerGetDatum(id->key));
	ScanKeyEntryInitialize(&skey[1], 0, 2, BTEqualStrategyNumber,
						   InvalidOid, C_COLLATION_OID, F_TEXTEQ,
						   PointerGetDatum(id->scope));
	ScanKeyEntryInitialize(&skey[2], 0, 3, BTEqualStrategyNumber,
						   InvalidOid, InvalidOid, F_OIDEQ,
						   ObjectIdGetDatum(id->owner));

	switch (which)
	{
		case KS_LATEST:
			snap = RegisterSnapshot(GetLatestSnapshot());
			registered = true;
			break;
		case KS_ACTIVE:
			snap = GetActiveSnapshot();
			break;
		case KS_DIRTY:
		default:
			InitDirtySnapshot(dirty);
			snap = &dirty;
			break;
	}

	/*
	 * The scan is begun and run in the store's memory: the index AM
	 * allocates what it keeps for the scan's life when it needs it, in the
	 * current memory context (a B-tree its array of dead entries to mark, at
	 * the first it meets).  With reuse_scan, one scan serves every fetch of
	 * the store, given each fetch's snapshot and keys, and ended by
	 * ks_close: it outlives each fetch's context (claim_batch resets one per
	 * key).
	 */
	old = MemoryContextSwitchTo(ks->mcxt);
	if (ks->scan == NULL)
	{
		ks->scan = idem_index_beginscan(ks->heap, ks->pkey, snap, 3, 0);
		ks->slot = table_slot_create(ks->heap, NULL);
	}
	scan = ks->scan;
	slot = ks->slot;
	scan->xs_snapshot = snap;
	index_rescan(scan, skey, 3, NULL, 0);

	/*
	 * A dirty read skips versions that an unfinished transaction is
	 * deleting or replacing: the version it writes in their place (if any)
	 * is the one that tells what that transaction holds.
	 */
	while ((row->found = index_getnext_slot(scan, ForwardScanDirection, slot)) &&
		   which == KS_DIRTY && TransactionIdIsValid(dirty.xmax))
		;
	MemoryContextSwitchTo(old);
	if (row->found)
		ks_row_from_slot(ks, slot, check_xact_snapshot, row);

	if (ks->reuse_scan)
	{
		ExecClearTuple(slot);
		old = MemoryContextSwitchTo(ks->mcxt);
		/* lets go of its pages; a rescan keeps the scan's number of keys */
		index_rescan(scan, skey, 3, NULL, 0);
		MemoryContextSwitchTo(old);
	}
	else
	{
		index_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
		ks->scan = NULL;
	}
	if (registered)
		UnregisterSnapshot(snap);
	return row->found;
}

/*
 * Compares the primary-key entry the scan is on with id, in the index's
 * order: key and scope bytewise (COLLATE "C"), then owner.
 */
static int
ks_entry_cmp(IndexScanDesc scan, const KeyId *id)
{
	bool		isnull;
	int			c;
	Oid			owner;

	c = ks_text_cmp(DatumGetTextPP(index_getattr(scan->xs_itup, 1, scan->xs_itupdesc, &isnull)),
					id->key);
	if (c == 0)
		c = ks_text_cmp(DatumGetTextPP(index_getattr(scan->xs_itup, 2, scan->xs_itupdesc, &isnull)),
						id->scope);
	if (c != 0)
		return c;
	owner = DatumGetObjectId(index_getattr(scan->xs_itup, 3, scan->xs_itupdesc, &isnull));
	return owner == id->owner ? 0 : (owner < id->owner ? -1 : 1);
}

/*
 * Entries of other keys that ks_prefetch steps over to reach a key before
 * it gives up walking and leaves the rest to one lookup each.
 */
#define KS_PREFETCH_STEPS 32

/*
 * ks_prefetch looks up the rows of ids[0..n-1], which must be in the
 * primary key's order (bytewise by key: claim_batch's canonical order) and
 * each locked by the caller, in one pass over the primary key between the
 * first key and the last, with one snapshot taken now, after all their
 * locks: so it sees what a KS_LATEST fetch of each would.  Keys that lie
 * close together (a consumer's message ids, or new keys, which have no
 * entry) cost no descent of their own.  When the keys are far apart (more
 * than KS_PREFETCH_STEPS entries of other keys between two), it stops and
 * leaves those keys unknown: a lookup each is cheaper there.  Returns one
 * entry per key, or NULL where it does not apply (a routed key table).
 * The caller hands each entry to the key's next KS_LATEST fetch through
 * next_fetch.
 */
KsPrefetched *
ks_prefetch(KeyStore *ks, const KeyId *const *ids, int n)
{
	KsPrefetched *res;
	ScanKeyData skey[2];
	Snapshot	snap;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		on_entry;
	int			i;

	if (ks->citus || n == 0)
		return NULL;
	res = palloc0(sizeof(KsPrefetched) * n);
	ScanKeyEntryInitialize(&skey[0], 0, 1, BTGreaterEqualStrategyNumber,
						   InvalidOid, C_COLLATION_OID, F_TEXT_GE,
						   PointerGetDatum(ids[0]->key));
	ScanKeyEntryInitialize(&skey[1], 0, 1, BTLessEqualStrategyNumber,
						   InvalidOid, C_COLLATION_OID, F_TEXT_LE,
						   PointerGetDatum(ids[n - 1]->key));
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = idem_index_beginscan(ks->heap, ks->pkey, snap, 2, 0);
	scan->xs_want_itup = true;	/* the entries' keys, to walk by */
	index_rescan(scan, skey, 2, NULL, 0);
	slot = table_slot_create(ks->heap, NULL);

	on_entry = index_getnext_tid(scan, ForwardScanDirection) != NULL;
	for (i = 0; i < n; i++)
	{
		int			steps = 0;

		for (;;)
		{
			int			c = on_entry ? ks_entry_cmp(scan, ids[i]) : 1;

			if (c > 0)
			{
				/* past the key (or the range): it has no entry */
				res[i].known = true;
				break;
			}
			if (c == 0 && index_fetch_heap(scan, slot))
			{
				res[i].known = true;
				ks_row_from_slot(ks, slot, true, &res[i].row);
				ExecClearTuple(slot);
				on_entry = index_getnext_tid(scan, ForwardScanDirection) != NULL;
				break;
			}
			/* an older version of the key, or another key before it */
			if (c < 0 && ++steps > KS_PREFETCH_STEPS)
				goto done;		/* far apart: leave the rest unknown */
			on_entry = index_getnext_tid(scan, ForwardScanDirection) != NULL;
		}
	}
done:
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	UnregisterSnapshot(snap);
	elog(DEBUG1, "idempotency: one pass over the primary key looked up %d of %d keys", i, n);
	return res;
}

/*
 * ks_fetch_tid reads the row version at tid if this transaction can see it
 * (SnapshotSelf: committed, or written by this transaction) and it is id's
 * row; otherwise it falls back to ks_fetch with KS_LATEST.  For a row this
 * transaction wrote and knows the position of, this skips the index.
 */
bool
ks_fetch_tid(KeyStore *ks, const KeyId *id, ItemPointer tid, KeyRow *row)
{
	TupleTableSlot *slot;
	bool		ok = false;

	if (ks->citus)				/* no positions there: by identity */
		return ks_citus_fetch(ks, id, KS_LATEST, row);
	slot = table_slot_create(ks->heap, NULL);

	if (table_tuple_fetch_row_version(ks->heap, tid, SnapshotSelf, slot))
	{
		HeapTuple	tuple = ExecCopySlotHeapTuple(slot);

		heap_deform_tuple(tuple, RelationGetDescr(ks->heap), row->values, row->nulls);
		ok = DatumGetObjectId(row->values[Anum_keys_owner - 1]) == id->owner &&
			KR_TEXT_EQ(row, Anum_keys_scope, id->scope) &&
			KR_TEXT_EQ(row, Anum_keys_key, id->key) &&
			TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
		if (ok)
		{
			row->found = true;
			row->tid = *tid;
			row->own = true;
			row->in_snapshot = true;
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	return ok || ks_fetch(ks, id, KS_LATEST, false, row);
}

/*
 * The column a partial index's predicate requires to be non-NULL.  Only
 * "column IS NOT NULL" is supported, which is what the extension's own
 * partial index uses (idempotency_keys_leases_idx); anything else, and any
 * index on an expression, is refused.
 */
static AttrNumber
ks_predicate_attnum(Relation idx, List *pred)
{
	NullTest   *nt;

	if (pred == NIL)
		return 0;
	nt = (NullTest *) linitial(pred);
	if (list_length(pred) != 1 || !IsA(nt, NullTest) ||
		nt->nulltesttype != IS_NOT_NULL || !IsA(nt->arg, Var) ||
		((Var *) nt->arg)->varattno < 1 || ((Var *) nt->arg)->varattno > Natts_keys)
		elog(ERROR, "index \"%s\" on idempotency.idempotency_keys is not supported",
			 RelationGetRelationName(idx));
	return ((Var *) nt->arg)->varattno;
}

/* Builds the cache of the key table's indexes (ks_indexes). */
static void
ks_build_indexes(KeyStore *ks)
{
	List	   *indexoids = RelationGetIndexList(ks->heap);
	MemoryContext old;
	ListCell   *lc;
	int			n = 0;
	uint64		invalidations = ks_invalidations;

	if (ks_index_cxt == NULL)
		ks_index_cxt = AllocSetContextCreate(CacheMemoryContext,
											 "idempotency key table indexes",
											 ALLOCSET_SMALL_SIZES);
	MemoryContextReset(ks_index_cxt);
	old = MemoryContextSwitchTo(ks_index_cxt);
	ks_indexes = palloc0(sizeof(KsIndex) * Max(list_length(indexoids), 1));
	foreach(lc, indexoids)
	{
		Oid			ioid = lfirst_oid(lc);
		Relation	idx = (ioid == RelationGetRelid(ks->pkey)) ? ks->pkey :
			index_open(ioid, RowExclusiveLock);
		IndexInfo  *ii = BuildIndexInfo(idx);
		int			i;

		if (ii->ii_Expressions != NIL)
			elog(ERROR, "index \"%s\" on idempotency.idempotency_keys is not supported",
				 RelationGetRelationName(idx));
		for (i = 0; i < ii->ii_NumIndexAttrs; i++)
			if (ii->ii_IndexAttrNumbers[i] < 1 || ii->ii_IndexAttrNumbers[i] > Natts_keys)
				elog(ERROR, "index \"%s\" on idempotency.idempotency_keys is not supported",
					 RelationGetRelationName(idx));
		ks_indexes[n].indexoid = ioid;
		ks_indexes[n].info = (idx->rd_rel->relam == BTREE_AM_OID) ? ii : NULL;
		ks_indexes[n].notnull_attnum = ks_predicate_attnum(idx, ii->ii_Predicate);
		n++;
		if (idx != ks->pkey)
			index_close(idx, NoLock);
	}
	MemoryContextSwitchTo(old);
	list_free(indexoids);
	ks_nindexes = n;
	/* an invalidation while this was built (index_open takes them in) */
	ks_indexes_valid = (ks_invalidations == invalidations);
}

/*
 * The key store's open index indexoid, opened at its first use and kept
 * open until ks_close.  The list of indexes cannot change while the store
 * is open: the table is locked RowExclusiveLock, which CREATE INDEX (even
 * CONCURRENTLY, which waits for this transaction) and DROP INDEX conflict
 * with.  Indexes a row does not enter (the leases index, for a row without
 * a lease) are never opened.
 */
static Relation
ks_index_open(KeyStore *ks, const KsIndex *ki, IndexInfo **info)
{
	Relation	idx;
	MemoryContext old;
	int			i;

	if (ki->indexoid == RelationGetRelid(ks->pkey) && ki->info != NULL)
	{
		*info = ki->info;
		return ks->pkey;
	}
	for (i = 0; i < ks->nindexes; i++)
		if (RelationGetRelid(ks->indexes[i]) == ki->indexoid)
		{
			*info = ki->info ? ki->info : ks->infos[i];
			return ks->indexes[i];
		}
	old = MemoryContextSwitchTo(ks->mcxt);
	if (ks->nindexes == ks->maxindexes)
	{
		ks->maxindexes = Max(4, 2 * ks->maxindexes);
		ks->indexes = ks->indexes == NULL ?
			palloc(sizeof(Relation) * ks->maxindexes) :
			repalloc(ks->indexes, sizeof(Relation) * ks->maxindexes);
		ks->infos = ks->infos == NULL ?
			palloc(sizeof(IndexInfo *) * ks->maxindexes) :
			repalloc(ks->infos, sizeof(IndexInfo *) * ks->maxindexes);
	}
	idx = (ki->indexoid == RelationGetRelid(ks->pkey)) ? ks->pkey :
		index_open(ki->indexoid, RowExclusiveLock);
	/* a non-B-tree's, built in the store's memory: it lives for one call */
	ks->infos[ks->nindexes] = ki->info ? ki->info : BuildIndexInfo(idx);
	*info = ks->infos[ks->nindexes];
	ks->indexes[ks->nindexes++] = idx;
	MemoryContextSwitchTo(old);
	return idx;
}

/*
 * Inserts the entries of row, stored at tid, into every index of the key
 * table, or only into the summarizing ones (after a HOT update that changed
 * their columns).  The indexes are on plain columns, so their values are
 * row's own; a partial index gets an entry when its predicate holds.
 */
static void
ks_index_insert(KeyStore *ks, ItemPointer tid, const KeyRow *row, bool summarizing_only)
{
	int			n;

	if (!ks_indexes_valid)
		ks_build_indexes(ks);

	for (n = 0; n < ks_nindexes; n++)
	{
		const KsIndex *ki = &ks_indexes[n];
		IndexInfo  *ii;
		Relation	idx;
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];
		int			i;

		if (ki->notnull_attnum != 0 && row->nulls[ki->notnull_attnum - 1])
			continue;
		idx = ks_index_open(ks, ki, &ii);
		if (!ii->ii_ReadyForInserts)
			continue;
		if (summarizing_only && !idem_index_is_summarizing(idx))
			continue;
		for (i = 0; i < ii->ii_NumIndexAttrs; i++)
		{
			AttrNumber	attnum = ii->ii_IndexAttrNumbers[i];

			values[i] = row->values[attnum - 1];
			isnull[i] = row->nulls[attnum - 1];
		}
		idem_index_insert(idx, values, isnull, tid, ks->heap,
						  idx->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
						  ii);
	}
}

/*
 * The digest a 1.1 key table stores for a fingerprint: 96 bits of two
 * 64-bit hashes of its bytes with different seeds, as 16 base64url
 * characters.  A fingerprint tells a key reused for another request; like
 * once()'s own fingerprint it uses PostgreSQL's fast hash, not a
 * cryptographic one.
 */
static text *
ks_digest(const char *data, int len)
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
 * ks_fingerprint_value returns what the key table's fingerprint column
 * holds for a fingerprint given as text: the text itself in a 1.0 table,
 * its digest in a 1.1 one; (Datum) 0 for none (NULL).
 */
Datum
ks_fingerprint_value(const KeyStore *ks, text *fingerprint)
{
	if (fingerprint == NULL)
		return (Datum) 0;
	if (!ks->fingerprint_digest)
		return PointerGetDatum(fingerprint);
	return PointerGetDatum(ks_digest(VARDATA_ANY(fingerprint),
									 VARSIZE_ANY_EXHDR(fingerprint)));
}

/* ks_fingerprint_equal: row's fingerprint is not NULL and equals value. */
bool
ks_fingerprint_equal(const KeyRow *row, Datum value)
{
	struct varlena *stored;
	struct varlena *given = (struct varlena *) DatumGetPointer(value);

	if (row->nulls[Anum_keys_fingerprint - 1])
		return false;
	stored = (struct varlena *) DatumGetPointer(row->values[Anum_keys_fingerprint - 1]);
	return VARSIZE_ANY_EXHDR(stored) == VARSIZE_ANY_EXHDR(given) &&
		memcmp(VARDATA_ANY(stored), VARDATA_ANY(given), VARSIZE_ANY_EXHDR(given)) == 0;
}

/*
 * idempotency.fingerprint_digest(text) -> text: the digest a 1.1 key table
 * stores for a fingerprint (the upgrade from 1.0 converts with it).
 */
Datum
idempotency_fingerprint_digest(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(ks_digest(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* ks_insert writes row->values as a new row; row->tid is set. */
void
ks_insert(KeyStore *ks, KeyRow *row)
{
	HeapTuple	tuple;

	if (ks->citus)
	{
		ks_citus_insert(ks, row);
		return;
	}
	tuple = heap_form_tuple(RelationGetDescr(ks->heap), row->values, row->nulls);
	simple_heap_insert(ks->heap, tuple);
	ks_index_insert(ks, &tuple->t_self, row, false);
	row->tid = tuple->t_self;
	row->found = true;
	row->own = true;
	row->in_snapshot = true;
	CommandCounterIncrement();
}

/*
 * ks_update replaces the row at row->tid with row->values.  Returns TM_Ok,
 * or TM_Deleted when the row went away meanwhile (expiry); any other
 * outcome means a write the API does not admit and raises an error.
 */
TM_Result
ks_update(KeyStore *ks, KeyRow *row)
{
	HeapTuple	tuple;
	TM_FailureData tmfd;
	IdemIndexUpdate indexes;
	TM_Result	res;

	if (ks->citus)
		return ks_citus_update(ks, row);
	tuple = heap_form_tuple(RelationGetDescr(ks->heap), row->values, row->nulls);

	res = idem_heap_update(ks->heap, &row->tid, tuple,
						   GetCurrentCommandId(true), &tmfd, &indexes);
	if (res == TM_Ok)
	{
		if (indexes != IDEM_INDEX_NONE)
			ks_index_insert(ks, &tuple->t_self, row, indexes == IDEM_INDEX_SUMMARIZING);
		row->tid = tuple->t_self;
		row->own = true;
	}
	else if (res != TM_Deleted)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not update idempotency key: it was changed concurrently")));
	CommandCounterIncrement();
	return res;
}

/* ks_delete deletes the row at row->tid; TM_Deleted if it was gone already. */
TM_Result
ks_delete(KeyStore *ks, KeyRow *row)
{
	TM_FailureData tmfd;
	TM_Result	res;

	if (ks->citus)
		return ks_citus_delete(ks, row);
	res = heap_delete(ks->heap, &row->tid, GetCurrentCommandId(true),
					  InvalidSnapshot, true, &tmfd, false);
	if (res != TM_Ok && res != TM_Deleted)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not delete idempotency key: it was changed concurrently")));
	row->found = false;
	CommandCounterIncrement();
	return res;
}
