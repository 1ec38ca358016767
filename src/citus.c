/*-------------------------------------------------------------------------
 * citus.c
 *	  The routed entry points that idempotency.distribute() creates in a
 *	  schema of the user's (docs/citus.md): claim, complete, release,
 *	  checkpoint, lookup and once, each taking a routing value first and
 *	  then the arguments of the plain function of the same name.  Citus
 *	  delegates each call to the worker that holds the routing value's
 *	  shard group (force_delegation), where it runs in the caller's
 *	  transaction.
 *
 *	  A call finds its key table from its own colocation group (the
 *	  function's row in Citus's pg_dist_object: idempotency.keys_<id>),
 *	  makes that table the key store of the call (ks_citus_target, ks_enter), and
 *	  runs the plain function's body on the remaining arguments.  Citus's
 *	  catalogs are read through SPI and never linked against, so the
 *	  library loads where Citus is absent; there a routed call fails with
 *	  55000.
 *
 *	  The planner hook: Citus decides in its planner to send a call to a
 *	  worker, and treats it as read-only there ("the worker takes care of
 *	  the locking"), so the node that delegates a routed call would take no
 *	  shard lock, while the call itself takes the worker's copy of it when
 *	  it writes.  A transaction that then writes the same shard group
 *	  through the coordinator (claim, INSERT, complete) took the worker's
 *	  lock before the coordinator's, the reverse of a shard move's order,
 *	  and the two deadlocked.  So before Citus plans a routed call that may
 *	  write, the hook takes the shard group's metadata lock on this node,
 *	  as Citus does for a write it routes (ks_citus_prepare_call).  It
 *	  recognises the call shapes that Citus delegates (SELECT f(...) and
 *	  SELECT ... FROM f(...)) with a routing value known at planning, and
 *	  costs other statements a few comparisons.  A plan that Citus
 *	  delegated carries a lock node, so that a cached plan run in a later
 *	  transaction without planning takes the lock too.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/extensible.h"
#include "nodes/pathnodes.h"
#include "nodes/primnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/regproc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "keystore.h"
#include "ks_choose.h"
#include "ks_citus.h"

PG_FUNCTION_INFO_V1(idempotency_routed_claim);
PG_FUNCTION_INFO_V1(idempotency_routed_complete);
PG_FUNCTION_INFO_V1(idempotency_routed_release);
PG_FUNCTION_INFO_V1(idempotency_routed_checkpoint);
PG_FUNCTION_INFO_V1(idempotency_routed_lookup);
PG_FUNCTION_INFO_V1(idempotency_routed_once);

/* The plain functions whose bodies the routed ones run (api.c, once.c) */
extern Datum idempotency_claim(PG_FUNCTION_ARGS);
extern Datum idempotency_complete(PG_FUNCTION_ARGS);
extern Datum idempotency_release(PG_FUNCTION_ARGS);
extern Datum idempotency_checkpoint(PG_FUNCTION_ARGS);
extern Datum idempotency_lookup(PG_FUNCTION_ARGS);
extern Datum idempotency_once(PG_FUNCTION_ARGS);

/* What a routed function serves, by its OID; kept for the backend */
typedef struct RoutedFunc
{
	Oid			fn_oid;
	Oid			relid;			/* its key table */
	Oid			routing_type;	/* its first argument's type */
	struct RoutedFunc *next;
} RoutedFunc;

static RoutedFunc *routed_funcs = NULL;
static bool routed_callback_registered = false;

/* Forgets the functions whose key table was invalidated (dropped, altered). */
static void
routed_relcache_callback(Datum arg, Oid relid)
{
	RoutedFunc **p = &routed_funcs;

	while (*p != NULL)
	{
		if (relid == InvalidOid || (*p)->relid == relid)
		{
			RoutedFunc *gone = *p;

			*p = gone->next;
			pfree(gone);
		}
		else
			p = &(*p)->next;
	}
}

