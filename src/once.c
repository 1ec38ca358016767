/*-------------------------------------------------------------------------
 * once.c
 *	  idempotency.once() and once_with(): one statement run exactly once per
 *	  key, its result rows stored and replayed as a jsonb array.
 *
 *	  once() is claim + statement + complete in the caller's transaction, so
 *	  it inherits claim()'s guarantees: a duplicate waits on the key's lock
 *	  and then replays (or gets 40001 under REPEATABLE READ/SERIALIZABLE);
 *	  an error or a rollback stores nothing.  The statement runs through SPI
 *	  as the calling role, with typed parameters $1..$n taken from the
 *	  function's variadic "any" arguments; it is never built from strings.
 *	  Its fingerprint is a SHA-256 over the statement text and every
 *	  parameter's type and internal value, unless the caller gives one.
 *
 *	  Plans are prepared once per backend for each (statement, parameter
 *	  types) and kept (SPI_keepplan) in a small backend-local cache; the plan
 *	  cache revalidates them after DDL, search_path or role changes, and the
 *	  executor checks privileges at every run.  The cache is a pure
 *	  performance aid: it holds no session state a pooler could break.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "api.h"
#include "compat.h"
#include "idempotency.h"
#include "locks.h"

PG_FUNCTION_INFO_V1(idempotency_once);
PG_FUNCTION_INFO_V1(idempotency_once_uuid);
PG_FUNCTION_INFO_V1(idempotency_once_with);
PG_FUNCTION_INFO_V1(idempotency_once_with_uuid);

/* The statement's parameters, in SPI's terms */
typedef struct OnceParams
{
	int			nargs;
	Oid		   *types;
	Datum	   *values;
	char	   *nulls;			/* ' ' or 'n', as SPI wants */
} OnceParams;

/* A kept plan for one (statement, parameter types) */
typedef struct OncePlan
{
	uint64		hash;			/* hash key: statement and parameter types */
	char	   *sql;			/* in TopMemoryContext, to tell collisions */
	int			nargs;
	Oid			types[FUNC_MAX_ARGS];
	SPIPlanPtr	plan;
} OncePlan;

#define ONCE_PLAN_CACHE_SIZE 256

static HTAB *once_plans = NULL;

/* How many once() statements are running in this backend (nesting depth) */
static int	once_depth = 0;

/*
 * Collects the variadic "any" arguments from argno on.  An explicit
 * VARIADIC array is spread into its elements; untyped literals are text.
 */
static void
once_collect_params(FunctionCallInfo fcinfo, int argno, OnceParams *p)
{
	int			i;

	p->nargs = 0;
	p->types = NULL;
	p->values = NULL;
	p->nulls = NULL;
	if (PG_NARGS() <= argno)
		return;

	if (get_fn_expr_variadic(fcinfo->flinfo))
	{
		ArrayType  *arr;
		Oid			elemtype;
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;
		bool	   *elemnulls;

		if (PG_ARGISNULL(argno))
			return;
		arr = PG_GETARG_ARRAYTYPE_P(argno);
		elemtype = ARR_ELEMTYPE(arr);
		get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
		deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign,
						  &p->values, &elemnulls, &p->nargs);
		if (p->nargs > FUNC_MAX_ARGS)
			ereport(ERROR,
					(errcode(ERRCODE_TOO_MANY_ARGUMENTS),
					 errmsg("once() takes at most %d statement parameters", FUNC_MAX_ARGS)));
		p->types = palloc(sizeof(Oid) * Max(p->nargs, 1));
		p->nulls = palloc(sizeof(char) * Max(p->nargs, 1));
		for (i = 0; i < p->nargs; i++)
		{
			p->types[i] = elemtype;
			p->nulls[i] = elemnulls[i] ? 'n' : ' ';
		}
		return;
	}

	p->nargs = PG_NARGS() - argno;
	p->types = palloc(sizeof(Oid) * p->nargs);
	p->values = palloc(sizeof(Datum) * p->nargs);
	p->nulls = palloc(sizeof(char) * p->nargs);
	for (i = 0; i < p->nargs; i++)
	{
		Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno + i);
		bool		isnull = PG_ARGISNULL(argno + i);
		Datum		value = isnull ? (Datum) 0 : PG_GETARG_DATUM(argno + i);

		if (!OidIsValid(type))
			elog(ERROR, "could not determine the type of parameter $%d", i + 1);
		if (type == UNKNOWNOID)
		{
			type = TEXTOID;
			if (!isnull)
				value = PointerGetDatum(cstring_to_text(DatumGetCString(value)));
		}
		p->types[i] = type;
		p->values[i] = value;
		p->nulls[i] = isnull ? 'n' : ' ';
	}
}

