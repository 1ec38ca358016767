/*-------------------------------------------------------------------------
 * ks_citus.c
 *	  The key store of the routed entry points on Citus (docs/citus.md):
 *	  idempotency.keys_<colocation id>, a key table that distribute()
 *	  created and Citus distributed by its routing column, colocated with
 *	  a business table.  Every read and write is an SPI statement on that
 *	  distributed table, so Citus plans it as a router query on the call's
 *	  routing value and runs it, by local execution, on the shard of this
 *	  node; the worker's shell table is never read or written.  The
 *	  statements are prepared once per key table and kept.
 *
 *	  The table stores the owner by role name (OIDs differ between nodes)
 *	  and a fingerprint as its digest.  The statements run as the key
 *	  table's owner (the functions are the only way to write keys, as the
 *	  direct path is on plain PostgreSQL); the caller's name selects the
 *	  caller's rows.
 *
 *	  Ownership: a routed call must run on the node that holds the shard
 *	  of its routing value, where its advisory key lock (locks.c) queues
 *	  every duplicate.  Before the first access of a transaction to a
 *	  routing value the placement is checked against this node's group;
 *	  elsewhere the call fails with IK006 before touching any table.  The
 *	  check calls Citus's get_shard_id_for_distribution_column through fmgr
 *	  and reads pg_dist_placement and pg_dist_local_group directly: no SPI,
 *	  no planning, no link to Citus.
 *
 *	  Locking rules: a call that may write first takes the shard group's
 *	  metadata lock in ShareLock, the lock every Citus write to the shard
 *	  takes (Citus's lock_shard_metadata, called through fmgr as the key
 *	  table's owner), and checks the placement under it: a move holds that
 *	  lock in ExclusiveLock from before it copies until its switch commits,
 *	  so the call either waits for the move and then sees the new placement
 *	  (IK006), or holds the lock until its transaction ends and the move
 *	  waits for it.  A call that reaches a worker through Citus's function
 *	  delegation has had the same lock taken on the node that delegated it
 *	  (ks_citus_prepare_call, from citus.c's planner hook), before the
 *	  delegation: Citus's own statements lock the coordinator's copy of the
 *	  lock first, and a move takes the coordinator's before the workers',
 *	  so a transaction that goes on to write through the coordinator never
 *	  waits there for a move that waits for it on the worker.  Locks taken
 *	  are remembered per (sub)transaction so a call takes each once.
 *
 *	  The commit rule (xact.c) for routed claims: this file remembers, per
 *	  transaction, the last state it wrote for each routed key, and refuses
 *	  a commit that leaves one in_progress without a lease (IK005).  It
 *	  also answers KeyRow.own from that memory, since an SPI read has no
 *	  xmin, and answers reads of a key the transaction wrote with the row
 *	  written (its writers are serialised by the key lock until the end of
 *	  the transaction), which saves complete() a statement.
 *	  Subtransaction ends keep the memory true.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "common.h"
#include "fingerprint.h"
#include "keystore.h"
#include "ks_citus.h"
#include "stats.h"
#include "xact.h"

/* The table's columns after routing: the plain layout with owner a name */
#define KC_NCOLS (Natts_keys + 1)

/* Types of the columns from state to expires_at */
static const Oid kc_column_types[Natts_keys - Anum_keys_state + 1] = {
	TEXTOID,					/* state */
	TEXTOID,					/* fingerprint */
	JSONBOID,					/* response */
	INT4OID,					/* response_code */
	TEXTOID,					/* recovery_point */
	UUIDOID,					/* lease_token */
	INT4OID,					/* lease_holder_pid */
	INTERVALOID,				/* lease_interval */
	TIMESTAMPTZOID,				/* lease_expires_at */
	TIMESTAMPTZOID,				/* created_at */
	TIMESTAMPTZOID,				/* completed_at */
	TIMESTAMPTZOID				/* expires_at */
};

typedef struct KsCitusPlans
{
	Oid			relid;
	Oid			routing_type;
	Oid			table_owner;
	bool		valid;			/* false after an invalidation of relid */
	SPIPlanPtr	fetch;
	SPIPlanPtr	insert;
	SPIPlanPtr	update;
	SPIPlanPtr	delete;
	struct KsCitusPlans *next;
} KsCitusPlans;

/* A write of this transaction to a routed key */
typedef struct KcWrite
{
	Oid			relid;
	char	   *routing_text;
	KeyId		id;
	bool		open_claim;		/* left in_progress without a lease */
	bool		deleted;
	Datum		values[Natts_keys]; /* the row written (not deleted) */
	bool		nulls[Natts_keys];
	SubTransactionId subid;
} KcWrite;