/*
 * The key table of the routed function fn_oid: idempotency.keys_<id> for
 * the colocation group Citus records for the function.  55000 without
 * Citus, or for a function that distribute() did not make; NULL instead
 * with missing_ok.
 */
static RoutedFunc *
routed_lookup(Oid fn_oid, bool missing_ok)
{
	RoutedFunc *rf;
	Oid			nsp;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	int32		colocationid = 0;
	bool		found = false;
	Oid			relid;
	HeapTuple	proctup;
	Form_pg_proc procform;
	Oid			routing_type;

	for (rf = routed_funcs; rf != NULL; rf = rf->next)
		if (rf->fn_oid == fn_oid)
			return rf;

	if (!OidIsValid(get_relname_relid("pg_dist_object", PG_CATALOG_NAMESPACE)))
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("routed idempotency functions need Citus"),
				 errdetail("The citus extension is not installed in this database."),
				 errhint("Use the functions of schema idempotency on plain PostgreSQL.")));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[0] = ObjectIdGetDatum(fn_oid);
	if (SPI_execute_with_args("SELECT colocationid FROM pg_catalog.pg_dist_object"
							  " WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass"
							  " AND objid OPERATOR(pg_catalog.=) $1"
							  " AND colocationid IS NOT NULL",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_dist_object");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			colocationid = DatumGetInt32(d);
			found = true;
		}
	}
	SPI_finish();

	nsp = get_namespace_oid("idempotency", true);
	relid = (found && OidIsValid(nsp)) ?
		get_relname_relid(psprintf("keys_%d", colocationid), nsp) : InvalidOid;
	if (!OidIsValid(relid) && missing_ok)
		return NULL;
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("function %s is not a routed idempotency function", format_procedure(fn_oid)),
				 errdetail(found ? "Its colocation group %d has no key table idempotency.keys_%d." :
						   "Citus has not distributed it with a colocation group.",
						   colocationid, colocationid),
				 errhint("Create routed functions with idempotency.distribute().")));

	proctup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(proctup))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	procform = (Form_pg_proc) GETSTRUCT(proctup);
	if (procform->pronargs < 1)
		elog(ERROR, "routed function %u has no routing argument", fn_oid);
	routing_type = procform->proargtypes.values[0];
	ReleaseSysCache(proctup);

	if (!routed_callback_registered)
	{
		CacheRegisterRelcacheCallback(routed_relcache_callback, (Datum) 0);
		routed_callback_registered = true;
	}
	rf = MemoryContextAlloc(TopMemoryContext, sizeof(RoutedFunc));
	rf->fn_oid = fn_oid;
	rf->relid = relid;
	rf->routing_type = routing_type;
	rf->next = routed_funcs;
	routed_funcs = rf;
	return rf;
}

/*
 * routed_call runs body, a plain function of the API, on fcinfo's
 * arguments after the first (body_nargs of them, or at least -body_nargs), with the call's key table as key store.
 * The call expression body sees is the routed one without its routing
 * argument, so argument types, VARIADIC and the result type line up.
 */
