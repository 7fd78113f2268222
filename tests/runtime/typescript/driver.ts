// Test driver for the generated TypeScript runtime: one command against one database, one JSON line out.
//
//   node driver.js <migrate|verify|verify-deep|verify-deep-in-transaction|verify-deep-in-failed-transaction|
//                   verify-deep-session-path|verify-in-transaction|migrate-in-transaction|
//                   migrate-in-failed-transaction|migrate-in-read-transaction|verify-in-read-transaction>
//                  <sqlite|postgres> <target> [plain|pool|drizzle|drizzle-client|plain-without-status]
//
// target: a SQLite file path, or a libpq key=value conninfo (host may be a Unix socket directory).
// Prints {"ok": true, "applied": [...]} (migrate) or {"ok": true} (verify), or
// {"ok": false, "error": "MigrationError" | "SchemaMismatch", "message": "...", "differences": [...]}; exits 0.
// Any other failure is a crash: stack on stderr, exit status 1.

// Drivers load lazily (import()): each run pays only for the one it uses.
import type { ClientConfig } from "pg";
import { BUNDLE } from "./bundle";
import { MigrationError, SchemaMismatch, migrate, verify } from "./runtime";

type Db = Parameters<typeof migrate>[0];

/** libpq key=value conninfo (values optionally single-quoted with backslash escapes) to node-postgres config. */
function pgConfig(conninfo: string): ClientConfig {
  const pairs = new Map<string, string>();
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(conninfo)) !== null && m[0].length > 0) {
    pairs.set(m[1], m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]);
  }
  const port = pairs.get("port");
  return {
    host: pairs.get("host"),
    port: port === undefined ? undefined : Number(port),
    user: pairs.get("user"),
    password: pairs.get("password"),
    database: pairs.get("dbname"),
  };
}

async function connect(engine: string, target: string, via: string): Promise<{ db: Db; close: () => Promise<void> }> {
  if (engine === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(target);
    const close = async () => { sqlite.close(); };
    if (via === "plain") {
      return { db: sqlite, close };
    }
    if (via === "drizzle") {
      const { drizzle } = await import("drizzle-orm/better-sqlite3");
      return { db: drizzle({ client: sqlite }), close };
    }
  } else if (engine === "postgres") {
    const { default: pg } = await import("pg");
    const drizzlePg = async () => (await import("drizzle-orm/node-postgres")).drizzle;
    const config = pgConfig(target);
    if (via === "plain" || via === "drizzle-client" || via === "plain-without-status") {
      const client = new pg.Client(config);
      await client.connect();
      if (via === "plain-without-status") {   // a node-postgres from before client.getTransactionStatus()
        Object.defineProperty(client, "getTransactionStatus", { value: undefined });
      }
      return { db: via === "drizzle-client" ? (await drizzlePg())({ client }) : client, close: () => client.end() };
    }
    if (via === "pool" || via === "drizzle") {
      const pool = new pg.Pool({ ...config, max: 2 });
      return { db: via === "pool" ? pool : (await drizzlePg())({ client: pool }), close: () => pool.end() };
    }
  }
  throw new Error(`unknown engine/via: ${engine}/${via}`);
}

