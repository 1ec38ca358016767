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
 *	  Its fingerprint covers the statement text (by SHA-256) and every
 *	  parameter's type and internal value (by a 128-bit hash), unless the
 *	  caller gives one.
 *
 *	  Plans are prepared once per backend for each (statement, parameter
 *	  types) and kept (SPI_keepplan) in a small backend-local cache, with
 *	  what the fingerprint needs to know of them (the statement's own digest,
 *	  how each parameter type is hashed); PostgreSQL's plan cache revalidates
 *	  them after DDL, search_path or role changes, and the executor checks
 *	  privileges at every run.  The cache is a pure performance aid: it holds
 *	  no session state a pooler could break.
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
#include "utils/numeric.h"
#include "utils/uuid.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"
#include "nodes/makefuncs.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/syscache.h"

#include "api.h"
#include "common.h"
#include "compat.h"
#include "keystore.h"
#include "ks_choose.h"
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
			{
				SelectStmt *leaf = (SelectStmt *) stmt;

				/*
				 * The parser takes a set operation's INTO from its leftmost
				 * branch (and then makes the whole a CREATE TABLE AS).
				 */
				while (leaf->intoClause == NULL && leaf->op != SETOP_NONE && leaf->larg)
					leaf = leaf->larg;
				if (leaf->intoClause == NULL)
					break;
			}
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

/* A prepared statement and what the fingerprint needs to know of it */
typedef struct OncePlan
{
	uint64		hash;			/* hash key: statement and parameter types */
	char	   *sql;			/* in TopMemoryContext, to tell collisions;
								 * NULL when not kept in the cache */
	int			nargs;
	Oid			types[FUNC_MAX_ARGS];
	bool		as_text[FUNC_MAX_ARGS]; /* hash the text form (see below) */
	int16		typlen[FUNC_MAX_ARGS];
	bool		typbyval[FUNC_MAX_ARGS];
	uint8		sql_digest[32]; /* SHA-256 of the statement text */
	SPIPlanPtr	plan;
} OncePlan;

#define ONCE_PLAN_CACHE_SIZE 256

static HTAB *once_plans = NULL;

/* How many once() statements are running in this backend (nesting depth) */
static int	once_depth = 0;

/* SHA-256 of len bytes at data, into digest[32]. */
static void
once_sha256(const char *data, size_t len, uint8 *digest)
{
	bytea	   *input = (bytea *) palloc(VARHDRSZ + len);
	bytea	   *out;

	SET_VARSIZE(input, VARHDRSZ + len);
	memcpy(VARDATA(input), data, len);
	out = DatumGetByteaPP(DirectFunctionCall1(sha256_bytea, PointerGetDatum(input)));
	Assert(VARSIZE_ANY_EXHDR(out) == 32);
	memcpy(digest, VARDATA_ANY(out), 32);
	pfree(input);
}

/*
 * Whether a type's values are hashed in their text form: when their
 * internal form holds OIDs that are not fixed, i.e. an anonymous record; a
 * type (or an array's element type) without a fixed OID, created by initdb
 * or after it, whose values (enums, composites, ranges) name OIDs that a
 * dump and restore or an upgrade renumbers; or an OID alias (regclass ...),
 * whose value means the object's name.
 */
static bool
once_hash_as_text(Oid type)
{
	Oid			base = getBaseType(type);
	Oid			elem;

	if (base == RECORDOID || base >= FirstGenbkiObjectId)
		return true;
	switch (base)
	{
			/* OID aliases: the object's name is the value */
		case REGCLASSOID:
		case REGTYPEOID:
		case REGPROCOID:
		case REGPROCEDUREOID:
		case REGOPEROID:
		case REGOPERATOROID:
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGNAMESPACEOID:
		case REGROLEOID:
		case REGCOLLATIONOID:
			return true;
		default:
			break;
	}
	elem = get_element_type(base);
	return OidIsValid(elem) && once_hash_as_text(elem);
}

/* Fills in what the fingerprint needs to know of plan's statement and types. */
static void
once_describe(OncePlan *plan, const char *sql)
{
	int			i;

	once_sha256(sql, strlen(sql), plan->sql_digest);
	for (i = 0; i < plan->nargs; i++)
	{
		plan->as_text[i] = once_hash_as_text(plan->types[i]);
		get_typlenbyval(plan->types[i], &plan->typlen[i], &plan->typbyval[i]);
	}
}

