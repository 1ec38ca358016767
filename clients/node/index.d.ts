import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { PoolClient } from 'pg';

/** Anything with pg.Pool's connect(): the pool is the caller's. */
export interface PoolLike {
  connect(): Promise<PoolClient>;
}

export interface Options {
  /**
   * The pool the middleware takes one connection per request from.  On a
   * pg.Pool (an EventEmitter) the middleware adds one listener to 'error'
   * that ignores the errors of idle clients, which the pool has already
   * discarded, so that a database restart does not end the process; the
   * application's own listeners still run.
   */
  pool: PoolLike;
  /** Methods the middleware applies to (default ['POST', 'PATCH']). */
  methods?: string[];
  /** Paths it applies to: exact strings, RegExps or predicates on req.path (default: all). */
  routes?: Array<string | RegExp | ((req: Request) => boolean)> | null;
  /** Answer 400 when the key is missing (default true); false lets such requests through. */
  required?: boolean;
  /** Request header carrying the key (default 'Idempotency-Key'). */
  header?: string;
  /** Longest accepted key in bytes (default 255, the extension's limit). */
  maxKeyLength?: number;
  /** The key's scope, usually the authenticated account (default: '' for all). */
  scope?: (req: Request) => string | Promise<string>;
  /** What identifies the request; hashed with SHA-256. null/undefined: no check. Default: method, URL and body. */
  fingerprint?: ((req: Request) => string | Buffer | null | undefined | Promise<string | Buffer | null | undefined>) | null;
  /**
   * Milliseconds a duplicate waits for the request holding its key (default 10000), holding no connection:
   * it claims the key again every 10 to 100 ms, at once when that request ends in this process.
   */
  wait?: number;
  /** Retry-After seconds on 409 and 503 answers (default 1). */
  retryAfter?: number;
  /** Lease mode: milliseconds of the lease (default null: one transaction). */
  lease?: number | null;
  /** Milliseconds the key is kept (default null: idempotency.default_ttl). */
  ttl?: number | null;
  /** Store and replay 4xx answers (default true). */
  storeClientErrors?: boolean;
  /** Response headers stored and replayed (default Content-Type, Content-Language, Content-Location, Location, ETag, Last-Modified, Link). */
  storeHeaders?: string[];
  /** Header set to "true" on a replayed response (default 'Idempotent-Replayed'). */
  replayHeader?: string;
  /** Retries of 40001/40P01 before answering 409 (default 3). */
  retries?: number;
  /** Largest body the middleware reads itself when no parser ran (default 1 MiB). */
  bodyLimit?: number;
  /** Keys remembered as seen completed, whose retries are answered in one round trip (default 10000; 0: none). */
  rememberCompleted?: number;
}

/** What the handler finds in req.idempotency. */
export interface IdempotencyContext {
  key: string;
  scope: string;
  /** 'claimed', or 'recovered' when an earlier attempt's lease was taken over. */
  outcome: 'claimed' | 'recovered';
  /** The last checkpoint of an earlier attempt, or null. */
  recoveryPoint: string | null;
  /** 0 for the first run, more after a retried 40001/40P01. */
  attempt: number;
  /** Lease mode: the lease token. */
  token?: string;
  /** Lease mode: commits req.db's transaction with this recovery point and renews the lease. */
  checkpoint?: (recoveryPoint: string) => Promise<void>;
}

declare global {
  namespace Express {
    interface Request {
      /** The connection whose transaction commits with the key. */
      db?: PoolClient;
      idempotency?: IdempotencyContext;
      /** The body bytes, when the middleware read them itself. */
      rawBody?: Buffer;
    }
  }
}

/** What render() is told besides the rows. */
export interface OnceInfo {
  /** The request's key and scope. */
  key: string;
  scope: string;
  /** True when the rows are the stored ones of an earlier request (the answer carries replayHeader). */
  replayed: boolean;
}

/**
 * A route whose work is one SQL statement, run by idempotency.once_with() under the key in one round trip.  It
 * always needs a key: the methods, routes and required options do not apply to it.
 */
export interface OnceRoute {
  /** The statement (SELECT, INSERT, UPDATE, DELETE or MERGE); its parameters $1... arrive as text: cast them. */
  text: string;
  /** The statement's parameters (sent as text; at most 100). */
  values?: (req: Request) => unknown[] | Promise<unknown[]>;
  /**
   * Answers the request from the statement's rows (a JSON array, each row an object): on the first request and,
   * with the same rows, on every replay.  It must depend on the rows and the request only.
   */
  render: (rows: any[], req: Request, res: Response, info: OnceInfo) => unknown;
}

/** Middleware (app.use / route) or, called with a handler, a wrapped handler that is retried on 40001/40P01. */
export interface Idempotency {
  (req: Request, res: Response, next: NextFunction): Promise<void>;
  (handler: (req: Request, res: Response, next: NextFunction) => unknown): RequestHandler;
  /** A one-statement route: one round trip per request, new key or replay (docs/http.md). */
  once(route: OnceRoute): RequestHandler;
}

export function idempotency(options: Options): Idempotency;

/** Parses an Idempotency-Key value (sf-string or bare token); null when malformed or too long. */
export function parseKey(value: string, maxBytes: number): string | null;
