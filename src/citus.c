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
 *	  makes that table the key store of the call (ks_citus_enter), and
 *	  runs the plain function's body on the remaining arguments.  Citus's
 *	  catalogs are read through SPI and never linked against, so the
 *	  library loads where Citus is absent; there a routed call fails with
 *	  55000.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/regproc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "keystore.h"
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
 * Citus, or for a function that distribute() did not make.
 */
static RoutedFunc *
routed_lookup(Oid fn_oid)
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
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("routed idempotency functions need Citus"),
				 errdetail("The citus extension is not installed in this database."),
				 errhint("Use the functions of schema idempotency on plain PostgreSQL.")));

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
	KsCitus    *previous = ks_citus_current;
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
	rf = routed_lookup(fcinfo->flinfo->fn_oid);
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

	ks_citus_enter(&target, rf->relid, rf->routing_type, PG_GETARG_DATUM(0));
	PG_TRY();
	{
		result = body(inner);
	}
	PG_FINALLY();
	{
		ks_citus_leave(previous);
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
