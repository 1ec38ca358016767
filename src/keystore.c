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
#include "catalog/pg_collation.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "keystore.h"

static Oid	ks_cached_relid = InvalidOid;
static bool ks_callback_registered = false;

/* Forgets the cached table OID when the table (or the whole relcache) is invalidated. */
static void
ks_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == ks_cached_relid)
		ks_cached_relid = InvalidOid;
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
 * ks_open opens the key table and its primary key index with lockmode.
 * ks_close closes both, keeping the locks until end of transaction.
 */
void
ks_open_mode(KeyStore *ks, LOCKMODE lockmode)
{
	Oid			pkoid;

	ks->lockmode = lockmode;
	ks->mcxt = CurrentMemoryContext;
	ks->nindexes = -1;
	ks->heap = table_open(ks_relid(), lockmode);
	if (RelationGetDescr(ks->heap)->natts != Natts_keys)
		elog(ERROR, "idempotency.idempotency_keys has %d columns, expected %d",
			 RelationGetDescr(ks->heap)->natts, Natts_keys);
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

	for (i = 0; i < ks->nindexes; i++)
		if (ks->indexes[i] != ks->pkey)
			index_close(ks->indexes[i], NoLock);
	index_close(ks->pkey, NoLock);
	table_close(ks->heap, NoLock);
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

	scan = index_beginscan(ks->heap, ks->pkey, snap, 3, 0);
	index_rescan(scan, skey, 3, NULL, 0);
	slot = table_slot_create(ks->heap, NULL);

	/*
	 * A dirty read skips versions that an unfinished transaction is
	 * deleting or replacing: the version it writes in their place (if any)
	 * is the one that tells what that transaction holds.
	 */
	while ((row->found = index_getnext_slot(scan, ForwardScanDirection, slot)) &&
		   which == KS_DIRTY && TransactionIdIsValid(dirty.xmax))
		;
	if (row->found)
	{
		HeapTuple	tuple = ExecCopySlotHeapTuple(slot);
		TransactionId xmin = HeapTupleHeaderGetXmin(tuple->t_data);

		heap_deform_tuple(tuple, RelationGetDescr(ks->heap),
						  row->values, row->nulls);
		row->tid = slot->tts_tid;
		row->own = TransactionIdIsCurrentTransactionId(xmin);
		row->in_snapshot = true;
		if (check_xact_snapshot && !row->own && IsolationUsesXactSnapshot())
			row->in_snapshot = table_tuple_satisfies_snapshot(ks->heap, slot,
															  GetTransactionSnapshot());
	}

	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	if (registered)
		UnregisterSnapshot(snap);
	return row->found;
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
	TupleTableSlot *slot = table_slot_create(ks->heap, NULL);
	bool		ok = false;

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
 * Whether row belongs in a partial index whose predicate is pred (an
 * implicitly ANDed list).  Only "column IS NOT NULL" conditions are
 * supported, which is what the extension's own partial index uses
 * (idempotency_keys_leases_idx); anything else is refused.
 */
static bool
ks_row_satisfies(Relation idx, List *pred, const KeyRow *row)
{
	ListCell   *lc;

	foreach(lc, pred)
	{
		NullTest   *nt = (NullTest *) lfirst(lc);
		Var		   *var;

		if (!IsA(nt, NullTest) || nt->nulltesttype != IS_NOT_NULL ||
			!IsA(nt->arg, Var))
			elog(ERROR, "index \"%s\" on idempotency.idempotency_keys is not supported",
				 RelationGetRelationName(idx));
		var = (Var *) nt->arg;
		if (var->varattno < 1 || var->varattno > Natts_keys)
			elog(ERROR, "index \"%s\" on idempotency.idempotency_keys is not supported",
				 RelationGetRelationName(idx));
		if (row->nulls[var->varattno - 1])
			return false;
	}
	return true;
}

/*
 * Inserts the entries of row, stored at tid, into every index of the key
 * table, or only into the summarizing ones (after a HOT update that changed
 * their columns).  The indexes are on plain columns (expressions are
 * refused), so their values are row's own; a partial index gets an entry
 * when its predicate holds (ks_row_satisfies).
 */
static void
ks_index_insert(KeyStore *ks, ItemPointer tid, const KeyRow *row, bool summarizing_only)
{
	int			n;

	/*
	 * The list of indexes cannot change while the store is open: the table
	 * is locked RowExclusiveLock, which CREATE INDEX (even CONCURRENTLY,
	 * which waits for this transaction) and DROP INDEX conflict with.
	 */
	if (ks->nindexes < 0)
	{
		MemoryContext old = MemoryContextSwitchTo(ks->mcxt);
		List	   *indexoids = RelationGetIndexList(ks->heap);
		ListCell   *lc;

		ks->indexes = palloc(sizeof(Relation) * Max(list_length(indexoids), 1));
		ks->infos = palloc(sizeof(IndexInfo *) * Max(list_length(indexoids), 1));
		ks->nindexes = 0;
		foreach(lc, indexoids)
		{
			Oid			ioid = lfirst_oid(lc);
			Relation	idx = (ioid == RelationGetRelid(ks->pkey)) ? ks->pkey :
				index_open(ioid, RowExclusiveLock);

			ks->indexes[ks->nindexes] = idx;
			ks->infos[ks->nindexes] = BuildIndexInfo(idx);
			ks->nindexes++;
			if (ks->infos[ks->nindexes - 1]->ii_Expressions != NIL)
				elog(ERROR, "index \"%s\" on idempotency.idempotency_keys is not supported",
					 RelationGetRelationName(idx));
		}
		list_free(indexoids);
		MemoryContextSwitchTo(old);
	}

	for (n = 0; n < ks->nindexes; n++)
	{
		Relation	idx = ks->indexes[n];
		IndexInfo  *ii = ks->infos[n];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];
		int			i;

		if (summarizing_only && !idem_index_is_summarizing(idx))
			continue;
		if (ii->ii_ReadyForInserts &&
			(ii->ii_Predicate == NIL || ks_row_satisfies(idx, ii->ii_Predicate, row)))
		{
			for (i = 0; i < ii->ii_NumIndexAttrs; i++)
			{
				AttrNumber	attnum = ii->ii_IndexAttrNumbers[i];

				if (attnum < 1 || attnum > Natts_keys)
					elog(ERROR, "index \"%s\" on idempotency.idempotency_keys is not supported",
						 RelationGetRelationName(idx));
				values[i] = row->values[attnum - 1];
				isnull[i] = row->nulls[attnum - 1];
			}
			idem_index_insert(idx, values, isnull, tid, ks->heap,
							  idx->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
							  ii);
		}
	}
}

/* ks_insert writes row->values as a new row; row->tid is set. */
void
ks_insert(KeyStore *ks, KeyRow *row)
{
	HeapTuple	tuple = heap_form_tuple(RelationGetDescr(ks->heap),
										row->values, row->nulls);

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
	HeapTuple	tuple = heap_form_tuple(RelationGetDescr(ks->heap),
										row->values, row->nulls);
	TM_FailureData tmfd;
	IdemIndexUpdate indexes;
	TM_Result	res;

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