/* A routing value whose placement this transaction checked */
typedef struct KcChecked
{
	Oid			relid;
	char	   *routing_text;
	int64		shardid;
	bool		locked;			/* checked under the shard group's lock */
	SubTransactionId subid;
} KcChecked;

/* A shard group metadata lock this transaction took (ks_citus_lock_shard) */
typedef struct KcLocked
{
	int64		shardid;
	SubTransactionId subid;
} KcLocked;

static KsCitusPlans *kc_plans = NULL;
static List *kc_writes = NIL;	/* in TopTransactionContext */
static List *kc_checked = NIL;	/* in TopTransactionContext */
static List *kc_locked = NIL;	/* in TopTransactionContext */
static bool kc_callbacks_registered = false;

/* Whether the plain key table is a Citus table, or on a Citus worker (ks_citus_refuse_plain) */
static Oid	kc_plain_relid = InvalidOid;
static bool kc_plain_distributed = false;
static bool kc_plain_on_worker = false;

static void kc_not_shard_node(const char *routing_text, Oid relid, const char *detail);
static int32 kc_local_group(void);
static void kc_xact_callback(XactEvent event, void *arg);
static void kc_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								SubTransactionId parentSubid, void *arg);

/* Marks the plans of an invalidated key table for rebuilding. */
static void
kc_relcache_callback(Datum arg, Oid relid)
{
	KsCitusPlans *p;

	for (p = kc_plans; p != NULL; p = p->next)
		if (relid == InvalidOid || relid == p->relid)
			p->valid = false;
	if (relid == InvalidOid || relid == kc_plain_relid)
		kc_plain_relid = InvalidOid;
}

/* Registers the callbacks this file needs, once per backend. */
void
ks_citus_init(void)
{
	if (kc_callbacks_registered)
		return;
	CacheRegisterRelcacheCallback(kc_relcache_callback, (Datum) 0);
	RegisterXactCallback(kc_xact_callback, NULL);
	RegisterSubXactCallback(kc_subxact_callback, NULL);
	kc_callbacks_registered = true;
}

static const KeyStoreRoutine kc_routine;

/*
 * ks_citus_target fills in target, a routed call's key table and routing
 * value, for ks_enter (keystore.h) to make it the store of every ks_open.
 */
void
ks_citus_target(KsCitus *target, Oid relid, Oid routing_type, Datum routing)
{
	Oid			outfunc;
	bool		isvarlena;

	ks_citus_init();
	target->target.routine = &kc_routine;
	target->target.table = relid;
	target->relid = relid;
	target->routing_type = routing_type;
	target->routing = routing;
	getTypeOutputInfo(routing_type, &outfunc, &isvarlena);
	target->routing_text = OidOutputFunctionCall(outfunc, routing);
	target->plans = NULL;
}

/*
 * The routed functions that distribute() made in this database, for the
 * hint of ks_citus_refuse_plain: "s.claim(), t.claim()", or NULL.
 */
static char *
kc_routed_claims(void)
{
	Relation	rel = table_open(ProcedureRelationId, AccessShareLock);
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	StringInfoData buf;

	initStringInfo(&buf);
	ScanKeyInit(&key, Anum_pg_proc_prosrc, BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum("idempotency_routed_claim"));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);

		appendStringInfo(&buf, "%s%s.claim()", buf.len > 0 ? ", " : "",
						 quote_identifier(get_namespace_name(proc->pronamespace)));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return buf.len > 0 ? buf.data : NULL;
}

/*
 * ks_citus_refuse_plain raises 55000 when the plain key table relid (the
 * 1.0 functions' idempotency.idempotency_keys) cannot hold keys that last:
 * when it has been made a Citus table by hand (the heap would then be a
 * shell, and reading it would answer from stale or absent rows), or when
 * this node is a Citus worker (pg_dist_local_group's group is not the
 * coordinator's 0), where a key in it would stay behind when the shard
 * group of the work it guards moves: a plain call inside a delegated
 * function, or inside a routed once(), or on a connection to the worker.
 * The answers are kept until the table's relcache entry is invalidated,
 * so plain PostgreSQL pays one comparison per call.
 */
