// The equality proof of `import --drizzle` + `generate`: node compare.cjs <original.ts> <generated.ts> [more pairs]
// Loads both modules through the pinned typescript and drizzle-orm and prints, as JSON, every difference
// in what drizzle-orm's getTableConfig sees of each table the original exports: export name, SQL name,
// schema, property keys, and per column its SQL name and type, builder class, data type, mode, enum
// values, NOT NULL, default, primary key and whether it has a $defaultFn / $onUpdate function; every
// relations() export with the same table and relations (name, one/many, target, fields, references,
// relationName); and every other value the original exports, by name.
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");
const ts = require("typescript");
const orm = require("drizzle-orm");
const { is, getTableColumns } = orm;
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

function relationsOf(value) {
  const config = value.config(orm.createTableRelationsHelpers(value.table));
  const core = is(value.table, pg.PgTable) ? pg : lite;
  return {
    table: core.getTableConfig(value.table).name,
    with: Object.fromEntries(Object.entries(config).map(([name, r]) => [name, {
      kind: is(r, orm.One) ? "one" : "many", target: r.referencedTableName, relationName: r.relationName || null,
      fields: r.config && r.config.fields ? r.config.fields.map((c) => c.name) : null,
      references: r.config && r.config.references ? r.config.references.map((c) => c.name) : null,
    }])),
  };
}

const others = {}, rels = {};
function tables(file) {
  const mod = require(path.resolve(file));
  const out = {};
  others[file] = Object.keys(mod);
  rels[file] = {};
  for (const [key, value] of Object.entries(mod)) {
    if (is(value, orm.Relations)) rels[file][key] = relationsOf(value);
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

function compare(fa, fb) {
  const [a, b] = [tables(fa), tables(fb)];
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
  for (const name of others[fa]) if (!others[fb].includes(name)) diffs.push(`export ${name}: missing`);
  for (const [name, r] of Object.entries(rels[fa])) {
    if (rels[fb][name] && JSON.stringify(r) !== JSON.stringify(rels[fb][name])) {
      diffs.push(`${name}: ${JSON.stringify(r)} -> ${JSON.stringify(rels[fb][name])}`);
    }
  }
  return { tables: Object.keys(a), relations: Object.keys(rels[fa]), diffs };
}

// node compare.cjs ORIGINAL GENERATED: one result; with more pairs (o1 g1 o2 g2 ...): a list, one per pair
const files = process.argv.slice(2);
const results = [];
for (let i = 0; i + 1 < files.length; i += 2) results.push(compare(files[i], files[i + 1]));
process.stdout.write(JSON.stringify(files.length === 2 ? results[0] : results, null, 1));
