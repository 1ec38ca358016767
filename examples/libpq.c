/*
 * The single-transaction pattern with libpq.
 *
 * One request = one transaction: claim the key, do the business write, store
 * the response with complete(), COMMIT.  A retried request replays the stored
 * response instead of writing again.
 *
 *   cc -o idem-example examples/libpq.c -I"$(pg_config --includedir)" \
 *      -L"$(pg_config --libdir)" -lpq
 *   ./idem-example "dbname=mydb" [idempotency-key]
 *
 * The database needs CREATE EXTENSION idempotency; the demo creates its own
 * table example_orders.  The fingerprint (normally a hex SHA-256 of method,
 * path and body) is passed in ready-made to keep the example short.
 *
 * Retry rule: 40001 (serialization failure) and 40P01 (deadlock) roll the
 * transaction back; run the whole transaction again, and the retry replays.
 * IK001 means the key was used for a different request: answer 422.
 *
 * PgBouncer in transaction pooling mode works: the extension keeps no session
 * state, and PQexecParams uses the unnamed statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define MAX_ATTEMPTS 5

/* An HTTP answer: status and body (JSON text) */
typedef struct Reply
{
	int			status;
	char		body[512];
} Reply;

/* Runs sql; on failure copies the SQLSTATE into sqlstate and returns NULL. */
static PGresult *
run(PGconn *conn, const char *sql, int nparams, const char *const *params,
	char sqlstate[6])
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	{
		const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		snprintf(sqlstate, 6, "%s", code ? code : "?????");
		fprintf(stderr, "  (%s) %s", sqlstate, PQerrorMessage(conn));
	}
	PQclear(res);
	return NULL;
}

/*
 * One attempt of POST /orders.  Returns 1 with *reply set when done, 0 when
 * the transaction failed with the SQLSTATE in sqlstate (rolled back).
 */
static int
attempt_create_order(PGconn *conn, const char *key, const char *tenant,
					 const char *fp, const char *customer_id,
					 const char *amount_cents, Reply *reply, char sqlstate[6])
{
	const char *claim_params[3] = {key, tenant, fp};
	PGresult   *res;

	if ((res = run(conn, "BEGIN", 0, NULL, sqlstate)) == NULL)
		return 0;
	PQclear(res);

	res = run(conn,
			  "SELECT outcome, response, response_code"
			  "  FROM idempotency.claim($1, scope => $2, fingerprint => $3)",
			  3, claim_params, sqlstate);
	if (res == NULL)
		goto fail;

	if (strcmp(PQgetvalue(res, 0, 0), "completed") == 0)
	{
		/* replay: nothing is written */
		reply->status = atoi(PQgetvalue(res, 0, 2));
		snprintf(reply->body, sizeof(reply->body), "%s", PQgetvalue(res, 0, 1));
		PQclear(res);
		PQclear(PQexec(conn, "COMMIT"));
		return 1;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "in_progress") == 0)
	{
		/* only when a lease claim elsewhere holds the key */
		reply->status = 409;
		snprintf(reply->body, sizeof(reply->body), "{\"error\": \"in progress\"}");
		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		return 1;
	}
	PQclear(res);

	/* claimed: this transaction owns the key; do the work and complete */
	{
		const char *ins_params[2] = {customer_id, amount_cents};
		const char *done_params[3];

		res = run(conn,
				  "INSERT INTO example_orders (customer_id, amount_cents)"
				  " VALUES ($1, $2) RETURNING jsonb_build_object('id', id)::text",
				  2, ins_params, sqlstate);
		if (res == NULL)
			goto fail;
		reply->status = 201;
		snprintf(reply->body, sizeof(reply->body), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);

		done_params[0] = key;
		done_params[1] = reply->body;
		done_params[2] = tenant;
		res = run(conn, "SELECT FROM idempotency.complete($1, $2, 201, scope => $3)",
				  3, done_params, sqlstate);
		if (res == NULL)
			goto fail;
		PQclear(res);
	}

	/* COMMIT itself can fail with 40001 under SERIALIZABLE */
	if ((res = run(conn, "COMMIT", 0, NULL, sqlstate)) == NULL)
		goto fail;
	PQclear(res);
	return 1;

fail:
	PQclear(PQexec(conn, "ROLLBACK"));
	return 0;
}

/* POST /orders with the retry loop. */
static Reply
create_order(PGconn *conn, const char *key, const char *tenant, const char *fp,
			 const char *customer_id, const char *amount_cents)
{
	Reply		reply = {0, ""};
	char		sqlstate[6] = "";

	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
	{
		if (attempt_create_order(conn, key, tenant, fp, customer_id,
								 amount_cents, &reply, sqlstate))
			return reply;
		if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
		{
			usleep((useconds_t) (rand() % (20000 << attempt)));
			continue;
		}
		break;
	}

	if (strcmp(sqlstate, "IK001") == 0)
		reply.status = 422;
	else if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 ||
			 strcmp(sqlstate, "55P03") == 0)
		reply.status = 409;
	else
		reply.status = 500;
	snprintf(reply.body, sizeof(reply.body), "{\"sqlstate\": \"%s\"}", sqlstate);
	return reply;
}

int
main(int argc, char **argv)
{
	PGconn	   *conn = PQconnectdb(argc > 1 ? argv[1] : "");
	char		key[64];
	char		sqlstate[6];
	PGresult   *res;
	Reply		r;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "%s", PQerrorMessage(conn));
		return 1;
	}
	res = run(conn,
			  "CREATE TABLE IF NOT EXISTS example_orders ("
			  " id bigserial PRIMARY KEY, customer_id bigint NOT NULL,"
			  " amount_cents integer NOT NULL,"
			  " created_at timestamptz NOT NULL DEFAULT now())",
			  0, NULL, sqlstate);
	if (res == NULL)
		return 1;
	PQclear(res);

	srand((unsigned) time(NULL) ^ (unsigned) getpid());
	if (argc > 2)
		snprintf(key, sizeof(key), "%s", argv[2]);
	else
		snprintf(key, sizeof(key), "libpq-%ld-%d", (long) getpid(), rand());

	r = create_order(conn, key, "tenant-7", "fp-7-1250", "7", "1250");
	printf("first:      %d %s\n", r.status, r.body);
	r = create_order(conn, key, "tenant-7", "fp-7-1250", "7", "1250");
	printf("retry:      %d %s\n", r.status, r.body);
	r = create_order(conn, key, "tenant-7", "fp-7-9999", "7", "9999");
	printf("other body: %d %s\n", r.status, r.body);

	PQfinish(conn);
	return 0;
}
