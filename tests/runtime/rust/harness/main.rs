//! Test driver of a generated schemactl Rust crate (depended on as `schema`).
//!
//!     driver migrate|verify|verify-deep sqlite <file>
//!     driver migrate|verify|verify-deep postgres <libpq key=value conninfo>
//!     driver verify-deep-in-transaction postgres <conninfo>   (inside a transaction the driver opens)
//!     driver verify-deep-in-failed-transaction postgres <conninfo>   (inside one that has failed)
//!     driver verify-deep-session-path postgres <conninfo>     (after SET search_path = other, public)
//!     driver verify-in-transaction sqlite|postgres <target>   (inside a transaction the driver opens and writes
//!                                                              in, then reads and commits)
//!     driver migrate-in-transaction sqlite|postgres <target>   (inside a transaction the driver opens and creates
//!                                                               a marker table in, then rolls back)
//!     driver migrate-in-failed-transaction postgres <conninfo>  (inside one that has then failed)
//!     driver bench sqlite <file> <rounds>
//!
//! Prints one JSON line: {"ok": true, "applied": [1, 2]} (applied for migrate only) or
//! {"ok": false, "error": "MigrationError" | "SchemaMismatch", "message": "...", "differences": [...]}
//! and exits 0; a driver error (connection, I/O) prints {"ok": false, "error": "DriverError", ...} and exits 1.

use std::process::exit;

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// The JSON line and the exit code of one command's outcome.
fn report(outcome: Result<Option<Vec<u32>>, schema::Error>) -> (String, i32) {
    match outcome {
        Ok(Some(applied)) => {
            (format!("{{\"ok\": true, \"applied\": {}}}", json_list(applied.iter().map(|v| v.to_string()))), 0)
        }
        Ok(None) => ("{\"ok\": true}".to_string(), 0),
        Err(schema::Error::Migration(message)) => (
            format!("{{\"ok\": false, \"error\": \"MigrationError\", \"message\": {}, \"differences\": []}}", json_str(&message)),
            0,
        ),
        Err(e @ schema::Error::Mismatch(_)) => {
            let differences = match &e {
                schema::Error::Mismatch(d) => json_list(d.iter().map(|s| json_str(s))),
                _ => unreachable!(),
            };
            (
                format!(
                    "{{\"ok\": false, \"error\": \"SchemaMismatch\", \"message\": {}, \"differences\": {}}}",
                    json_str(&e.to_string()),
                    differences
                ),
                0,
            )
        }
        Err(e) => (
            format!("{{\"ok\": false, \"error\": \"DriverError\", \"message\": {}, \"differences\": []}}", json_str(&e.to_string())),
            1,
        ),
    }
}

