/*-------------------------------------------------------------------------
 * ks_heap.c
 *	  The plain key store (keystore.h's interface): reads and writes
 *	  idempotency.idempotency_keys directly through the heap and its
 *	  indexes, without the executor, SPI or privilege checks: the
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
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "fingerprint.h"
#include "keystore.h"
#include "ks_heap.h"

/*
 * The store's state between open and close.  The table's indexes are
 * opened, and their IndexInfo built, at its first write, for every write
 * until close (claim_batch writes hundreds of rows through one store).
 */
typedef struct KsHeap
{
	Relation	heap;
	Relation	pkey;
	bool		fingerprint_digest; /* fingerprint column holds digests
									 * (1.1), not the text given (1.0) */
	MemoryContext mcxt;			/* where the open indexes' array lives */
	int			nindexes;		/* indexes open (besides pkey), each from */
	int			maxindexes;		/* its first use on (ks_index_open) */
	Relation   *indexes;
	IndexInfo **infos;			/* each open index's IndexInfo */
	IndexScanDesc scan;			/* with reuse_scan, the fetches' one scan */
	TupleTableSlot *slot;		/* and its slot, kept until close */
} KsHeap;

#define KS_HEAP(ks) ((KsHeap *) (ks)->state)

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
 * Opens the key table and its primary key index with ks->lockmode; close
 * closes both, keeping the locks until end of transaction.
 */
static void
ksh_open(KeyStore *ks, KsTarget *target)
{
	KsHeap	   *h = palloc0(sizeof(KsHeap));
	Oid			pkoid;

	ks->state = h;
	h->mcxt = CurrentMemoryContext;
	h->heap = table_open(ks_relid(), ks->lockmode);
	if (RelationGetDescr(h->heap)->natts != Natts_keys)
		elog(ERROR, "idempotency.idempotency_keys has %d columns, expected %d",
			 RelationGetDescr(h->heap)->natts, Natts_keys);
	h->fingerprint_digest = ks_stores_digests(h->heap);
	/* rd_pkindex is filled in by RelationGetIndexList */
	if (!h->heap->rd_indexvalid)
		list_free(RelationGetIndexList(h->heap));
	pkoid = h->heap->rd_pkindex;
	if (!OidIsValid(pkoid))
		elog(ERROR, "idempotency.idempotency_keys has no primary key");
	h->pkey = index_open(pkoid, ks->lockmode);
}

/*
 * ks_heap_open opens the plain store whatever store the running call
 * uses: for the checks at a transaction's end (xact.c), which concern
 * plain keys only.
 */
void
ks_heap_open(KeyStore *ks, LOCKMODE lockmode)
{
	ks_init(ks, &ks_heap_routine, lockmode);
	ksh_open(ks, NULL);
}

static void
ksh_close(KeyStore *ks)
{
	KsHeap	   *h = KS_HEAP(ks);
	int			i;

	if (h->scan != NULL)
	{
		index_endscan(h->scan);
		ExecDropSingleTupleTableSlot(h->slot);
	}
	for (i = 0; i < h->nindexes; i++)
		if (h->indexes[i] != h->pkey)
			index_close(h->indexes[i], NoLock);
	index_close(h->pkey, NoLock);
	table_close(h->heap, NoLock);
}

/*
 * ks_row_from_slot copies the row version in slot, which a fetch found,
 * into *row: with check_xact_snapshot, under REPEATABLE READ or
 * SERIALIZABLE, row->in_snapshot tells whether the transaction's own
 * snapshot can see it; otherwise it is true.
 */
static void
ks_row_from_slot(KsHeap *h, TupleTableSlot *slot, bool check_xact_snapshot,
				 KeyRow *row)
{
	HeapTuple	tuple = ExecCopySlotHeapTuple(slot);

	heap_deform_tuple(tuple, RelationGetDescr(h->heap), row->values, row->nulls);
	row->found = true;
	row->tid = slot->tts_tid;
	row->own = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
	row->in_snapshot = true;
	if (check_xact_snapshot && !row->own && IsolationUsesXactSnapshot())
		row->in_snapshot = table_tuple_satisfies_snapshot(h->heap, slot,
														  GetTransactionSnapshot());
}

