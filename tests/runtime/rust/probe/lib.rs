//! Compiled against a generated schemactl crate (as `schema`) with one feature set: the public API has
//! exactly these names and signatures, `Error` exactly these variants, and the PostgreSQL futures are Send.

pub const VERSION: u32 = schema::SCHEMA_VERSION;
pub const HASH: &str = schema::SCHEMA_HASH;

pub fn embedded() -> usize {
    let all = schema::SQLITE_MIGRATIONS.iter().chain(schema::POSTGRES_MIGRATIONS.iter());
    all.filter(|m| m.version >= 1 && !m.name.is_empty() && !m.sql.is_empty()).count()
}

pub fn describe(e: &schema::Error) -> String {
    let _: &dyn std::error::Error = e;
    match e {
        schema::Error::Migration(message) => message.clone(),
        schema::Error::Mismatch(differences) => differences.join("\n"),
        #[cfg(feature = "sqlite")]
        schema::Error::Sqlite(e) => e.to_string(),
        #[cfg(feature = "postgres")]
        schema::Error::Postgres(e) => e.to_string(),
    }
}

#[cfg(feature = "sqlite")]
pub const MIGRATE_SQLITE: fn(&mut rusqlite::Connection) -> Result<Vec<u32>, schema::Error> = schema::migrate_sqlite;
#[cfg(feature = "sqlite")]
pub const VERIFY_SQLITE: fn(&rusqlite::Connection, bool) -> Result<(), schema::Error> = schema::verify_sqlite;

#[cfg(feature = "postgres")]
pub async fn migrate_postgres(client: &mut tokio_postgres::Client) -> Result<Vec<u32>, schema::Error> {
    schema::migrate_postgres(client).await
}

#[cfg(feature = "postgres")]
pub async fn verify_postgres(client: &tokio_postgres::Client, deep: bool) -> Result<(), schema::Error> {
    schema::verify_postgres(client, deep).await
}

#[cfg(feature = "postgres")]
pub fn futures_are_send(client: &mut tokio_postgres::Client) {
    fn send<T: Send>(_: &T) {}
    send(&schema::verify_postgres(client, true));
    send(&schema::migrate_postgres(client));
}