fn run_sqlite(command: &str, path: &str) -> Result<Option<Vec<u32>>, schema::Error> {
    let mut conn = rusqlite::Connection::open(path)?;
    match command {
        "migrate" => schema::migrate_sqlite(&mut conn).map(Some),
        "verify" => schema::verify_sqlite(&conn, false).map(|_| None),
        "migrate-in-transaction" => {
            // inside a transaction the caller has opened and created a marker table in: the transaction is still
            // open afterwards, and after the caller's ROLLBACK the tables are those of before (nothing migrated)
            let tables = |conn: &rusqlite::Connection| -> Result<Vec<String>, rusqlite::Error> {
                let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
                let names = stmt.query_map([], |row| row.get::<_, String>(0))?.collect();
                names
            };
            let before = tables(&conn)?;
            conn.execute_batch("BEGIN; CREATE TABLE schemactl_marker (x integer)")?;
            let outcome = schema::migrate_sqlite(&mut conn).map(Some);
            let open = !conn.is_autocommit();
            let _ = conn.execute_batch("ROLLBACK");   // none left to roll back: the check below says so
            let after = tables(&conn)?;
            assert!(open && after == before,
                    "migrate spoiled the caller's transaction: still open: {}; tables before {:?}, after the caller's \
                     ROLLBACK {:?}", open, before, after);
            outcome
        }
        "verify-in-transaction" => {
            // inside a transaction the caller has open and has written in: whatever verify finds, the
            // transaction is still usable (its work is read back) and the caller commits it
            conn.execute_batch("BEGIN; CREATE TEMP TABLE caller_work (x integer); INSERT INTO caller_work VALUES (1)")?;
            let outcome = schema::verify_sqlite(&conn, false).map(|_| None);
            let during = conn.query_row("SELECT count(*) FROM caller_work", [], |row| row.get::<_, i64>(0));
            let open = !conn.is_autocommit();
            assert!(matches!(during, Ok(1)) && open,
                    "verify spoiled the caller's transaction: its work read {:?}, still open: {}", during, open);
            conn.execute_batch("COMMIT")?;
            let after: i64 = conn.query_row("SELECT count(*) FROM caller_work", [], |row| row.get(0))?;
            assert!(after == 1, "the caller's work was not committed after verify: {} row(s)", after);
            outcome
        }
        _ => schema::verify_sqlite(&conn, true).map(|_| None),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

fn run_postgres(command: &str, conninfo: &str) -> Result<Option<Vec<u32>>, schema::Error> {
    runtime().block_on(async {
        let (mut client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls).await?;
        let connection = tokio::spawn(connection);
        let outcome = match command {
            "migrate" => schema::migrate_postgres(&mut client).await.map(Some),
            "verify" => schema::verify_postgres(&client, false).await.map(|_| None),
            "migrate-in-transaction" | "migrate-in-failed-transaction" => {
                // inside a transaction the caller has opened (BEGIN on a session with none open) and created a
                // marker table in (failed: one that has then failed): the transaction is still the caller's
                // afterwards (the same one, open; failed if it was), and after its ROLLBACK the database has the
                // tables it had before (the marker gone, nothing migrated)
                let failed = command == "migrate-in-failed-transaction";
                let tables = "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n \
                              ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') \
                              AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                              AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1";
                let names = |rows: Vec<tokio_postgres::Row>| rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>();
                let before = names(client.query(tables, &[]).await?);
                client.batch_execute("BEGIN; CREATE TABLE schemactl_marker (x integer)").await?;
                let txid: i64 = client.query_one("SELECT txid_current()", &[]).await?.try_get(0)?;
                if failed {
                    let _ = client.batch_execute("SELECT 1 / 0").await;
                }
                let outcome = schema::migrate_postgres(&mut client).await.map(Some);
                let kept = if failed {   // still failed and open: a query is refused with 25P02
                    matches!(client.batch_execute("SELECT 1").await,
                             Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION))
                } else {   // tokio-postgres does not tell: the same transaction id before and after migrate
                    client.query_one("SELECT txid_current()", &[]).await?.try_get::<_, i64>(0)? == txid
                };
                client.batch_execute("ROLLBACK").await?;
                let after = names(client.query(tables, &[]).await?);
                assert!(kept && after == before,
                        "migrate spoiled the caller's transaction: still the caller's: {}; tables before {:?}, after \
                         the caller's ROLLBACK {:?}", kept, before, after);
                outcome
            }
            "verify-deep-in-transaction" => {
                // inside a transaction the caller has open: it stays open, its work in place, no trace left
                client.batch_execute("BEGIN; CREATE TEMP TABLE caller_work (x integer); INSERT INTO caller_work VALUES (1)").await?;
                let path: String = client.query_one("SELECT current_setting('search_path')", &[]).await?.try_get(0)?;
                let outcome = schema::verify_postgres(&client, true).await.map(|_| None);
                let row = client
                    .query_one(
                        "SELECT (SELECT count(*) FROM caller_work)::int4, to_regclass('pg_temp.schemactl_probe') IS NULL, \
                         current_setting('search_path')",
                        &[],
                    )
                    .await?;
                let (n, gone, now): (i32, bool, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
                assert!(n == 1 && gone && now == path, "verify disturbed the caller's transaction: {} {} {}", n, gone, now);
                client.batch_execute("ROLLBACK").await?;
                outcome
            }
            "verify-deep-in-failed-transaction" => {
                // inside a transaction of the caller's that has failed: verify errs, the transaction stays
                // failed and open (a query is still refused with 25P02) for the caller's ROLLBACK
                client.batch_execute("BEGIN").await?;
                let _ = client.batch_execute("SELECT 1 / 0").await;
                let outcome = schema::verify_postgres(&client, true).await.map(|_| None);
                let still = client.batch_execute("SELECT 1").await;
                let failed = matches!(&still, Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION));
                assert!(failed, "verify ended the caller's failed transaction: SELECT 1 gave {:?}", still);
                client.batch_execute("ROLLBACK").await?;
                outcome
            }
            "verify-in-transaction" => {
                // inside a transaction the caller has open and has written in: whatever verify finds (a database
                // never migrated: its read of the version table fails), the transaction is still usable (its
                // work is read back, in the same transaction) and the caller commits it
                client.batch_execute("BEGIN; CREATE TEMP TABLE caller_work (x integer); INSERT INTO caller_work VALUES (1)").await?;
                let txid: i64 = client.query_one("SELECT txid_current()", &[]).await?.try_get(0)?;
                let outcome = schema::verify_postgres(&client, false).await.map(|_| None);
                let during = client.query_one("SELECT count(*), txid_current() FROM caller_work", &[]).await
                    .map(|row| (row.get::<_, i64>(0), row.get::<_, i64>(1)));
                assert!(matches!(during, Ok((1, now)) if now == txid),
                        "verify spoiled the caller's transaction: its work read {:?} (transaction {})", during, txid);
                client.batch_execute("COMMIT").await?;
                let after: i64 = client.query_one("SELECT count(*) FROM caller_work", &[]).await?.try_get(0)?;
                assert!(after == 1, "the caller's work was not committed after verify: {} row(s)", after);
                outcome
            }
            "migrate-in-read-transaction" | "verify-in-read-transaction" => {
                // inside a transaction the caller has opened and has only read in (no transaction id assigned):
                // migrate refuses it, and verify (whatever it finds) leaves it open and usable: the caller's
                // next statement runs in it, and its ROLLBACK takes that statement's table away
                client.batch_execute("BEGIN").await?;
                client.query_one("SELECT count(*) FROM pg_catalog.pg_class", &[]).await?;
                let outcome = if command == "migrate-in-read-transaction" {
                    schema::migrate_postgres(&mut client).await.map(Some)
                } else {
                    schema::verify_postgres(&client, false).await.map(|_| None)
                };
                let usable = client.batch_execute("CREATE TEMP TABLE caller_after (x integer)").await;
                client.batch_execute("ROLLBACK").await?;
                let gone: bool = client.query_one("SELECT to_regclass('pg_temp.caller_after') IS NULL", &[]).await?.try_get(0)?;
                assert!(usable.is_ok() && gone,
                        "{} spoiled the caller's read-only transaction: its next statement gave {:?}, still open: {}",
                        command, usable, gone);
                outcome
            }
            "verify-deep-session-path" => {
                // a session whose own search_path verify must leave as it is, with no transaction left open
                // (a savepoint is refused)
                client.batch_execute("SET search_path = other, public").await?;
                let outcome = schema::verify_postgres(&client, true).await.map(|_| None);
                let now: String = client.query_one("SELECT current_setting('search_path')", &[]).await?.try_get(0)?;
                let open = client.batch_execute("SAVEPOINT schemactl_driver_check").await.is_ok();
                assert!(now == "other, public" && !open, "verify changed the session: {} {}", now, open);
                outcome
            }
            _ => schema::verify_postgres(&client, true).await.map(|_| None),
        };
        drop(client);
        let _ = connection.await;
        outcome
    })
}

/// Best time of `rounds` runs of verify (shallow) and deep verify, in milliseconds.
fn bench_sqlite(path: &str, rounds: usize) -> (f64, f64) {
    let mut conn = rusqlite::Connection::open(path).expect("open the database");
    schema::migrate_sqlite(&mut conn).expect("migrate");
    let best = |deep: bool| {
        (0..rounds)
            .map(|_| {
                let t = std::time::Instant::now();
                schema::verify_sqlite(&conn, deep).expect("verify");
                t.elapsed().as_secs_f64() * 1000.0
            })
            .fold(f64::INFINITY, f64::min)
    };
    (best(false), best(true))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() == 4 && args[0] == "bench" && args[1] == "sqlite" {
        let (shallow, deep) = bench_sqlite(&args[2], args[3].parse().expect("rounds"));
        println!("{{\"ok\": true, \"shallow_ms\": {}, \"deep_ms\": {}}}", shallow, deep);
        return;
    }
    let commands = ["migrate", "verify", "verify-deep", "verify-deep-in-transaction", "verify-deep-in-failed-transaction",
                    "verify-deep-session-path", "verify-in-transaction", "migrate-in-transaction",
                    "migrate-in-failed-transaction", "migrate-in-read-transaction", "verify-in-read-transaction"];
    if args.len() != 3 || !commands.contains(&args[0].as_str()) || (args[1] != "sqlite" && args[1] != "postgres") {
        eprintln!("usage: driver migrate|verify|verify-deep|verify-deep-in-transaction|verify-deep-in-failed-transaction|verify-deep-session-path|verify-in-transaction|\
                   migrate-in-transaction|migrate-in-failed-transaction|migrate-in-read-transaction|verify-in-read-transaction \
                   sqlite|postgres TARGET");
        exit(2);
    }
    let outcome = if args[1] == "sqlite" { run_sqlite(&args[0], &args[2]) } else { run_postgres(&args[0], &args[2]) };
    let (line, code) = report(outcome);
    println!("{}", line);
    exit(code);
}

#[cfg(test)]
mod tests {
    //! `cargo test`: the crate against a real SQLite file and the PostgreSQL named by SCHEMACTL_TEST_PG
    //! (an empty database).

    fn expected_versions() -> Vec<u32> {
        (1..=schema::SCHEMA_VERSION).collect()
    }

    fn mismatch(e: schema::Error) -> Vec<String> {
        match e {
            schema::Error::Mismatch(d) => d,
            other => panic!("expected a mismatch, got {:?}", other),
        }
    }

    fn migration(e: schema::Error) -> String {
        match e {
            schema::Error::Migration(m) => m,
            other => panic!("expected a migration error, got {:?}", other),
        }
    }

    #[test]
    fn sqlite_file() {
        let path = std::env::temp_dir().join(format!("schemactl-rust-test-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        assert_eq!(mismatch(schema::verify_sqlite(&conn, false).unwrap_err()),
                   vec!["no schema_version table; run migrate() first".to_string()]);
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        assert_eq!(schema::migrate_sqlite(&mut conn).unwrap(), expected_versions());
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1, "migrate restores PRAGMA foreign_keys");
        schema::verify_sqlite(&conn, false).unwrap();
        schema::verify_sqlite(&conn, true).unwrap();
        assert_eq!(schema::migrate_sqlite(&mut conn).unwrap(), Vec::<u32>::new());

        conn.execute_batch("BEGIN").unwrap();
        assert_eq!(migration(schema::migrate_sqlite(&mut conn).unwrap_err()),
                   "migrate() needs a connection with no open transaction; commit or roll back your transaction \
                    before migrate()");
        conn.execute_batch("ROLLBACK").unwrap();

        conn.execute_batch("CREATE TABLE zz_extra (id INTEGER PRIMARY KEY)").unwrap();
        assert_eq!(mismatch(schema::verify_sqlite(&conn, true).unwrap_err()),
                   vec!["table \"zz_extra\" is not expected".to_string()]);
        schema::verify_sqlite(&conn, false).unwrap();

        let v = schema::SCHEMA_VERSION;
        conn.execute("UPDATE schema_version SET hash = 'sha256:forged' WHERE version = ?1", [v]).unwrap();
        assert_eq!(mismatch(schema::verify_sqlite(&conn, false).unwrap_err()),
                   vec![format!("database hash sha256:forged differs from the bundle's {}", schema::SCHEMA_HASH)]);
        assert!(migration(schema::migrate_sqlite(&mut conn).unwrap_err())
            .starts_with(&format!("schema_version row {} carries hash sha256:forged", v)));
        drop(conn);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn postgres_database() {
        let conninfo = std::env::var("SCHEMACTL_TEST_PG")
            .expect("SCHEMACTL_TEST_PG names the throwaway PostgreSQL (libpq key=value conninfo)");
        super::runtime().block_on(async {
            let (mut client, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(connection);
            assert_eq!(mismatch(schema::verify_postgres(&client, true).await.unwrap_err()),
                       vec!["no schema_version table; run migrate() first".to_string()]);
            assert_eq!(schema::migrate_postgres(&mut client).await.unwrap(), expected_versions());
            schema::verify_postgres(&client, false).await.unwrap();
            schema::verify_postgres(&client, true).await.unwrap();
            assert_eq!(schema::migrate_postgres(&mut client).await.unwrap(), Vec::<u32>::new());

            client.batch_execute("CREATE TABLE zz_extra (id integer PRIMARY KEY)").await.unwrap();
            assert_eq!(mismatch(schema::verify_postgres(&client, true).await.unwrap_err()),
                       vec!["table \"zz_extra\" is not expected".to_string()]);
            client.batch_execute("DROP TABLE zz_extra").await.unwrap();

            let v = schema::SCHEMA_VERSION as i32;
            client.execute("UPDATE schema_version SET hash = 'sha256:forged' WHERE version = $1", &[&v]).await.unwrap();
            assert_eq!(mismatch(schema::verify_postgres(&client, false).await.unwrap_err()),
                       vec![format!("database hash sha256:forged differs from the bundle's {}", schema::SCHEMA_HASH)]);
            assert!(migration(schema::migrate_postgres(&mut client).await.unwrap_err())
                .starts_with(&format!("schema_version row {} carries hash sha256:forged", v)));
            // The advisory lock was released on the error path: another session can take it at once.
            let (other, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(connection);
            let row = other.query_one("SELECT pg_try_advisory_lock(lock_key) FROM (SELECT $1::bigint AS lock_key) k",
                                      &[&lock_key()]).await.unwrap();
            assert!(row.get::<_, bool>(0), "the migration lock is free after an error");
        });
    }

    /// The schema's advisory lock key: the first 8 bytes of SHA-256 of "schemactl:<name>", read from the
    /// environment (the test computes it in Python).
    fn lock_key() -> i64 {
        std::env::var("SCHEMACTL_TEST_LOCK_KEY").expect("SCHEMACTL_TEST_LOCK_KEY").parse().unwrap()
    }
}
