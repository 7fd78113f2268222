// node query.cjs <sqlite|postgres> <schema module .ts> <database file, or node-postgres config JSON> <queries JSON>
// Runs drizzle-orm's relational queries (db.query.<export>.findMany({ with })) on the real driver and
// prints the rows as JSON.  Queries: [[export, with], ...].
"use strict";
const fs = require("fs");
const Module = require("module");
const ts = require("typescript");

Module._extensions[".ts"] = (m, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  m._compile(out.outputText, filename);
};

(async () => {
  const [engine, file, target, queries] = process.argv.slice(2);
  const schema = require(require("path").resolve(file));
  let db, close;
  if (engine === "sqlite") {
    const Database = require("better-sqlite3");
    const conn = new Database(target);
    db = require("drizzle-orm/better-sqlite3").drizzle(conn, { schema });
    close = async () => conn.close();
  } else {
    const { Client } = require("pg");
    const client = new Client(JSON.parse(target));
    await client.connect();
    db = require("drizzle-orm/node-postgres").drizzle(client, { schema });
    close = () => client.end();
  }
  const out = [];
  for (const [name, withs] of JSON.parse(queries)) {
    out.push(await db.query[name].findMany({ with: withs }));
  }
  await close();
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