void
ks_citus_refuse_plain(Oid relid)
{
	if (relid != kc_plain_relid)
	{
		Oid			dist = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);

		ks_citus_init();
		kc_plain_distributed = false;
		kc_plain_on_worker = false;
		if (OidIsValid(dist))
		{
			Relation	rel = table_open(dist, AccessShareLock);
			ScanKeyData key;
			SysScanDesc scan;

			/* pg_dist_partition.logicalrelid is its first column */
			ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
			scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
			kc_plain_distributed = HeapTupleIsValid(systable_getnext(scan));
			systable_endscan(scan);
			table_close(rel, AccessShareLock);
			kc_plain_on_worker = kc_local_group() > 0;
		}
		kc_plain_relid = relid;
	}
	if (kc_plain_distributed)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("idempotency.idempotency_keys is a Citus table"),
				 errdetail("The functions of schema idempotency use the key table directly, which on Citus is an empty shell."),
				 errhint("Undistribute it, and use idempotency.distribute() for keys colocated with a business table.")));
	if (kc_plain_on_worker)
	{
		char	   *routed = kc_routed_claims();

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the plain idempotency functions cannot keep a key on a Citus worker"),
				 errdetail("Their key table on a worker is the worker's own: a key there does not move with the shard group of the work it guards, and after a shard move a retry would not find it."),
				 routed ?
				 errhint("Use the routed function of the same name, with the routing value first, for example one of %s, which idempotency.distribute() created.", routed) :
				 errhint("Create routed functions for the business table with idempotency.distribute() on the coordinator, and call them with the routing value first.")));
	}
}

/* ---------- statements ---------- */

static SPIPlanPtr
kc_prepare(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

/* Frees a kept plan, if any. */
static void
kc_free(SPIPlanPtr *plan)
{
	if (*plan != NULL)
		SPI_freeplan(*plan);
	*plan = NULL;
}

/*
 * The prepared statements of kc's key table, built on first use and
 * again after the table changed.  Called inside SPI_connect.
 */
static KsCitusPlans *
kc_get_plans(KsCitus *kc)
{
	KsCitusPlans *p;
	char	   *table;
	Oid			types[KC_NCOLS];
	const char *where;

	if (kc->plans != NULL && kc->plans->valid)
		return kc->plans;
	for (p = kc_plans; p != NULL; p = p->next)
		if (p->relid == kc->relid && p->routing_type == kc->routing_type)
			break;
	if (p != NULL && p->valid)
		return kc->plans = p;
	if (p == NULL)
	{
		p = MemoryContextAllocZero(TopMemoryContext, sizeof(KsCitusPlans));
		p->relid = kc->relid;
		p->routing_type = kc->routing_type;
		p->next = kc_plans;
		kc_plans = p;
	}
	kc_free(&p->fetch);
	kc_free(&p->insert);
	kc_free(&p->update);
	kc_free(&p->delete);

	table = psprintf("%s.%s",
					 quote_identifier(get_namespace_name(get_rel_namespace(kc->relid))),
					 quote_identifier(get_rel_name(kc->relid)));
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(kc->relid));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", kc->relid);
		p->table_owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		ReleaseSysCache(tup);
	}

	types[0] = kc->routing_type;
	types[1] = NAMEOID;
	types[2] = TEXTOID;
	types[3] = TEXTOID;
	memcpy(types + 4, kc_column_types, sizeof(kc_column_types));

	/* routing first: Citus routes on it; the rest is the primary key */
	where = "routing OPERATOR(pg_catalog.=) $1"
		" AND key OPERATOR(pg_catalog.=) ($4 COLLATE pg_catalog.\"C\")"
		" AND scope OPERATOR(pg_catalog.=) ($3 COLLATE pg_catalog.\"C\")"
		" AND owner OPERATOR(pg_catalog.=) $2";

	p->fetch = kc_prepare(psprintf("SELECT state, fingerprint, response, response_code,"
								   " recovery_point, lease_token, lease_holder_pid,"
								   " lease_interval, lease_expires_at, created_at,"
								   " completed_at, expires_at FROM %s WHERE %s",
								   table, where), 4, types);
	p->insert = kc_prepare(psprintf("INSERT INTO %s (routing, owner, scope, key, state,"
									" fingerprint, response, response_code, recovery_point,"
									" lease_token, lease_holder_pid, lease_interval,"
									" lease_expires_at, created_at, completed_at, expires_at)"
									" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
									" $12, $13, $14, $15, $16)", table),
						   KC_NCOLS, types);
	p->update = kc_prepare(psprintf("UPDATE %s SET state = $5, fingerprint = $6,"
									" response = $7, response_code = $8, recovery_point = $9,"
									" lease_token = $10, lease_holder_pid = $11,"
									" lease_interval = $12, lease_expires_at = $13,"
									" created_at = $14, completed_at = $15, expires_at = $16"
									" WHERE %s", table, where),
						   KC_NCOLS, types);
	p->delete = kc_prepare(psprintf("DELETE FROM %s WHERE %s", table, where), 4, types);
	p->valid = true;
	return kc->plans = p;
}