/* Appends a tag, len (4 bytes) and len bytes of data to buf. */
static void
once_append_tagged(StringInfo buf, char tag, const char *data, size_t len)
{
	uint32		len32 = (uint32) len;

	appendStringInfoChar(buf, tag);
	appendBinaryStringInfo(buf, (const char *) &len32, sizeof(len32));
	if (len > 0)
		appendBinaryStringInfo(buf, data, len);
}

/*
 * Appends a parameter's type to buf: a type with a fixed OID (below
 * FirstGenbkiObjectId, the same in every release) by that OID; any other
 * (created by initdb, like information_schema's domains, or after it:
 * enums, composites, domains, extensions' types) by its schema and name,
 * unquoted, since a dump and restore or an upgrade gives it another OID.
 */
static void
once_append_type(StringInfo buf, Oid type)
{
	HeapTuple	tup;
	Form_pg_type typ;
	char	   *nspname;
	Oid			none = InvalidOid;

	if (type < FirstGenbkiObjectId)
	{
		appendBinaryStringInfo(buf, (const char *) &type, sizeof(Oid));
		return;
	}
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", type);
	typ = (Form_pg_type) GETSTRUCT(tup);
	nspname = get_namespace_name(typ->typnamespace);
	appendBinaryStringInfo(buf, (const char *) &none, sizeof(Oid));
	once_append_tagged(buf, 'Y', nspname, strlen(nspname));
	once_append_tagged(buf, 'Y', NameStr(typ->typname), strlen(NameStr(typ->typname)));
	ReleaseSysCache(tup);
}

/*
 * Sets, until AtEOXact_GUC(true, the returned level), every setting that
 * output functions read to one fixed value, so that a value hashed in its
 * text form reads the same in every session: dates and intervals in ISO
 * style, times in UTC, floats exact, bytea in hex, money in the C locale,
 * names of non-catalog objects schema-qualified (search_path is pg_catalog
 * alone) and quoted only where needed.  An error in between restores them
 * with the (sub)transaction's abort.
 */
