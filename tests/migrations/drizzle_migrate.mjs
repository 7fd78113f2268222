// Applies a generated drizzle/<engine> folder with drizzle-orm's own migrator, as a Drizzle user would:
//   node drizzle_migrate.mjs sqlite <file> <folder>      (better-sqlite3: foreign keys ON, one transaction)
//   node drizzle_migrate.mjs postgres <conninfo> <folder> (node-postgres)
const [engine, target, migrationsFolder] = process.argv.slice(2);

function pgConfig(conninfo) {
  const out = {};
  for (const part of conninfo.trim().split(/\s+/)) {
    const [key, value] = part.split("=");
    out[key === "dbname" ? "database" : key] = key === "port" ? Number(value) : value;
  }
  return out;
}

if (engine === "sqlite") {
  const { default: Database } = await import("better-sqlite3");
  const { drizzle } = await import("drizzle-orm/better-sqlite3");
  const { migrate } = await import("drizzle-orm/better-sqlite3/migrator");
  const sqlite = new Database(target);
  try {
    migrate(drizzle(sqlite), { migrationsFolder });
  } finally {
    sqlite.close();
  }
} else {
  const { default: pg } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const client = new pg.Client(pgConfig(target));
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
}