/*
 * The message of Citus's refusal (XX000, executor/multi_executor.c,
 * EnsureTaskExecutionAllowed, the same in Citus 12 and 13) of a statement
 * that a delegated call would have to send to another node: what a key
 * table statement meets when the shard moved away under it.
 */
#define KC_CITUS_NESTED_EXECUTION "cannot execute a distributed query from a query on a shard"

/*
 * Runs plan with args as the key table's owner: the key table is written
 * only through the API, whose functions act for the caller by name.  Should
 * Citus find the shard of kc's routing value on another node and refuse to
 * go there from a delegated call (XX000), the call fails with IK006, the
 * error a client retries, instead.
 */
static int
kc_execute(KsCitus *kc, KsCitusPlans *p, SPIPlanPtr plan, Datum *args,
		   const char *nulls, bool read_only)
{
	Oid			save_userid;
	int			save_sec_context;
	volatile int rc = 0;
	MemoryContext cxt = CurrentMemoryContext;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(p->table_owner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, args, nulls, read_only, 0);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_INTERNAL_ERROR || edata->message == NULL ||
			strncmp(edata->message, KC_CITUS_NESTED_EXECUTION,
					strlen(KC_CITUS_NESTED_EXECUTION)) != 0)
			PG_RE_THROW();
		FlushErrorState();
		SetUserIdAndSecContext(save_userid, save_sec_context);
		kc_not_shard_node(kc->routing_text, kc->relid,
						  psprintf("Citus found the shard on another node (%s).", edata->message));
	}
	PG_END_TRY();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	return rc;
}

/* ---------- this transaction's memory ---------- */

static bool
kc_same_target(Oid relid, const char *routing_text, const KsCitus *kc)
{
	return relid == kc->relid && strcmp(routing_text, kc->routing_text) == 0;
}

/* The latest placement check of this transaction for kc, or NULL. */
static KcChecked *
kc_find_checked(const KsCitus *kc)
{
	int			i;

	for (i = list_length(kc_checked) - 1; i >= 0; i--)
	{
		KcChecked  *c = (KcChecked *) list_nth(kc_checked, i);

		if (kc_same_target(c->relid, c->routing_text, kc))
			return c;
	}
	return NULL;
}

/* The last write of this transaction to id in kc's table, or NULL. */
static KcWrite *
kc_find_write(const KsCitus *kc, const KeyId *id)
{
	int			i;

	for (i = list_length(kc_writes) - 1; i >= 0; i--)
	{
		KcWrite    *w = (KcWrite *) list_nth(kc_writes, i);

		if (kc_same_target(w->relid, w->routing_text, kc) && idem_same_key(&w->id, id))
			return w;
	}
	return NULL;
}

static void
kc_remember_write(const KsCitus *kc, const KeyRow *row, bool deleted)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	KcWrite    *w = palloc(sizeof(KcWrite));

	w->relid = kc->relid;
	w->routing_text = pstrdup(kc->routing_text);
	ks_key_id_init(&w->id, kc->relid, DatumGetObjectId(row->values[Anum_keys_owner - 1]),
				   (text *) pg_detoast_datum_copy((struct varlena *) DatumGetPointer(row->values[Anum_keys_scope - 1])),
				   (text *) pg_detoast_datum_copy((struct varlena *) DatumGetPointer(row->values[Anum_keys_key - 1])));
	w->open_claim = !deleted &&
		row->nulls[Anum_keys_lease_expires_at - 1] &&
		KR_TEXT_EQ(row, Anum_keys_state, cstring_to_text("in_progress"));
	w->deleted = deleted;
	memset(w->nulls, true, sizeof(w->nulls));
	if (!deleted)
	{
		int			i;

		for (i = Anum_keys_state; i <= Natts_keys; i++)
		{
			int16		len;
			bool		byval;

			w->nulls[i - 1] = row->nulls[i - 1];
			if (row->nulls[i - 1])
				continue;
			get_typlenbyval(kc_column_types[i - Anum_keys_state], &len, &byval);
			w->values[i - 1] = datumCopy(row->values[i - 1], byval, len);
		}
	}
	w->subid = GetCurrentSubTransactionId();
	kc_writes = lappend(kc_writes, w);
	MemoryContextSwitchTo(old);
}

/* ---------- placement ---------- */

/* A column of a Citus catalog table, by name */
static AttrNumber
kc_attnum(Oid relid, const char *name)
{
	AttrNumber	a = get_attnum(relid, name);

	if (a == InvalidAttrNumber)
		elog(ERROR, "Citus catalog %s has no column %s", get_rel_name(relid), name);
	return a;
}