static Datum
routed_call(FunctionCallInfo fcinfo, PGFunction body, int body_nargs)
{
	RoutedFunc *rf;
	KsCitus		target;
	KsTarget   *previous;
	FmgrInfo	flinfo;
	FunctionCallInfo inner;
	int			nargs = PG_NARGS() - 1;
	int			i;
	volatile Datum result = (Datum) 0;

	/* a function made by hand with other arguments must not reach body */
	if (body_nargs >= 0 ? nargs != body_nargs : nargs < -body_nargs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("function %s does not have the arguments of a routed idempotency function",
						format_procedure(fcinfo->flinfo->fn_oid)),
				 errhint("Create routed functions with idempotency.distribute().")));
	rf = routed_lookup(fcinfo->flinfo->fn_oid, false);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("routing value must not be null")));

	flinfo = *fcinfo->flinfo;
	flinfo.fn_nargs = nargs;
	flinfo.fn_extra = NULL;
	flinfo.fn_mcxt = CurrentMemoryContext;
	if (fcinfo->flinfo->fn_expr != NULL && IsA(fcinfo->flinfo->fn_expr, FuncExpr))
	{
		FuncExpr   *fe = (FuncExpr *) copyObject(fcinfo->flinfo->fn_expr);

		fe->args = list_delete_first(fe->args);
		flinfo.fn_expr = (Node *) fe;
	}
	else
		flinfo.fn_expr = NULL;

	inner = palloc0(SizeForFunctionCallInfo(nargs));
	InitFunctionCallInfoData(*inner, &flinfo, nargs, fcinfo->fncollation,
							 fcinfo->context, fcinfo->resultinfo);
	for (i = 0; i < nargs; i++)
		inner->args[i] = fcinfo->args[i + 1];

	ks_citus_target(&target, rf->relid, rf->routing_type, PG_GETARG_DATUM(0));
	previous = ks_enter(&target.target);
	PG_TRY();
	{
		result = body(inner);
	}
	PG_FINALLY();
	{
		ks_leave(previous);
	}
	PG_END_TRY();
	fcinfo->isnull = inner->isnull;
	return result;
}

Datum
idempotency_routed_claim(PG_FUNCTION_ARGS)
{
	return routed_call(fcinfo, idempotency_claim, 6);
}

Datum
idempotency_routed_complete(PG_FUNCTION_ARGS)
{
	return routed_call(fcinfo, idempotency_complete, 5);
}

Datum
idempotency_routed_release(PG_FUNCTION_ARGS)
{
	return routed_call(fcinfo, idempotency_release, 3);
}

Datum
idempotency_routed_checkpoint(PG_FUNCTION_ARGS)
{
	return routed_call(fcinfo, idempotency_checkpoint, 5);
}

Datum
idempotency_routed_lookup(PG_FUNCTION_ARGS)
{
	return routed_call(fcinfo, idempotency_lookup, 2);
}

Datum
idempotency_routed_once(PG_FUNCTION_ARGS)
{
	return routed_call(fcinfo, idempotency_once, -2);
}

/* ---------- the planner hook ---------- */

/* What a function is to the planner hook, by OID; kept for the backend */
typedef enum RoutedKind
{
	RK_OTHER,					/* not a routed entry point */
	RK_WRITER,					/* claim, complete, release, checkpoint, once */
	RK_READER					/* lookup */
} RoutedKind;

typedef struct RoutedKindEntry
{
	Oid			fn_oid;			/* hash key */
	RoutedKind	kind;
} RoutedKindEntry;

static planner_hook_type routed_prev_planner = NULL;
static HTAB *routed_kinds = NULL;
static bool routed_kinds_stale = false;
static bool routed_kinds_callback = false;

/* Forgets every function's kind when pg_proc changes. */
static void
routed_proc_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	routed_kinds_stale = true;
}

/*
 * Whether fn_oid is a routed entry point, from its pg_proc row: a C
 * function of this library whose symbol is one of idempotency_routed_*.
 */