static int
once_fix_output_settings(void)
{
	static const char *const fixed[][2] = {
		{"datestyle", "ISO, YMD"},
		{"intervalstyle", "postgres"},
		{"timezone", "UTC"},
		{"extra_float_digits", "3"},
		{"bytea_output", "hex"},
		{"lc_monetary", "C"},
		{"search_path", "pg_catalog"},
		{"quote_all_identifiers", "off"},
	};
	int			nest = NewGUCNestLevel();
	int			i;

	for (i = 0; i < lengthof(fixed); i++)
		(void) set_config_option(fixed[i][0], fixed[i][1], PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

/*
 * Appends parameter i's value to buf: in its internal representation, the
 * bytes the server itself compares, which no session setting (TimeZone,
 * DateStyle, client_encoding, bytea_output ...) changes; or, where
 * once_hash_as_text says so, in its text form, with the settings output
 * reads fixed by once_fix_output_settings.
 */
static void
once_append_value(StringInfo buf, const OncePlan *plan, int i, Datum value)
{
	if (plan->as_text[i])
	{
		Oid			outfunc;
		bool		isvarlena;
		char	   *str;

		getTypeOutputInfo(plan->types[i], &outfunc, &isvarlena);
		str = OidOutputFunctionCall(outfunc, value);
		once_append_tagged(buf, 'T', str, strlen(str));
	}
	else if (plan->typbyval[i])
	{
		/*
		 * A Datum narrower than 8 bytes has its unused high bits set by how
		 * it was made (ObjectIdGetDatum zero-extends, a value read from a
		 * row sign-extends): hash it sign-extended, as rows hold it.
		 */
		int64		canon;

		switch (plan->typlen[i])
		{
			case 1:
				canon = (int8) DatumGetChar(value);
				break;
			case 2:
				canon = DatumGetInt16(value);
				break;
			case 4:
				canon = DatumGetInt32(value);
				break;
			default:
				canon = (int64) value;
				break;
		}
		once_append_tagged(buf, 'D', (const char *) &canon, sizeof(canon));
	}
	else if (plan->typlen[i] == -1)
	{
		struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

		once_append_tagged(buf, 'L', VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	}
	else if (plan->typlen[i] == -2)
	{
		const char *str = DatumGetCString(value);

		once_append_tagged(buf, 'C', str, strlen(str));
	}
	else
		once_append_tagged(buf, 'F', DatumGetPointer(value), plan->typlen[i]);
}

/*
 * The fingerprint, 64 lower-case hex digits: the first 128 bits of the
 * statement's SHA-256, then a 128-bit hash of each parameter's type (as
 * once_append_type gives it) and value (NULLs included), seeded by the
 * rest of that SHA-256.  It tells a key reused for another request; it is no cryptographic commitment, so
 * the per-call part uses PostgreSQL's fast hash, not a second SHA-256.
 */
static text *
once_fingerprint(const OncePlan *plan, const OnceParams *p)
{
	StringInfoData buf;
	uint64		seed1;
	uint64		seed2;
	uint8		out[32];
	char		hex[2 * 32 + 1];
	uint64		h[2];
	uint64		len;
	int			guc_nest = 0;
	int			i;
	int			k;

	initStringInfo(&buf);
	for (i = 0; i < p->nargs; i++)
	{
		once_append_type(&buf, p->types[i]);
		if (p->nulls[i] == 'n')
			once_append_tagged(&buf, 'N', NULL, 0);
		else
		{
			if (plan->as_text[i] && guc_nest == 0)
				guc_nest = once_fix_output_settings();
			once_append_value(&buf, plan, i, p->values[i]);
		}
	}
	if (guc_nest != 0)
		AtEOXact_GUC(true, guc_nest);
	memcpy(&seed1, plan->sql_digest + 16, sizeof(uint64));
	memcpy(&seed2, plan->sql_digest + 24, sizeof(uint64));
	h[0] = hash_bytes_extended((const unsigned char *) buf.data, buf.len, seed1);
	h[1] = hash_bytes_extended((const unsigned char *) buf.data, buf.len, seed2);

	memcpy(out, plan->sql_digest, 16);
	for (k = 0; k < 2; k++)
		for (i = 0; i < 8; i++)
			out[16 + 8 * k + i] = (uint8) (h[k] >> (56 - 8 * i));
	len = hex_encode((const char *) out, 32, hex);
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
		if (entry->plan != NULL)
			SPI_freeplan(entry->plan);
		pfree(entry->sql);
		(void) hash_search(once_plans, &entry->hash, HASH_REMOVE, NULL);
	}
}

/* The hash key of sql with p's parameter types in the plan cache. */
static uint64
once_plan_hash(const char *sql, const OnceParams *p)
{
	uint64		hash = hash_bytes_extended((const unsigned char *) sql, strlen(sql),
										   (uint64) p->nargs);

	if (p->nargs > 0)
		hash = hash_bytes_extended((const unsigned char *) p->types,
								   sizeof(Oid) * p->nargs, hash);
	return hash;
}

/*
 * The description of sql with p's parameter types: what the fingerprint
 * needs to know of it, and its prepared plan once a call has run it.  A
 * replay needs no plan, so a statement is never parsed just to replay it;
 * its description is kept all the same, so that replays do not hash the
 * statement text again.  When keeping it would drop an entry that an
 * enclosing once() may be running (a once() inside another's statement,
 * with the slot taken or the cache full), the description is made in the
 * current memory context instead, and not kept.
 */
static OncePlan *
once_plan_get(const char *sql, const OnceParams *p)
{
	uint64		hash;
	OncePlan   *entry;
	OncePlan   *desc;
	bool		found;

	if (once_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(OncePlan);
		once_plans = hash_create("idempotency once() plans", ONCE_PLAN_CACHE_SIZE,
								 &ctl, HASH_ELEM | HASH_BLOBS);
	}
	hash = once_plan_hash(sql, p);
	entry = hash_search(once_plans, &hash, HASH_FIND, NULL);
	if (entry != NULL && entry->nargs == p->nargs &&
		strcmp(entry->sql, sql) == 0 &&
		memcmp(entry->types, p->types, sizeof(Oid) * p->nargs) == 0)
		return entry;

	desc = palloc(sizeof(OncePlan));
	desc->hash = hash;
	desc->sql = NULL;
	desc->nargs = p->nargs;
	if (p->nargs > 0)
		memcpy(desc->types, p->types, sizeof(Oid) * p->nargs);
	desc->plan = NULL;
	once_describe(desc, sql);

	if (once_depth > 0 &&
		(entry != NULL || hash_get_num_entries(once_plans) >= ONCE_PLAN_CACHE_SIZE))
		return desc;

	if (entry != NULL)
	{
		/* a hash collision: the newer statement takes the slot */
		if (entry->plan != NULL)
			SPI_freeplan(entry->plan);
		pfree(entry->sql);
	}
	else if (hash_get_num_entries(once_plans) >= ONCE_PLAN_CACHE_SIZE)
		once_plans_reset();
	entry = hash_search(once_plans, &hash, HASH_ENTER, &found);
	memcpy(entry, desc, sizeof(OncePlan));
	entry->sql = MemoryContextStrdup(TopMemoryContext, sql);
	pfree(desc);
	return entry;
}

/*
 * once_plan_prepare checks and prepares plan's statement, called inside
 * SPI.  A kept description keeps its plan (SPI_keepplan); one that is not
 * kept leaves it in this call's SPI memory.
 */
static void
once_plan_prepare(OncePlan *plan, const char *sql)
{
	SPIPlanPtr	spiplan;

	once_check_statement(sql);
	spiplan = SPI_prepare(sql, plan->nargs, plan->types);
	if (spiplan == NULL)
		elog(ERROR, "once(): SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (plan->sql != NULL && SPI_keepplan(spiplan) != 0)
		elog(ERROR, "once(): SPI_keepplan failed");
	plan->plan = spiplan;
}

/* to_jsonb() set up to take a record: its argument type comes from fn_expr. */
static FmgrInfo *
once_to_jsonb_record(void)
{
	static FmgrInfo flinfo;
	static bool ready = false;

	if (!ready)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		fmgr_info_cxt(F_TO_JSONB, &flinfo, TopMemoryContext);
		flinfo.fn_expr = (Node *) makeFuncExpr(F_TO_JSONB, JSONBOID,
											   list_make1(makeNullConst(RECORDOID, -1, InvalidOid)),
											   InvalidOid, InvalidOid,
											   COERCE_EXPLICIT_CALL);
		MemoryContextSwitchTo(old);
		ready = true;
	}
	return &flinfo;
}

/*
 * Whether once_scalar can convert every column of td itself, giving
 * exactly what to_jsonb() gives: the types most RETURNING lists hold.  Any
 * other type (floats, json, arrays, composites, domains ...) sends the
 * whole result through to_jsonb(record).
 */
static bool
once_fast_columns(TupleDesc td)
{
	int			i;

	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (att->attisdropped)
			continue;
		switch (att->atttypid)
		{
			case BOOLOID:
			case INT2OID:
			case INT4OID:
			case INT8OID:
			case NUMERICOID:
			case TEXTOID:
			case VARCHAROID:
			case UUIDOID:
			case DATEOID:
			case TIMESTAMPOID:
			case TIMESTAMPTZOID:
				break;
			default:
				return false;
		}
	}
	return true;
}

/*
 * Sets *v to a non-null value of type typid as to_jsonb() would make it,
 * for the types once_fast_columns admits.
 */
static void
once_scalar(Oid typid, Datum value, JsonbValue *v)
{
	switch (typid)
	{
		case BOOLOID:
			v->type = jbvBool;
			v->val.boolean = DatumGetBool(value);
			return;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			v->type = jbvNumeric;
			v->val.numeric = DatumGetNumeric(DirectFunctionCall1(typid == INT2OID ? int2_numeric :
																 typid == INT4OID ? int4_numeric :
																 int8_numeric, value));
			return;
		case NUMERICOID:
			{
				Numeric		num = DatumGetNumeric(value);

				if (numeric_is_nan(num) || IDEM_NUMERIC_IS_INF(num))
				{
					/* not a JSON number: to_jsonb makes its text a string */
					v->type = jbvString;
					v->val.string.val = DatumGetCString(DirectFunctionCall1(numeric_out, value));
					v->val.string.len = strlen(v->val.string.val);
					return;
				}
				v->type = jbvNumeric;
				v->val.numeric = num;
				return;
			}
		case TEXTOID:
		case VARCHAROID:
			{
				struct varlena *t = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

				v->type = jbvString;
				v->val.string.val = VARDATA_ANY(t);
				v->val.string.len = VARSIZE_ANY_EXHDR(t);
				return;
			}
		case UUIDOID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			v->type = jbvString;
			v->val.string.val = (typid == UUIDOID) ?
				DatumGetCString(DirectFunctionCall1(uuid_out, value)) :
				JsonEncodeDateTime(NULL, value, typid, NULL);
			v->val.string.len = strlen(v->val.string.val);
			return;
	}
	elog(ERROR, "once(): no direct conversion of type %u to jsonb", typid);
}

/*
 * Pushes tuple's object onto *state: one key per column, in to_jsonb()'s
 * form.  values and nulls have room for td's columns.
 */
static void
once_push_row(JsonbParseState **state, HeapTuple tuple, TupleDesc td,
			  Datum *values, bool *nulls)
{
	int			i;

	heap_deform_tuple(tuple, td, values, nulls);
	(void) pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);
		JsonbValue	k;
		JsonbValue	v;

		if (att->attisdropped)
			continue;
		k.type = jbvString;
		k.val.string.val = NameStr(att->attname);
		k.val.string.len = strlen(k.val.string.val);
		(void) pushJsonbValue(state, WJB_KEY, &k);
		if (nulls[i])
			v.type = jbvNull;
		else
			once_scalar(att->atttypid, values[i], &v);
		(void) pushJsonbValue(state, WJB_VALUE, &v);
	}
	(void) pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Runs plan with p through SPI as the calling role and returns its result
 * rows, in resultcxt, as a jsonb array of objects (empty for no rows), each
 * row as to_jsonb(row) makes it.  While the statement runs, id is on the
 * stack of keys whose once() is running (see api.c), and no routed key
 * store is current: a plain function that the statement calls acts on the
 * plain key table, which on a Citus worker refuses it (ks_citus.c,
 * docs/citus.md).
 */