/* This node's group in Citus's pg_dist_local_group (0: the coordinator). */
static int32
kc_local_group(void)
{
	Oid			localgroup = get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE);
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		isnull;
	int32		mygroup = -1;

	if (!OidIsValid(localgroup))
		elog(ERROR, "Citus catalog pg_dist_local_group not found");
	rel = table_open(localgroup, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		d = heap_getattr(tup, kc_attnum(localgroup, "groupid"),
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			mygroup = DatumGetInt32(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return mygroup;
}

/*
 * Raises IK006 for routing_text in the key table relid; detail, if given,
 * replaces the usual one.
 */
static void
kc_not_shard_node(const char *routing_text, Oid relid, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_IDEM_NOT_SHARD_NODE),
			 errmsg("this node does not hold the shard of routing value %s in %s",
					routing_text, get_rel_name(relid)),
			 detail ? errdetail_internal("%s", detail) :
			 errdetail("A routed idempotency function must run on the worker that holds the key's shard."),
			 errhint("Call it through the coordinator in a form Citus delegates, SELECT * FROM schema.claim(...); "
					 "if the shard has just moved, retry the transaction.")));
}

/*
 * ks_citus_shard_id is the shard of routing (of type routing_type) in the
 * distributed table relid, from Citus's
 * get_shard_id_for_distribution_column(regclass, "any"), called through
 * fmgr (not SPI: no planning) with a call expression that gives the
 * routing value's type, which the function reads from it.
 */
int64
ks_citus_shard_id(Oid relid, Oid routing_type, Datum routing)
{
	static Oid	fn = InvalidOid;
	Oid			argtypes[2] = {REGCLASSOID, ANYOID};
	FmgrInfo	flinfo;
	FuncExpr   *fe;
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;
	int16		typlen;
	bool		typbyval;

	if (!OidIsValid(fn))
		fn = LookupFuncName(list_make2(makeString("pg_catalog"),
									   makeString("get_shard_id_for_distribution_column")),
							2, argtypes, false);
	fmgr_info(fn, &flinfo);
	get_typlenbyval(routing_type, &typlen, &typbyval);
	fe = makeFuncExpr(fn, INT8OID,
					  list_make2(makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
										   ObjectIdGetDatum(relid), false, true),
								 makeConst(routing_type, -1, InvalidOid, typlen,
										   routing, false, typbyval)),
					  InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	flinfo.fn_expr = (Node *) fe;
	InitFunctionCallInfoData(*fcinfo, &flinfo, 2, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(relid);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = routing;
	fcinfo->args[1].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "no shard of %s for a routing value", get_rel_name(relid));
	return DatumGetInt64(result);
}

/*
 * ks_citus_lock_shard takes, for the rest of the transaction, the metadata
 * lock of shardid's shard group (a shard of the key table relid) in
 * ShareLock: the lock that Citus takes for every write to the shard and
 * that a shard move holds in ExclusiveLock until its switch commits.  It
 * calls Citus's lock_shard_metadata(ShareLock, ARRAY[shardid]) through
 * fmgr as the key table's owner (Citus lets only a table's owner lock its
 * shards), and then reads the invalidations the wait may have let in, so
 * that what follows sees a switch that committed meanwhile.
 */