interface PgLike {
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Deep verify inside a transaction the caller has open (PostgreSQL, plain client): it must leave that
 * transaction open, its work in place, and no trace of its own (temporary objects, search_path). */
async function inTransaction(db: Db): Promise<object> {
  const client = db as unknown as PgLike;
  await client.query("BEGIN");
  await client.query("CREATE TEMP TABLE caller_work (x integer)");
  await client.query("INSERT INTO caller_work VALUES (1)");
  const path = (await client.query("SELECT current_setting('search_path') AS p")).rows[0].p;
  let result: object = { ok: true };
  try {
    await verify(db, BUNDLE, { deep: true });
  } catch (err) {
    if (!(err instanceof SchemaMismatch)) {
      throw err;
    }
    result = { ok: false, error: "SchemaMismatch", message: err.message, differences: err.differences };
  }
  const after = (await client.query("SELECT (SELECT count(*) FROM caller_work)::int AS n, "
    + "to_regclass('pg_temp.schemactl_probe') IS NULL AS gone, current_setting('search_path') AS p")).rows[0];
  if (after.n !== 1 || after.gone !== true || after.p !== path) {
    throw new Error(`verify disturbed the caller's transaction: ${JSON.stringify(after)}`);
  }
  await client.query("ROLLBACK");
  return result;
}

/** The driver's answer for a runtime error (SchemaMismatch, MigrationError); anything else is rethrown. */
function reported(err: unknown): object {
  if (err instanceof SchemaMismatch) {
    return { ok: false, error: "SchemaMismatch", message: err.message, differences: err.differences };
  }
  if (err instanceof MigrationError) {
    return { ok: false, error: "MigrationError", message: err.message, differences: [] };
  }
  throw err;
}

/** Deep verify inside a transaction of the caller's that has failed (PostgreSQL, plain client): verify throws,
 * and the transaction is left failed and open (a query is still refused with 25P02) for the caller's ROLLBACK. */
async function inFailedTransaction(db: Db): Promise<object> {
  const client = db as unknown as PgLike;
  await client.query("BEGIN");
  await client.query("SELECT 1 / 0").catch(() => undefined);
  let result: object = { ok: true };
  try {
    await verify(db, BUNDLE, { deep: true });
  } catch (err) {
    result = reported(err);
  }
  const still = await client.query("SELECT 1").then(() => "usable", (err: { code?: string }) => err.code);
  if (still !== "25P02") {
    throw new Error(`verify ended the caller's failed transaction: SELECT 1 gave ${still}`);
  }
  await client.query("ROLLBACK");
  return result;
}

/** Verify (shallow) inside a transaction the caller has open and has written in (plain better-sqlite3 Database
 * or pg Client), whatever verify finds (a database never migrated: its read of the version table fails): the
 * transaction is still usable afterwards (its work is read back) and the caller commits it. */
/** The caller's own statements on its plain connection (better-sqlite3 Database or pg Client): rows as arrays. */
function callerRun(db: Db, engine: string): (sql: string) => Promise<unknown[][]> {
  if (engine === "sqlite") {
    const sqlite = db as unknown as { prepare(sql: string): { raw(): { all(): unknown[][] }; reader: boolean; run(): unknown } };
    return async (sql) => {
      const stmt = sqlite.prepare(sql);
      if (stmt.reader) return stmt.raw().all();
      stmt.run();
      return [];
    };
  }
  const client = db as unknown as { query(q: { text: string; rowMode: "array" }): Promise<{ rows: unknown[][] }> };
  return async (sql) => (await client.query({ text: sql, rowMode: "array" })).rows;
}

async function inOpenTransaction(db: Db, engine: string): Promise<object> {
  const run = callerRun(db, engine);
  // pg does not tell: the same transaction id before and after verify
  const open = engine === "sqlite" ? async () => (db as unknown as { inTransaction: boolean }).inTransaction
    : async () => String((await run("SELECT txid_current()"))[0][0]) === txid;
  await run("BEGIN");
  await run("CREATE TEMP TABLE caller_work (x integer)");
  await run("INSERT INTO caller_work VALUES (1)");
  const txid = engine === "sqlite" ? "" : String((await run("SELECT txid_current()"))[0][0]);
  let result: object = { ok: true };
  try {
    await verify(db, BUNDLE);
  } catch (err) {
    result = reported(err);
  }
  const during = await run("SELECT count(*) FROM caller_work").then(
    (rows) => Number(rows[0][0]), (err: unknown) => `refused (${err instanceof Error ? err.message : String(err)})`);
  const stillOpen = during === 1 && await open();
  if (during !== 1 || !stillOpen) {
    throw new Error(`verify spoiled the caller's transaction: its work read ${during}, still open: ${stillOpen}`);
  }
  await run("COMMIT");
  const after = Number((await run("SELECT count(*) FROM caller_work"))[0][0]);
  if (after !== 1) {
    throw new Error(`the caller's work was not committed after verify: ${after} row(s)`);
  }
  return result;
}

/** migrate() inside a transaction the caller has opened (plain better-sqlite3 Database or pg Client: BEGIN on a
 * session with none open) and created a marker table in (`failed`: one that has then failed, PostgreSQL): the
 * transaction is still the caller's afterwards (the same one, open, failed if it was), and after its ROLLBACK the
 * database has exactly the tables it had before (the marker gone, nothing migrated). */
async function migrateInTransaction(db: Db, engine: string, failed: boolean): Promise<object> {
  const run = callerRun(db, engine);
  const tablesSql = engine === "sqlite" ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    : "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      + "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      + "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1";
  const before = JSON.stringify(await run(tablesSql));
  await run("BEGIN");
  await run("CREATE TABLE schemactl_marker (x integer)");
  const txid = engine === "sqlite" ? "" : String((await run("SELECT txid_current()"))[0][0]);
  if (failed) {
    await run("SELECT 1 / 0").catch(() => undefined);
  }
  let result: object;
  try {
    result = { ok: true, applied: await migrate(db, BUNDLE) };
  } catch (err) {
    result = reported(err);
  }
  let kept: string;
  if (engine === "sqlite") {
    kept = String((db as unknown as { inTransaction: boolean }).inTransaction);
  } else if (failed) {   // still failed and open: a query is refused with 25P02
    kept = await run("SELECT 1").then(() => "usable", (err: { code?: string }) => String(err.code));
  } else {   // pg does not tell: the same transaction id before and after migrate
    kept = String(String((await run("SELECT txid_current()"))[0][0]) === txid);
  }
  await run("ROLLBACK").catch(() => undefined);   // SQLite: no transaction left to roll back
  const after = JSON.stringify(await run(tablesSql));
  if (kept !== (failed ? "25P02" : "true") || after !== before) {
    throw new Error(`migrate spoiled the caller's transaction: still the caller's: ${kept}; tables before ${before}, `
                    + `after the caller's ROLLBACK ${after}`);
  }
  return result;
}

/** migrate() or verify() (shallow) inside a transaction the caller has opened and has only read in (pg Client: no
 * transaction id assigned): it is left open and usable (the caller's next statement runs in it, and its ROLLBACK
 * takes that statement's table away). */
async function inReadTransaction(db: Db, engine: string, call: () => Promise<object>): Promise<object> {
  const run = callerRun(db, engine);
  await run("BEGIN");
  await run("SELECT count(*) FROM pg_catalog.pg_class");
  let result: object;
  try {
    result = await call();
  } catch (err) {
    result = reported(err);
  }
  const usable = await run("CREATE TEMP TABLE caller_after (x integer)").then(
    () => "usable", (err: unknown) => `refused (${err instanceof Error ? err.message : String(err)})`);
  await run("ROLLBACK");
  const gone = (await run("SELECT to_regclass('pg_temp.caller_after') IS NULL"))[0][0];
  if (usable !== "usable" || gone !== true) {
    throw new Error(`the caller's read-only transaction was spoiled: its next statement ${usable}, still open: ${gone}`);
  }
  return result;
}

const SESSION_PATH = "other, public";

/** Deep verify on a session (PostgreSQL, plain client, no transaction open) whose own search_path is
 * SESSION_PATH: the path stays the session's and no transaction is left open. */
async function withSessionPath(db: Db): Promise<object> {
  const client = db as unknown as PgLike;
  await client.query(`SET search_path = ${SESSION_PATH}`);
  let result: object = { ok: true };
  try {
    await verify(db, BUNDLE, { deep: true });
  } catch (err) {
    if (!(err instanceof SchemaMismatch)) {
      throw err;
    }
    result = { ok: false, error: "SchemaMismatch", message: err.message, differences: err.differences };
  }
  const path = (await client.query("SELECT current_setting('search_path') AS p")).rows[0].p;
  // no transaction left open: a savepoint is refused
  const open = await client.query("SAVEPOINT schemactl_driver_check").then(() => true, () => false);
  if (path !== SESSION_PATH || open) {
    throw new Error(`verify changed the session: search_path ${JSON.stringify(path)}, transaction open: ${open}`);
  }
  return result;
}

async function main(argv: string[]): Promise<void> {
  const [command, engine, target, via = "plain"] = argv;
  const { db, close } = await connect(engine, target, via);
  let result: object;
  try {
    if (command === "migrate") {
      result = { ok: true, applied: await migrate(db, BUNDLE) };
    } else if (command === "verify" || command === "verify-deep") {
      await verify(db, BUNDLE, { deep: command === "verify-deep" });
      result = { ok: true };
    } else if (command === "verify-deep-in-transaction") {
      result = await inTransaction(db);
    } else if (command === "verify-deep-in-failed-transaction") {
      result = await inFailedTransaction(db);
    } else if (command === "verify-in-transaction") {
      result = await inOpenTransaction(db, engine);
    } else if (command === "migrate-in-transaction" || command === "migrate-in-failed-transaction") {
      result = await migrateInTransaction(db, engine, command === "migrate-in-failed-transaction");
    } else if (command === "migrate-in-read-transaction") {
      result = await inReadTransaction(db, engine, async () => ({ ok: true, applied: await migrate(db, BUNDLE) }));
    } else if (command === "verify-in-read-transaction") {
      result = await inReadTransaction(db, engine, async () => { await verify(db, BUNDLE); return { ok: true }; });
    } else if (command === "verify-deep-session-path") {
      result = await withSessionPath(db);
    } else {
      throw new Error(`unknown command: ${command}`);
    }
  } catch (err) {
    result = reported(err);
  } finally {
    await close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