/* fetch (keystore.h): by the primary key, with the snapshot which */
static bool
ksh_fetch(KeyStore *ks, const KeyId *id, KsSnapshot which,
		  bool check_xact_snapshot, KeyRow *row)
{
	KsHeap	   *h = KS_HEAP(ks);
	ScanKeyData skey[3];
	SnapshotData dirty;
	Snapshot	snap;
	bool		registered = false;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	MemoryContext old;

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
	old = MemoryContextSwitchTo(h->mcxt);
	if (h->scan == NULL)
	{
		h->scan = idem_index_beginscan(h->heap, h->pkey, snap, 3, 0);
		h->slot = table_slot_create(h->heap, NULL);
	}
	scan = h->scan;
	slot = h->slot;
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
		ks_row_from_slot(h, slot, check_xact_snapshot, row);

	if (ks->reuse_scan)
	{
		ExecClearTuple(slot);
		old = MemoryContextSwitchTo(h->mcxt);
		/* lets go of its pages; a rescan keeps the scan's number of keys */
		index_rescan(scan, skey, 3, NULL, 0);
		MemoryContextSwitchTo(old);
	}
	else
	{
		index_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
		h->scan = NULL;
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
 * prefetch (keystore.h) looks up the rows of ids[0..n-1], which must be in the
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
static KsPrefetched *
ksh_prefetch(KeyStore *ks, const KeyId *const *ids, int n)
{
	KsHeap	   *h = KS_HEAP(ks);
	KsPrefetched *res;
	ScanKeyData skey[2];
	Snapshot	snap;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		on_entry;
	int			i;

	if (n == 0)
		return NULL;
	res = palloc0(sizeof(KsPrefetched) * n);
	ScanKeyEntryInitialize(&skey[0], 0, 1, BTGreaterEqualStrategyNumber,
						   InvalidOid, C_COLLATION_OID, F_TEXT_GE,
						   PointerGetDatum(ids[0]->key));
	ScanKeyEntryInitialize(&skey[1], 0, 1, BTLessEqualStrategyNumber,
						   InvalidOid, C_COLLATION_OID, F_TEXT_LE,
						   PointerGetDatum(ids[n - 1]->key));
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = idem_index_beginscan(h->heap, h->pkey, snap, 2, 0);
	scan->xs_want_itup = true;	/* the entries' keys, to walk by */
	index_rescan(scan, skey, 2, NULL, 0);
	slot = table_slot_create(h->heap, NULL);

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
				ks_row_from_slot(h, slot, true, &res[i].row);
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
 * fetch_tid (keystore.h) reads the row version at tid if this transaction
 * can see it (SnapshotSelf: committed, or written by this transaction) and
 * it is id's row; otherwise it falls back to a KS_LATEST fetch.  For a row
 * this transaction wrote and knows the position of, this skips the index.
 */
static bool
ksh_fetch_tid(KeyStore *ks, const KeyId *id, ItemPointer tid, KeyRow *row)
{
	KsHeap	   *h = KS_HEAP(ks);
	TupleTableSlot *slot;
	bool		ok = false;

	slot = table_slot_create(h->heap, NULL);

	if (table_tuple_fetch_row_version(h->heap, tid, SnapshotSelf, slot))
	{
		HeapTuple	tuple = ExecCopySlotHeapTuple(slot);

		heap_deform_tuple(tuple, RelationGetDescr(h->heap), row->values, row->nulls);
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
	return ok || ksh_fetch(ks, id, KS_LATEST, false, row);
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
ks_build_indexes(KsHeap *h)
{
	List	   *indexoids = RelationGetIndexList(h->heap);
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
		Relation	idx = (ioid == RelationGetRelid(h->pkey)) ? h->pkey :
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
		if (idx != h->pkey)
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
ks_index_open(KsHeap *h, const KsIndex *ki, IndexInfo **info)
{
	Relation	idx;
	MemoryContext old;
	int			i;

	if (ki->indexoid == RelationGetRelid(h->pkey) && ki->info != NULL)
	{
		*info = ki->info;
		return h->pkey;
	}
	for (i = 0; i < h->nindexes; i++)
		if (RelationGetRelid(h->indexes[i]) == ki->indexoid)
		{
			*info = ki->info ? ki->info : h->infos[i];
			return h->indexes[i];
		}
	old = MemoryContextSwitchTo(h->mcxt);
	if (h->nindexes == h->maxindexes)
	{
		h->maxindexes = Max(4, 2 * h->maxindexes);
		h->indexes = h->indexes == NULL ?
			palloc(sizeof(Relation) * h->maxindexes) :
			repalloc(h->indexes, sizeof(Relation) * h->maxindexes);
		h->infos = h->infos == NULL ?
			palloc(sizeof(IndexInfo *) * h->maxindexes) :
			repalloc(h->infos, sizeof(IndexInfo *) * h->maxindexes);
	}
	idx = (ki->indexoid == RelationGetRelid(h->pkey)) ? h->pkey :
		index_open(ki->indexoid, RowExclusiveLock);
	/* a non-B-tree's, built in the store's memory: it lives for one call */
	h->infos[h->nindexes] = ki->info ? ki->info : BuildIndexInfo(idx);
	*info = h->infos[h->nindexes];
	h->indexes[h->nindexes++] = idx;
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
ks_index_insert(KsHeap *h, ItemPointer tid, const KeyRow *row, bool summarizing_only)
{
	int			n;

	if (!ks_indexes_valid)
		ks_build_indexes(h);

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
		idx = ks_index_open(h, ki, &ii);
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
		idem_index_insert(idx, values, isnull, tid, h->heap,
						  idx->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
						  ii);
	}
}

/*
 * fingerprint_value (keystore.h): the text itself in a 1.0 table, its
 * digest in a 1.1 one.
 */
static Datum
ksh_fingerprint_value(const KeyStore *ks, text *fingerprint)
{
	if (!KS_HEAP(ks)->fingerprint_digest)
		return PointerGetDatum(fingerprint);	/* (Datum) 0 for none */
	return idem_fingerprint_value(fingerprint);
}

/* insert (keystore.h): a new heap tuple and its index entries */
static void
ksh_insert(KeyStore *ks, KeyRow *row)
{
	KsHeap	   *h = KS_HEAP(ks);
	HeapTuple	tuple;

	tuple = heap_form_tuple(RelationGetDescr(h->heap), row->values, row->nulls);
	simple_heap_insert(h->heap, tuple);
	ks_index_insert(h, &tuple->t_self, row, false);
	row->tid = tuple->t_self;
	row->found = true;
	row->own = true;
	row->in_snapshot = true;
	CommandCounterIncrement();
}

/* update (keystore.h): a new version of the row at row->tid */
static TM_Result
ksh_update(KeyStore *ks, KeyRow *row)
{
	KsHeap	   *h = KS_HEAP(ks);
	HeapTuple	tuple;
	TM_FailureData tmfd;
	IdemIndexUpdate indexes;
	TM_Result	res;

	tuple = heap_form_tuple(RelationGetDescr(h->heap), row->values, row->nulls);

	res = idem_heap_update(h->heap, &row->tid, tuple,
						   GetCurrentCommandId(true), &tmfd, &indexes);
	if (res == TM_Ok)
	{
		if (indexes != IDEM_INDEX_NONE)
			ks_index_insert(h, &tuple->t_self, row, indexes == IDEM_INDEX_SUMMARIZING);
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

/* delete (keystore.h): the row at row->tid */
static TM_Result
ksh_delete(KeyStore *ks, KeyRow *row)
{
	TM_FailureData tmfd;
	TM_Result	res;

	res = heap_delete(KS_HEAP(ks)->heap, &row->tid, GetCurrentCommandId(true),
					  InvalidSnapshot, true, &tmfd, false);
	if (res != TM_Ok && res != TM_Deleted)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not delete idempotency key: it was changed concurrently")));
	row->found = false;
	CommandCounterIncrement();
	return res;
}

const KeyStoreRoutine ks_heap_routine = {
	.name = "heap",
	.holder_pids_local = true,
	.lock_before_read = false,
	.open = ksh_open,
	.close = ksh_close,
	.fetch = ksh_fetch,
	.fetch_tid = ksh_fetch_tid,
	.prefetch = ksh_prefetch,
	.insert = ksh_insert,
	.update = ksh_update,
	.delete = ksh_delete,
	.fingerprint_value = ksh_fingerprint_value,
};