void
ks_citus_lock_shard(Oid relid, int64 shardid)
{
	static Oid	fn = InvalidOid;
	ListCell   *lc;
	Datum		elem = Int64GetDatum(shardid);
	ArrayType  *arr;
	Oid			save_userid;
	int			save_sec_context;
	HeapTuple	tup;
	Oid			owner;
	MemoryContext old;
	KcLocked   *l;

	foreach(lc, kc_locked)
		if (((KcLocked *) lfirst(lc))->shardid == shardid)
			return;

	if (!OidIsValid(fn))
	{
		Oid			argtypes[2] = {INT4OID, INT8ARRAYOID};

		fn = LookupFuncName(list_make2(makeString("pg_catalog"),
									   makeString("lock_shard_metadata")),
							2, argtypes, false);
	}
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	ks_citus_init();
	arr = construct_array(&elem, 1, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	(void) OidFunctionCall2(fn, Int32GetDatum(ShareLock), PointerGetDatum(arr));
	SetUserIdAndSecContext(save_userid, save_sec_context);
	AcceptInvalidationMessages();

	old = MemoryContextSwitchTo(TopTransactionContext);
	l = palloc(sizeof(KcLocked));
	l->shardid = shardid;
	l->subid = GetCurrentSubTransactionId();
	kc_locked = lappend(kc_locked, l);
	MemoryContextSwitchTo(old);
}

/* Whether a placement of shardid is in this node's group (Citus's catalogs). */
static bool
kc_shard_is_local(int64 shardid)
{
	Oid			placement = get_relname_relid("pg_dist_placement", PG_CATALOG_NAMESPACE);
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		isnull;
	int32		mygroup = kc_local_group();
	bool		local = false;
	AttrNumber	a_shard,
				a_group;

	if (!OidIsValid(placement))
		elog(ERROR, "Citus catalog pg_dist_placement not found");

	a_shard = kc_attnum(placement, "shardid");
	a_group = kc_attnum(placement, "groupid");
	rel = table_open(placement, AccessShareLock);
	ScanKeyInit(&key, a_shard, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(shardid));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (!local && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		d = heap_getattr(tup, a_group, RelationGetDescr(rel), &isnull);

		local = !isnull && DatumGetInt32(d) == mygroup;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return local;
}

/* Raises IK006 unless this node holds shardid, kc's routing value's shard. */
static void
kc_check_placement(KsCitus *kc, int64 shardid)
{
	if (!kc_shard_is_local(shardid))
		kc_not_shard_node(kc->routing_text, kc->relid, NULL);
}

/* Remembers, for this (sub)transaction, that kc's placement was checked. */
static KcChecked *
kc_remember_checked(KsCitus *kc, int64 shardid, bool locked)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	KcChecked  *c = palloc(sizeof(KcChecked));

	c->relid = kc->relid;
	c->routing_text = pstrdup(kc->routing_text);
	c->shardid = shardid;
	c->locked = locked;
	c->subid = GetCurrentSubTransactionId();
	kc_checked = lappend(kc_checked, c);
	MemoryContextSwitchTo(old);
	return c;
}

/*
 * Checks the placement before the first access of this transaction to
 * kc's routing value; for a call that may write (lock), under the shard
 * group's metadata lock, taken first.
 */
static void
kc_ensure_placement(KsCitus *kc, bool lock)
{
	KcChecked  *c = kc_find_checked(kc);
	int64		shardid;

	if (c != NULL && (c->locked || !lock))
		return;
	shardid = c != NULL ? c->shardid : ks_citus_shard_id(kc->relid, kc->routing_type, kc->routing);
	if (lock)
		ks_citus_lock_shard(kc->relid, shardid);
	kc_check_placement(kc, shardid);
	(void) kc_remember_checked(kc, shardid, lock);
}

/*
 * ks_citus_prepare_call is called by the planner hook (citus.c) for a
 * routed call that may write, before Citus plans (and may delegate) it:
 * it takes the shard group's metadata lock on this node, as Citus does
 * for a write it routes, so that a move cannot start between this node's
 * lock and the worker's.  When this node holds the shard (the call will
 * run here) the placement is checked too, under the lock, and the call's
 * kc_open has nothing left to do; elsewhere nothing is raised: the
 * call is delegated, or fails with IK006 when it runs.  Returns the shard.
 */
int64
ks_citus_prepare_call(Oid relid, Oid routing_type, Datum routing)
{
	KsCitus		kc;
	int64		shardid;
	Oid			outfunc;
	bool		isvarlena;
	KcChecked  *c;

	kc.relid = relid;
	kc.routing_type = routing_type;
	kc.routing = routing;
	getTypeOutputInfo(routing_type, &outfunc, &isvarlena);
	kc.routing_text = OidOutputFunctionCall(outfunc, routing);
	c = kc_find_checked(&kc);
	if (c != NULL && c->locked)
		return c->shardid;
	shardid = ks_citus_shard_id(relid, routing_type, routing);
	ks_citus_lock_shard(relid, shardid);
	if (kc_shard_is_local(shardid))
		(void) kc_remember_checked(&kc, shardid, true);
	return shardid;
}

/* ---------- the key store ---------- */

#define KS_CITUS(ks) ((KsCitus *) (ks)->state)

/*
 * open (keystore.h): the routed key table of target, a KsCitus; the
 * placement is checked here, before any key is read.
 */
static void
kc_open(KeyStore *ks, KsTarget *target)
{
	KsCitus    *kc = (KsCitus *) target;

	ks->state = kc;
	kc_ensure_placement(kc, ks->lockmode != AccessShareLock);
}

/* close (keystore.h): SPI keeps nothing open between statements */
static void
kc_close(KeyStore *ks)
{
}

/* The statement arguments for id: routing, owner by name, scope, key. */
static void
kc_id_args(const KsCitus *kc, const KeyId *id, Datum *args)
{
	args[0] = kc->routing;
	args[1] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(id->owner, false)));
	args[2] = PointerGetDatum(id->scope);
	args[3] = PointerGetDatum(id->key);
}