/*
 * Refuses what once() cannot run exactly once: anything but one SELECT,
 * INSERT, UPDATE, DELETE or MERGE (transaction control above all).
 */
static void
once_check_statement(const char *sql)
{
	List	   *raw = pg_parse_query(sql);
	Node	   *stmt;

	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("once() runs exactly one statement"),
				 errdetail("The statement text contains %d statements.", list_length(raw)),
				 errhint("Call once() once per statement, with a key each, or use claim() and complete().")));

	stmt = ((RawStmt *) linitial(raw))->stmt;
	switch (nodeTag(stmt))
	{
		case T_SelectStmt:
			if (((SelectStmt *) stmt)->intoClause != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("once() does not run SELECT INTO")));
			break;
		case T_InsertStmt:
		case T_UpdateStmt:
		case T_DeleteStmt:
#ifdef IDEM_HAVE_MERGE
		case T_MergeStmt:
#endif
			break;
		case T_TransactionStmt:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("once() does not run transaction control statements"),
					 errdetail("once() runs inside the caller's transaction, which decides whether its work commits.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("once() runs only SELECT, INSERT, UPDATE, DELETE or MERGE statements")));
	}
}

/*
 * Whether a type's values are hashed in their text form: when their
 * internal form holds OIDs that are not fixed, i.e. an anonymous record, or
 * a type (or an array's element type) created after initdb, whose values
 * (enums, composites, ranges) name OIDs that a dump and restore renumbers.
 */
static bool
once_hash_as_text(Oid type)
{
	Oid			base = getBaseType(type);
	Oid			elem;

	if (base == RECORDOID || base >= FirstNormalObjectId)
		return true;
	elem = get_element_type(base);
	return OidIsValid(elem) && once_hash_as_text(elem);
}

/*
 * Appends value, of type type, to buf in its internal representation:
 * the bytes the server itself compares, which no session setting
 * (TimeZone, DateStyle, client_encoding, bytea_output ...) changes, or
 * in its text form where once_hash_as_text says so.
 */
static void
once_append_value(StringInfo buf, Oid type, Datum value)
{
	int16		typlen;
	bool		typbyval;

	if (once_hash_as_text(type))
	{
		Oid			outfunc;
		bool		isvarlena;
		char	   *str;

		getTypeOutputInfo(type, &outfunc, &isvarlena);
		str = OidOutputFunctionCall(outfunc, value);
		appendStringInfo(buf, "T%zu:", strlen(str));
		appendStringInfoString(buf, str);
		return;
	}

	get_typlenbyval(type, &typlen, &typbyval);
	if (typbyval)
	{
		appendStringInfoString(buf, "D:");
		appendBinaryStringInfo(buf, (const char *) &value, sizeof(Datum));
	}
	else if (typlen == -1)
	{
		struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

		appendStringInfo(buf, "L%zu:", (size_t) VARSIZE_ANY_EXHDR(v));
		appendBinaryStringInfo(buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	}
	else if (typlen == -2)
	{
		const char *str = DatumGetCString(value);

		appendStringInfo(buf, "C%zu:", strlen(str));
		appendStringInfoString(buf, str);
	}
	else
	{
		appendStringInfo(buf, "F%d:", typlen);
		appendBinaryStringInfo(buf, DatumGetPointer(value), typlen);
	}
}

/*
 * SHA-256 (lower-case hex) over the statement text and each parameter's
 * type OID and internal value (NULLs included).
 */
static text *
once_fingerprint(const char *sql, const OnceParams *p)
{
	StringInfoData buf;
	bytea	   *input;
	bytea	   *digest;
	char		hex[2 * 32 + 1];
	uint64		len;
	int			i;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, sql, strlen(sql) + 1);
	for (i = 0; i < p->nargs; i++)
	{
		appendStringInfo(&buf, "%u:", p->types[i]);
		if (p->nulls[i] == 'n')
			appendStringInfoString(&buf, "N");
		else
			once_append_value(&buf, p->types[i], p->values[i]);
		appendStringInfoChar(&buf, '\0');
	}

	input = (bytea *) palloc(VARHDRSZ + buf.len);
	SET_VARSIZE(input, VARHDRSZ + buf.len);
	memcpy(VARDATA(input), buf.data, buf.len);
	digest = DatumGetByteaPP(DirectFunctionCall1(sha256_bytea, PointerGetDatum(input)));
	len = hex_encode(VARDATA_ANY(digest), VARSIZE_ANY_EXHDR(digest), hex);
	return cstring_to_text_with_len(hex, (int) len);
}

