// The equality proof of `import --drizzle` + `generate`: node compare.cjs <original.ts> <generated.ts>
// Loads both modules through the pinned typescript and drizzle-orm and prints, as JSON, every difference
// in what drizzle-orm's getTableConfig sees of each table the original exports: export name, SQL name,
// schema, property keys, and per column its SQL name and type, builder class, data type, mode, enum
// values, NOT NULL, default, primary key and whether it has a $defaultFn / $onUpdate function.
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");
const ts = require("typescript");
const { is, getTableColumns } = require("drizzle-orm");
const pg = require("drizzle-orm/pg-core");
const lite = require("drizzle-orm/sqlite-core");

function compile(m, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  m._compile(out.outputText, filename);
}
Module._extensions[".ts"] = compile;

function tables(file) {
  const mod = require(path.resolve(file));
  const out = {};
  for (const [key, value] of Object.entries(mod)) {
    const core = is(value, pg.PgTable) ? pg : is(value, lite.SQLiteTable) ? lite : null;
    if (!core) continue;
    const config = core.getTableConfig(value);
    const columns = {};
    for (const [prop, c] of Object.entries(getTableColumns(value))) {
      columns[prop] = {
        name: c.name, sqlType: c.getSQLType(), columnType: c.columnType, dataType: c.dataType,
        mode: c.mode === undefined ? null : c.mode, enumValues: c.enumValues || null, notNull: c.notNull,
        hasDefault: c.hasDefault, primary: c.primary, defaultFn: Boolean(c.defaultFn), onUpdateFn: Boolean(c.onUpdateFn),
      };
    }
    out[key] = { name: config.name, schema: config.schema || null, keys: Object.keys(columns), columns };
  }
  return out;
}

const [a, b] = [tables(process.argv[2]), tables(process.argv[3])];
const diffs = [];
for (const [name, t] of Object.entries(a)) {
  const u = b[name];
  if (!u) { diffs.push(`export ${name}: missing`); continue; }
  for (const k of ["name", "schema"]) if (t[k] !== u[k]) diffs.push(`${name}: ${k} ${t[k]} -> ${u[k]}`);
  if (JSON.stringify([...t.keys].sort()) !== JSON.stringify([...u.keys].sort())) {
    diffs.push(`${name}: keys ${t.keys.join(",")} -> ${u.keys.join(",")}`);
  }
  for (const [key, c] of Object.entries(t.columns)) {
    const d = u.columns[key];
    if (!d) continue;
    for (const [k, v] of Object.entries(c)) {
      if (JSON.stringify(v) !== JSON.stringify(d[k])) diffs.push(`${name}.${key}: ${k} ${JSON.stringify(v)} -> ${JSON.stringify(d[k])}`);
    }
  }
}
for (const name of Object.keys(b)) if (!a[name]) diffs.push(`export ${name}: not in the original`);
process.stdout.write(JSON.stringify({ tables: Object.keys(a), diffs }, null, 1));