/*
 * fetch (keystore.h) reads id's row: KS_ACTIVE with the statement's
 * snapshot, KS_LATEST (and KS_DIRTY, which SQL cannot read) with a new
 * one.  Every row it reads is in the snapshot it reads with.
 */
static bool
kc_fetch(KeyStore *ks, const KeyId *id, KsSnapshot which,
		 bool check_xact_snapshot, KeyRow *row)
{
	KsCitus    *kc = KS_CITUS(ks);
	MemoryContext callcxt = CurrentMemoryContext;
	KsCitusPlans *p;
	Datum		args[4];
	int			i;
	KcWrite    *w = kc_find_write(kc, id);

	/*
	 * A key this transaction wrote: its row is the one written, since
	 * every writer of the key holds its lock until the end of the
	 * transaction, and expiry deletes no row that has not expired.
	 */
	if (w != NULL)
	{
		row->found = !w->deleted;
		if (row->found)
		{
			memcpy(row->values, w->values, sizeof(row->values));
			memcpy(row->nulls, w->nulls, sizeof(row->nulls));
			row->values[Anum_keys_owner - 1] = ObjectIdGetDatum(id->owner);
			row->values[Anum_keys_scope - 1] = PointerGetDatum(id->scope);
			row->values[Anum_keys_key - 1] = PointerGetDatum(id->key);
			row->nulls[Anum_keys_owner - 1] = false;
			row->nulls[Anum_keys_scope - 1] = false;
			row->nulls[Anum_keys_key - 1] = false;
			ItemPointerSet(&row->tid, 0, 1);
			row->own = true;
			row->in_snapshot = true;
		}
		return row->found;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	p = kc_get_plans(kc);
	kc_id_args(kc, id, args);
	(void) kc_execute(kc, p, p->fetch, args, NULL, which == KS_ACTIVE);
	row->found = SPI_processed > 0;
	if (row->found)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(callcxt);

		row->values[Anum_keys_owner - 1] = ObjectIdGetDatum(id->owner);
		row->nulls[Anum_keys_owner - 1] = false;
		row->values[Anum_keys_scope - 1] = PointerGetDatum(id->scope);
		row->nulls[Anum_keys_scope - 1] = false;
		row->values[Anum_keys_key - 1] = PointerGetDatum(id->key);
		row->nulls[Anum_keys_key - 1] = false;
		for (i = Anum_keys_state; i <= Natts_keys; i++)
		{
			Form_pg_attribute att = TupleDescAttr(td, i - Anum_keys_state);
			Datum		v = SPI_getbinval(tup, td, i - Anum_keys_state + 1,
										  &row->nulls[i - 1]);

			row->values[i - 1] = row->nulls[i - 1] ? (Datum) 0 :
				datumCopy(v, att->attbyval, att->attlen);
		}
		MemoryContextSwitchTo(old);
		ItemPointerSet(&row->tid, 0, 1);	/* no position: keys by identity */
		row->own = false;
		row->in_snapshot = true;
	}
	SPI_finish();
	return row->found;
}

typedef enum KcWriteKind
{
	KC_INSERT,
	KC_UPDATE,
	KC_DELETE
} KcWriteKind;

/*
 * Runs the insert, update or delete statement for row (by its identity;
 * with its values but for a delete), under the shard group's lock, and
 * remembers the write.  Returns the number of rows written.
 */
static uint64
kc_write(KeyStore *ks, KeyRow *row, KcWriteKind kind)
{
	KsCitus    *kc = KS_CITUS(ks);
	KsCitusPlans *p;
	Datum		args[KC_NCOLS];
	char		nulls[KC_NCOLS];
	KeyId		id;
	int			i;
	uint64		n;

	ks_key_id_init(&id, kc->relid, DatumGetObjectId(row->values[Anum_keys_owner - 1]),
				   DatumGetTextPP(row->values[Anum_keys_scope - 1]),
				   DatumGetTextPP(row->values[Anum_keys_key - 1]));
	kc_ensure_placement(kc, true);	/* done at open, unless opened to read */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	p = kc_get_plans(kc);
	kc_id_args(kc, &id, args);
	memset(nulls, ' ', sizeof(nulls));
	for (i = Anum_keys_state; i <= Natts_keys; i++)
	{
		args[i] = row->values[i - 1];
		nulls[i] = row->nulls[i - 1] ? 'n' : ' ';
	}
	(void) kc_execute(kc, p, kind == KC_INSERT ? p->insert :
					  kind == KC_UPDATE ? p->update : p->delete,
					  args, nulls, false);
	n = SPI_processed;
	SPI_finish();
	if (n > 0)
		kc_remember_write(kc, row, kind == KC_DELETE);
	return n;
}