/* Drops every kept plan (the cache is full). */
static void
once_plans_reset(void)
{
	HASH_SEQ_STATUS seq;
	OncePlan   *entry;

	hash_seq_init(&seq, once_plans);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		SPI_freeplan(entry->plan);
		pfree(entry->sql);
		(void) hash_search(once_plans, &entry->hash, HASH_REMOVE, NULL);
	}
}

/*
 * once_plan_for returns the kept plan of sql with p's parameter types,
 * checking and preparing the statement on first use.  Called inside SPI.
 */
static SPIPlanPtr
once_plan_for(const char *sql, const OnceParams *p)
{
	uint64		hash;
	OncePlan   *entry;
	bool		found;
	SPIPlanPtr	plan;

	if (once_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(OncePlan);
		once_plans = hash_create("idempotency once() plans", ONCE_PLAN_CACHE_SIZE,
								 &ctl, HASH_ELEM | HASH_BLOBS);
	}

	hash = hash_bytes_extended((const unsigned char *) sql, strlen(sql),
							   (uint64) p->nargs);
	if (p->nargs > 0)
		hash = hash_bytes_extended((const unsigned char *) p->types,
								   sizeof(Oid) * p->nargs, hash);

	entry = hash_search(once_plans, &hash, HASH_FIND, NULL);
	if (entry != NULL && entry->nargs == p->nargs &&
		strcmp(entry->sql, sql) == 0 &&
		memcmp(entry->types, p->types, sizeof(Oid) * p->nargs) == 0)
		return entry->plan;

	/* A miss: check, prepare and keep the statement. */
	once_check_statement(sql);
	plan = SPI_prepare(sql, p->nargs, p->types);
	if (plan == NULL)
		elog(ERROR, "once(): SPI_prepare failed: %s", SPI_result_code_string(SPI_result));

	/*
	 * Making room would free a plan that an enclosing once() may be running
	 * (a once() inside another's statement): then use this plan unsaved,
	 * freed with this call's SPI memory.
	 */
	if (once_depth > 0 &&
		(entry != NULL || hash_get_num_entries(once_plans) >= ONCE_PLAN_CACHE_SIZE))
		return plan;
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "once(): SPI_keepplan failed");

	if (entry != NULL)
	{
		/* a hash collision: the newer statement takes the slot */
		SPI_freeplan(entry->plan);
		pfree(entry->sql);
	}
	else if (hash_get_num_entries(once_plans) >= ONCE_PLAN_CACHE_SIZE)
		once_plans_reset();
	entry = hash_search(once_plans, &hash, HASH_ENTER, &found);
	entry->sql = MemoryContextStrdup(TopMemoryContext, sql);
	entry->nargs = p->nargs;
	memcpy(entry->types, p->types, sizeof(Oid) * p->nargs);
	entry->plan = plan;
	return plan;
}

/*
 * Runs sql with p through SPI as the calling role and returns its result
 * rows as a jsonb array of objects (an empty array for no rows).
 */