static RoutedKind
routed_kind(Oid fn_oid)
{
	RoutedKindEntry *e;
	bool		found;
	HeapTuple	tup;
	RoutedKind	kind = RK_OTHER;

	if (routed_kinds == NULL || routed_kinds_stale)
	{
		HASHCTL		ctl;

		if (routed_kinds == NULL && !routed_kinds_callback)
		{
			CacheRegisterSyscacheCallback(PROCOID, routed_proc_callback, (Datum) 0);
			routed_kinds_callback = true;
		}

		if (routed_kinds != NULL)
			hash_destroy(routed_kinds);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RoutedKindEntry);
		routed_kinds = hash_create("idempotency routed functions", 64, &ctl,
								   HASH_ELEM | HASH_BLOBS);
		routed_kinds_stale = false;
	}
	e = hash_search(routed_kinds, &fn_oid, HASH_FIND, NULL);
	if (e != NULL)
		return e->kind;

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (HeapTupleIsValid(tup))
	{
		if (((Form_pg_proc) GETSTRUCT(tup))->prolang == ClanguageId)
		{
			bool		isnull;
			Datum		src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
			Datum		bin = isnull ? (Datum) 0 :
				SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &isnull);

			if (!isnull)
			{
				char	   *prosrc = TextDatumGetCString(src);
				char	   *probin = TextDatumGetCString(bin);
				const char *base = strrchr(probin, '/');

				base = base ? base + 1 : probin;
				if ((strcmp(base, "idempotency") == 0 || strcmp(base, "idempotency.so") == 0) &&
					strncmp(prosrc, "idempotency_routed_", strlen("idempotency_routed_")) == 0)
					kind = strcmp(prosrc, "idempotency_routed_lookup") == 0 ? RK_READER : RK_WRITER;
			}
		}
		ReleaseSysCache(tup);
	}
	if (routed_kinds_stale)
		return kind;			/* pg_proc changed meanwhile: do not keep it */
	e = hash_search(routed_kinds, &fn_oid, HASH_ENTER, &found);
	e->kind = kind;
	return kind;
}

/*
 * The call of parse if it has a shape that Citus delegates, SELECT f(...)
 * or SELECT ... FROM f(...) (planner/function_call_delegation.c), and f is
 * a routed entry point that may write; else NULL.
 */
static FuncExpr *
routed_writer_call(Query *parse)
{
	Node	   *expr = NULL;

	if (parse->commandType != CMD_SELECT || parse->utilityStmt != NULL ||
		parse->setOperations != NULL || parse->cteList != NIL ||
		parse->jointree == NULL || parse->jointree->quals != NULL)
		return NULL;
	if (parse->rtable == NIL)
	{
		TargetEntry *te;

		if (list_length(parse->targetList) != 1)
			return NULL;
		te = linitial_node(TargetEntry, parse->targetList);
		expr = (Node *) te->expr;
	}
	else if (list_length(parse->rtable) == 1 && list_length(parse->jointree->fromlist) == 1)
	{
		RangeTblEntry *rte = linitial_node(RangeTblEntry, parse->rtable);

		if (rte->rtekind != RTE_FUNCTION || list_length(rte->functions) != 1)
			return NULL;
		expr = linitial_node(RangeTblFunction, rte->functions)->funcexpr;
	}
	if (expr == NULL || !IsA(expr, FuncExpr) || ((FuncExpr *) expr)->args == NIL)
		return NULL;
	if (routed_kind(((FuncExpr *) expr)->funcid) != RK_WRITER)
		return NULL;
	return (FuncExpr *) expr;
}

/*
 * Takes the shard group's metadata lock for a routed call fe whose routing
 * value is known at planning: a constant, or a parameter whose value the
 * plan may use (a custom plan), folded as the planner folds it.  Returns
 * the shard locked, with its key table in *relid, or 0.
 */
static int64
routed_lock_call(FuncExpr *fe, ParamListInfo boundParams, Oid *relid)
{
	PlannerInfo *root = makeNode(PlannerInfo);
	Node	   *arg;
	RoutedFunc *rf;

	root->glob = makeNode(PlannerGlobal);
	root->glob->boundParams = boundParams;
	arg = eval_const_expressions(root, copyObject(linitial(fe->args)));
	if (!IsA(arg, Const) || ((Const *) arg)->constisnull)
		return 0;
	rf = routed_lookup(fe->funcid, true);
	if (rf == NULL || ((Const *) arg)->consttype != rf->routing_type)
		return 0;
	*relid = rf->relid;
	return ks_citus_prepare_call(rf->relid, rf->routing_type, ((Const *) arg)->constvalue);
}

/*
 * The lock node: a CustomScan that a delegated routed call's plan carries
 * among its subplans, never run, whose initialisation at every execution
 * takes the shard group's lock (custom_private: the key table's OID and
 * the shard, as Consts).  A plan kept in a plan cache and run in a later
 * transaction thus takes the lock without being planned again; in the
 * transaction that planned it the lock is already held and costs a list
 * lookup.
 */