/* insert (keystore.h): a new row of the routed key table */
static void
kc_insert(KeyStore *ks, KeyRow *row)
{
	if (kc_write(ks, row, KC_INSERT) != 1)
		elog(ERROR, "routed key insert wrote no row");
	ItemPointerSet(&row->tid, 0, 1);
	row->found = true;
	row->own = true;
	row->in_snapshot = true;
}

/* update (keystore.h), by the row's identity */
static TM_Result
kc_update(KeyStore *ks, KeyRow *row)
{
	if (kc_write(ks, row, KC_UPDATE) == 0)
		return TM_Deleted;
	row->own = true;
	return TM_Ok;
}

/* delete (keystore.h), by the row's identity */
static TM_Result
kc_delete(KeyStore *ks, KeyRow *row)
{
	uint64		n = kc_write(ks, row, KC_DELETE);

	row->found = false;
	return n > 0 ? TM_Ok : TM_Deleted;
}

/* fetch_tid (keystore.h): no positions here, so by identity */
static bool
kc_fetch_tid(KeyStore *ks, const KeyId *id, ItemPointer tid, KeyRow *row)
{
	return kc_fetch(ks, id, KS_LATEST, false, row);
}

/* prefetch (keystore.h): none; each key is one statement anyway */
static KsPrefetched *
kc_prefetch(KeyStore *ks, const KeyId *const *ids, int n)
{
	return NULL;
}

/* fingerprint_value (keystore.h): a routed key table stores digests */
static Datum
kc_fingerprint_value(const KeyStore *ks, text *fingerprint)
{
	return idem_fingerprint_value(fingerprint);
}

/*
 * The routed store.  A row's lease_holder_pid is a worker backend of a
 * coordinator connection (docs/citus.md), and a read through SPI costs far
 * more than an uncontended key lock.
 */
static const KeyStoreRoutine kc_routine = {
	.name = "citus",
	.holder_pids_local = false,
	.lock_before_read = true,
	.open = kc_open,
	.close = kc_close,
	.fetch = kc_fetch,
	.fetch_tid = kc_fetch_tid,
	.prefetch = kc_prefetch,
	.insert = kc_insert,
	.update = kc_update,
	.delete = kc_delete,
	.fingerprint_value = kc_fingerprint_value,
};

/* ---------- transaction ends ---------- */

/* Raises IK005 if a routed key was left claimed without a lease. */
static void
kc_check_claims(bool prepare)
{
	ListCell   *lc;

	foreach(lc, kc_writes)
	{
		KcWrite    *w = (KcWrite *) lfirst(lc);
		KsCitus		kc;

		kc.relid = w->relid;
		kc.routing_text = w->routing_text;
		if (!w->open_claim || kc_find_write(&kc, &w->id) != w)
			continue;			/* finished, or not the key's last write */
		idem_xact_refuse_commit(&w->id, prepare, true);
	}
}

static void
kc_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (kc_writes != NIL)
				kc_check_claims(event == XACT_EVENT_PRE_PREPARE);
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* their memory goes with TopTransactionContext */
			kc_writes = NIL;
			kc_checked = NIL;
			kc_locked = NIL;
			break;
		default:
			break;
	}
}

static void
kc_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			/* the writes are undone, the locks it took released */
			foreach(lc, kc_writes)
			{
				KcWrite    *w = (KcWrite *) lfirst(lc);

				if (w->subid == mySubid)
					kc_writes = foreach_delete_current(kc_writes, lc);
			}
			foreach(lc, kc_checked)
			{
				KcChecked  *c = (KcChecked *) lfirst(lc);

				if (c->subid == mySubid)
					kc_checked = foreach_delete_current(kc_checked, lc);
			}
			foreach(lc, kc_locked)
			{
				KcLocked   *l = (KcLocked *) lfirst(lc);

				if (l->subid == mySubid)
					kc_locked = foreach_delete_current(kc_locked, lc);
			}
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			foreach(lc, kc_writes)
			{
				KcWrite    *w = (KcWrite *) lfirst(lc);

				if (w->subid == mySubid)
					w->subid = parentSubid;
			}
			foreach(lc, kc_checked)
			{
				KcChecked  *c = (KcChecked *) lfirst(lc);

				if (c->subid == mySubid)
					c->subid = parentSubid;
			}
			foreach(lc, kc_locked)
			{
				KcLocked   *l = (KcLocked *) lfirst(lc);

				if (l->subid == mySubid)
					l->subid = parentSubid;
			}
			break;
		default:
			break;
	}
}