static Datum
once_run(const char *sql, const OnceParams *p)
{
	StringInfoData json;
	MemoryContext callcxt = CurrentMemoryContext;
	Datum		result;
	int			rc;
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	{
		SPIPlanPtr volatile plan = once_plan_for(sql, p);

		once_depth++;
		PG_TRY();
		{
			rc = SPI_execute_plan(plan, p->values, p->nulls, false, 0);
		}
		PG_FINALLY();
		{
			once_depth--;
		}
		PG_END_TRY();
	}
	if (rc < 0)
		elog(ERROR, "once(): SPI_execute_plan failed: %s", SPI_result_code_string(rc));

	/* The json text is built in the caller's context: it outlives SPI. */
	{
		MemoryContext spicxt = MemoryContextSwitchTo(callcxt);

		initStringInfo(&json);
		MemoryContextSwitchTo(spicxt);
	}
	appendStringInfoChar(&json, '[');
	if (SPI_tuptable != NULL && SPI_processed > 0)
	{
		TupleDesc	td = BlessTupleDesc(CreateTupleDescCopy(SPI_tuptable->tupdesc));

		for (i = 0; i < SPI_processed; i++)
		{
			Datum		rec = heap_copy_tuple_as_datum(SPI_tuptable->vals[i], td);
			text	   *row = DatumGetTextPP(DirectFunctionCall1(row_to_json, rec));
			MemoryContext spicxt;

			spicxt = MemoryContextSwitchTo(callcxt);
			if (i > 0)
				appendStringInfoChar(&json, ',');
			appendBinaryStringInfo(&json, VARDATA_ANY(row), VARSIZE_ANY_EXHDR(row));
			MemoryContextSwitchTo(spicxt);
			CHECK_FOR_INTERRUPTS();
		}
	}
	{
		MemoryContext spicxt = MemoryContextSwitchTo(callcxt);

		appendStringInfoChar(&json, ']');
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();

	result = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data));
	idem_check_response_size(result);
	return result;
}

/*
 * The shared body: key at argument 0; scope, ttl and fingerprint from
 * once_with's arguments 1-3 when with_options; the statement, then the
 * parameters.
 */
static Datum
once_common(FunctionCallInfo fcinfo, bool is_uuid, bool with_options)
{
	int			stmt_arg = with_options ? 4 : 1;
	ClaimRequest req;
	KeyRow		row;
	OnceParams	params;
	char	   *sql;
	ClaimOutcome outcome;
	Datum		response;

	idem_check_writable("once()");
	req.id.owner = GetUserId();
	req.id.key = idem_key_from_arg(fcinfo, 0, is_uuid);
	req.id.scope = with_options ? idem_scope_from_arg(fcinfo, 1) :
		cstring_to_text("");
	req.ttl_us = (with_options && !PG_ARGISNULL(2)) ?
		idem_interval_arg_usecs(fcinfo, 2, "ttl", false, IDEM_MAX_TTL_SECS) :
		(int64) idem_default_ttl * USECS_PER_SEC;
	req.wait_ms = IDEM_WAIT_LOCK_TIMEOUT;
	req.lease_us = -1;
	req.defer_insert = true;

	if (PG_ARGISNULL(stmt_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("statement must not be null")));
	sql = text_to_cstring(PG_GETARG_TEXT_PP(stmt_arg));
	once_collect_params(fcinfo, stmt_arg + 1, &params);

	if (with_options && !PG_ARGISNULL(3))
	{
		req.fingerprint = PG_GETARG_TEXT_PP(3);
		if (VARSIZE_ANY_EXHDR(req.fingerprint) > IDEM_MAX_FINGERPRINT_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fingerprint must be at most %d bytes long",
							IDEM_MAX_FINGERPRINT_LEN)));
	}
	else
		req.fingerprint = once_fingerprint(sql, &params);

	outcome = idem_claim_internal(&req, &row);
	switch (outcome)
	{
		case CLAIM_COMPLETED:
			if (row.nulls[Anum_keys_response - 1])
				PG_RETURN_NULL();
			PG_RETURN_DATUM(row.values[Anum_keys_response - 1]);
		case CLAIM_IN_PROGRESS:
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("idempotency key \"%s\" is held under a lease by another session",
							text_to_cstring(req.id.key)),
					 errhint("once() cannot run while a lease claim holds the key; wait for the lease to end.")));
			break;
		case CLAIM_CLAIMED:
		case CLAIM_RECOVERED:
			break;
	}

	response = once_run(sql, &params);
	if (row.found)				/* a row to finish: recovered, or claimed earlier */
		idem_complete_internal(&req.id, response, false, (Datum) 0, true, NULL, &row);
	else
		idem_insert_completed(&req, response, &row);
	PG_RETURN_DATUM(response);
}

Datum
idempotency_once(PG_FUNCTION_ARGS)
{
	return once_common(fcinfo, false, false);
}

Datum
idempotency_once_uuid(PG_FUNCTION_ARGS)
{
	return once_common(fcinfo, true, false);
}

Datum
idempotency_once_with(PG_FUNCTION_ARGS)
{
	return once_common(fcinfo, false, true);
}

Datum
idempotency_once_with_uuid(PG_FUNCTION_ARGS)
{
	return once_common(fcinfo, true, true);
}