static Node *routed_lock_create(CustomScan *cscan);
static void routed_lock_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *routed_lock_exec(CustomScanState *node);
static void routed_lock_end(CustomScanState *node);
static void routed_lock_rescan(CustomScanState *node);

static CustomScanMethods routed_lock_scan_methods = {
	"IdempotencyRoutedLock",
	routed_lock_create
};

static CustomExecMethods routed_lock_exec_methods = {
	.CustomName = "IdempotencyRoutedLock",
	.BeginCustomScan = routed_lock_begin,
	.ExecCustomScan = routed_lock_exec,
	.EndCustomScan = routed_lock_end,
	.ReScanCustomScan = routed_lock_rescan
};

static Node *
routed_lock_create(CustomScan *cscan)
{
	CustomScanState *css = makeNode(CustomScanState);

	css->methods = &routed_lock_exec_methods;
	return (Node *) css;
}

static void
routed_lock_begin(CustomScanState *node, EState *estate, int eflags)
{
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	Oid			relid = DatumGetObjectId(linitial_node(Const, cscan->custom_private)->constvalue);
	int64		shardid = DatumGetInt64(lsecond_node(Const, cscan->custom_private)->constvalue);

	/* EXPLAIN locks nothing; a key table dropped since planning, nothing */
	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) ||
		!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return;
	ks_citus_lock_shard(relid, shardid);
}

static TupleTableSlot *
routed_lock_exec(CustomScanState *node)
{
	return NULL;
}

static void
routed_lock_end(CustomScanState *node)
{
}

static void
routed_lock_rescan(CustomScanState *node)
{
}

/*
 * Adds the lock node for (relid, shardid) to plan, a delegated call's, and
 * makes the plan depend on the key table, whose relcache entry Citus
 * invalidates when its placements change, so that a cached plan is made
 * again after a move.
 */
static void
routed_add_lock_node(PlannedStmt *plan, Oid relid, int64 shardid)
{
	CustomScan *cscan = makeNode(CustomScan);

	cscan->methods = &routed_lock_scan_methods;
	cscan->custom_private = list_make2(makeConst(OIDOID, -1, InvalidOid, sizeof(Oid),
												 ObjectIdGetDatum(relid), false, true),
									   makeConst(INT8OID, -1, InvalidOid, sizeof(int64),
												 Int64GetDatum(shardid), false, FLOAT8PASSBYVAL));
	plan->subplans = lappend(plan->subplans, cscan);
	plan->relationOids = lappend_oid(plan->relationOids, relid);
}

static PlannedStmt *
routed_planner(Query *parse, const char *query_string, int cursorOptions,
			   ParamListInfo boundParams)
{
	FuncExpr   *fe;
	int64		shardid = 0;
	Oid			relid = InvalidOid;
	PlannedStmt *result;

	if (IsTransactionState() && !IsBinaryUpgrade &&
		(fe = routed_writer_call(parse)) != NULL)
		shardid = routed_lock_call(fe, boundParams, &relid);
	if (routed_prev_planner)
		result = routed_prev_planner(parse, query_string, cursorOptions, boundParams);
	else
		result = standard_planner(parse, query_string, cursorOptions, boundParams);
	/* a call Citus delegates is planned as a CustomScan of Citus's alone */
	if (shardid != 0 && result->planTree != NULL && IsA(result->planTree, CustomScan))
		routed_add_lock_node(result, relid, shardid);
	return result;
}

/*
 * idem_citus_init installs the planner hook, from _PG_init; the library
 * must be loaded after Citus (shared_preload_libraries = 'citus,
 * idempotency', which Citus requires anyway), so that the hook runs before
 * Citus's planner.
 */
void
idem_citus_init(void)
{
	routed_prev_planner = planner_hook;
	planner_hook = routed_planner;
	RegisterCustomScanMethods(&routed_lock_scan_methods);
}