static Datum
once_run(OncePlan *plan, const OnceParams *p, const KeyId *id, MemoryContext resultcxt)
{
	SPIPlanPtr volatile spiplan = plan->plan;
	JsonbParseState *state = NULL;
	JsonbValue *array;
	MemoryContext spicxt;
	Datum		result;
	IdemRunningOnce running;
	volatile int rc;
	uint64		i;
	KsTarget   *routed;

	once_depth++;
	idem_running_once_push(&running, id);
	routed = ks_enter(NULL);	/* the body's own calls are plain */
	PG_TRY();
	{
		rc = SPI_execute_plan(spiplan, p->values, p->nulls, false, 0);
	}
	PG_FINALLY();
	{
		ks_leave(routed);
		idem_running_once_pop(&running);
		once_depth--;
	}
	PG_END_TRY();
	if (rc < 0)
		elog(ERROR, "once(): SPI_execute_plan failed: %s", SPI_result_code_string(rc));

	spicxt = MemoryContextSwitchTo(resultcxt);
	(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	if (SPI_tuptable != NULL && SPI_processed > 0)
	{
		TupleDesc	td = SPI_tuptable->tupdesc;

		if (once_fast_columns(td))
		{
			Datum	   *values = palloc(sizeof(Datum) * Max(td->natts, 1));
			bool	   *nulls = palloc(sizeof(bool) * Max(td->natts, 1));

			for (i = 0; i < SPI_processed; i++)
			{
				once_push_row(&state, SPI_tuptable->vals[i], td, values, nulls);
				CHECK_FOR_INTERRUPTS();
			}
			pfree(values);
			pfree(nulls);
		}
		else
		{
			TupleDesc	rectd = BlessTupleDesc(CreateTupleDescCopy(td));
			FmgrInfo   *to_jsonb_record = once_to_jsonb_record();

			for (i = 0; i < SPI_processed; i++)
			{
				Datum		rec = heap_copy_tuple_as_datum(SPI_tuptable->vals[i], rectd);
				Jsonb	   *obj = DatumGetJsonbP(FunctionCall1(to_jsonb_record, rec));
				JsonbValue	elem;

				elem.type = jbvBinary;
				elem.val.binary.data = &obj->root;
				elem.val.binary.len = VARSIZE(obj) - VARHDRSZ;
				(void) pushJsonbValue(&state, WJB_ELEM, &elem);
				CHECK_FOR_INTERRUPTS();
			}
		}
	}
	array = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	result = JsonbPGetDatum(JsonbValueToJsonb(array));
	MemoryContextSwitchTo(spicxt);

	(void) idem_check_response_size(result);
	return result;
}

/*
 * The shared body: key at argument 0; scope, ttl and fingerprint from
 * once_with's arguments 1-3 when with_options; the statement, then the
 * parameters.  Everything between SPI_connect and SPI_finish is allocated
 * in SPI's memory, except the result, which is built in the caller's.
 */
static Datum
once_common(FunctionCallInfo fcinfo, bool is_uuid, bool with_options)
{
	int			stmt_arg = with_options ? 4 : 1;
	MemoryContext callcxt = CurrentMemoryContext;
	ClaimRequest req;
	text	   *key;
	KeyStore	ks;
	KeyRow		row;
	OnceParams	params;
	OncePlan   *plan;
	char	   *sql;
	ClaimOutcome outcome;
	Datum		response;

	idem_check_writable("once()");
	key = idem_key_from_arg(fcinfo, 0, is_uuid);
	idem_key_id(&req.id, GetUserId(),
				with_options ? idem_scope_from_arg(fcinfo, 1) : cstring_to_text(""),
				key);
	req.ttl_us = (with_options && !PG_ARGISNULL(2)) ?
		idem_interval_arg_usecs(fcinfo, 2, "ttl", false, IDEM_MAX_TTL_SECS) :
		(int64) idem_default_ttl * USECS_PER_SEC;
	req.wait_ms = IDEM_WAIT_LOCK_TIMEOUT;
	req.lease_us = -1;
	req.defer_insert = true;
	req.defer_row = false;
	req.try_lock_first = false;
	req.locked = false;

	if (PG_ARGISNULL(stmt_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("statement must not be null")));
	sql = text_to_cstring(PG_GETARG_TEXT_PP(stmt_arg));
	once_collect_params(fcinfo, stmt_arg + 1, &params);
	req.fingerprint = NULL;
	if (with_options && !PG_ARGISNULL(3))
	{
		req.fingerprint = PG_GETARG_TEXT_PP(3);
		if (VARSIZE_ANY_EXHDR(req.fingerprint) > IDEM_MAX_FINGERPRINT_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fingerprint must be at most %d bytes long",
							IDEM_MAX_FINGERPRINT_LEN)));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = once_plan_get(sql, &params);
	if (req.fingerprint == NULL)
		req.fingerprint = once_fingerprint(plan, &params);

	ks_open(&ks);
	req.ks = &ks;
	outcome = idem_claim_internal(&req, &row);
	switch (outcome)
	{
		case CLAIM_COMPLETED:
			ks_close(&ks);
			if (row.nulls[Anum_keys_response - 1])
			{
				SPI_finish();
				PG_RETURN_NULL();
			}
			{
				/* copied out of SPI's memory, which SPI_finish frees */
				MemoryContext old = MemoryContextSwitchTo(callcxt);

				response = PointerGetDatum(PG_DETOAST_DATUM_COPY(row.values[Anum_keys_response - 1]));
				MemoryContextSwitchTo(old);
			}
			SPI_finish();
			PG_RETURN_DATUM(response);
		case CLAIM_IN_PROGRESS:
			{
				/* a routed row's holder pid is not the client's (docs/citus.md) */
				bool		known = ks_chosen()->holder_pids_local;
				bool		ours = known && !row.nulls[Anum_keys_lease_holder_pid - 1] &&
					DatumGetInt32(row.values[Anum_keys_lease_holder_pid - 1]) == MyProcPid;

				if (!known)
					ereport(ERROR,
							(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
							 errmsg("idempotency key \"%s\" is held under a lease",
									text_to_cstring(req.id.key)),
							 errhint("once() cannot run while a lease claim holds the key; complete() or release() it, or wait for the lease to end.")));
				ereport(ERROR,
						(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
						 errmsg("idempotency key \"%s\" is held under a lease by %s session",
								text_to_cstring(req.id.key), ours ? "this" : "another"),
						 ours ?
						 errhint("complete() or release() the lease claim before once() runs under its key.") :
						 errhint("once() cannot run while a lease claim holds the key; wait for the lease to end.")));
			}
			break;
		case CLAIM_CLAIMED:
		case CLAIM_RECOVERED:
			break;
	}

	if (plan->plan == NULL)
		once_plan_prepare(plan, sql);
	response = once_run(plan, &params, &req.id, callcxt);
	if (row.found)				/* a row to finish: recovered, or claimed earlier */
		idem_complete_internal(NULL, &req.id, response, false, (Datum) 0, true, NULL, &row);
	else
		idem_insert_completed(&req, response, &row);
	ks_close(&ks);
	SPI_finish();
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
