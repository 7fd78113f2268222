// schemactl import --drizzle: what Drizzle knows of a team's schema module, as JSON on stdout.
//
// Usage: node drizzle_module.cjs <schema.ts> [--sql postgresql|sqlite --kit <node_modules/.bin/drizzle-kit>]
// The module is loaded (and so executed, as drizzle-kit does) through the project's own typescript (or esbuild,
// drizzle-kit's own loader, where its exports allow: see exportOrder) and drizzle-orm; its tables are read with drizzle-orm's getTableConfig and its source with the TypeScript
// compiler API (never by matching text): export names, property keys, modes, enum values, $type<...>()
// texts, $defaultFn/$onUpdate functions and customType declarations, with the imports they use.
// With --sql, the same process also writes drizzle-kit's snapshot of the module ("snapshot", what its API's
// generateDrizzleJson makes of it) and what `drizzle-kit export` of the file would print ("ddl"), through that
// drizzle-kit's own API, when it can see the module exactly as the command does (see fastLoad); without them
// the caller runs the command itself.  That SQL thread loads the module the fast way; the main thread then reads
// what drizzle-orm says of it (moduleFacts) from that loading instead of loading it a second time, and loads it
// itself only where the thread did not (or could not).
//
// The answer is lines of JSON on stdout: first {"snapshot": …} where the SQL thread made one (written by that
// thread itself as soon as it has it, while this one still reads the source: the caller begins its work on it
// meanwhile); then what the module says ("snapshotValid": whether the snapshot is of the module as loaded
// here, "ddlFollows": true when a last line, {"ddl": …}, comes after it).  The caller may need nothing but the
// snapshot; the SQL is written while it works on it.
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");
const threads = require("worker_threads");

if (!threads.isMainThread) {   // the SQL, in a thread of its own while the main thread reads the source
  const saveCode = codeCache(threads.workerData.codeCache);
  factsAnswer(threads.workerData);
  // two messages: {snapshot: whether its line is written}, then {ddl}; saveCode before the first, since the
  // caller may stop the process once it has the snapshot
  const post = (msg) => threads.parentPort.postMessage(msg);
  exportSql(threads.workerData, (snapshot) => {
    saveCode();
    let written = false;
    try {
      writeAll(1, JSON.stringify({ snapshot }) + "\n");
      written = true;
    } catch (e) { /* (no snapshot line: the caller asks the server) */ }
    post({ snapshot: written });
    return written;
  }).then((ddl) => post({ snapshot: false, ddl }), () => post({ snapshot: false, ddl: null }))
    .finally(() => factsLoaded(null));   // (where the module was not loaded: none to give)
  return;
}

// All of ``text`` to file descriptor ``fd`` from this thread, as one line no other write comes into (the main
// thread writes only once this one says it is done); a pipe Node made non-blocking is waited on.
function writeAll(fd, text) {
  const data = Buffer.from(text, "utf8");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let at = 0; at < data.length;) {
    try {
      at += fs.writeSync(fd, data, at, data.length - at);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}
// Whether the caller wants the SQL as well as the snapshot it was written: a caller that passes --ask-sql says so
// on stdin once it has read the snapshot ("n": it read the schema from it, and the SQL would only take a core
// from the main thread's reading of the source; anything else, or stdin closed: it does).  Blocks this thread only.
function sqlWanted() {
  const byte = Buffer.alloc(1), pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fs.readSync(0, byte, 0, 1, null) === 0 || byte[0] !== 0x6e;
    } catch (e) {
      if (e.code !== "EAGAIN") return true;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}
// stdout carries the answer alone: what the module prints (console.log, a dotenv notice) goes to stderr
const answer = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, encoding, callback) => process.stderr.write(chunk, encoding, callback);
const file = path.resolve(process.argv[2]);
const option = (name) => { const i = process.argv.indexOf(name, 3); return i > 0 ? process.argv[i + 1] : null; };
const sqlDialect = option("--sql"), kitPath = option("--kit"), codeCacheDir = option("--code-cache");
const ask = process.argv.includes("--ask-sql", 3);   // (see sqlWanted)
const casing = option("--casing");   // drizzle.config's: a column declared without a name is named by its key, cased
const saveCode = codeCache(codeCacheDir);
const sqlThread = sqlDialect && kitPath ? startSql() : null;
const text = fs.readFileSync(file, "utf8");
// esbuild's reading of the file, made once and first: the SQL thread (the longer one) waits for it, and a file
// whose exports can be read in their declared order is loaded from it here too (fastLoad)
const esbuildFirst = (() => {
  const esbuild = findEsbuild(kitPath, file);
  try {
    return esbuild ? esbuildCode(esbuild, text, file) : null;
  } catch (e) {
    return null;
  }
})();
// A file with export forms the fast load never takes (see exportOrder; by its text, so sometimes a file that
// would do) is left to `drizzle-kit export` at once: the SQL thread then neither loads nor runs it.
const notFast = /\bimport\s*[.(]|\bexport\s*(?:[*{=]|default\b|import\b|declare\b|namespace\b|module\b|as\b)/;
const mayLoadFast = /\.[mc]?ts$/.test(file) && !notFast.test(text);
if (sqlThread) sqlThread.worker.postMessage({ go: mayLoadFast && esbuildFirst !== null, code: esbuildFirst });

function startSql() {
  // moduleFacts of the thread's module come on a port of their own, with a flag to wait on (this thread asks
  // for them, and takes them, synchronously: see facts)
  const { port1, port2 } = new threads.MessageChannel(), flag = new SharedArrayBuffer(4);
  const worker = new threads.Worker(__filename, { workerData: { file, sqlDialect, kitPath, casing, ask,
                                                                codeCache: codeCacheDir, factsPort: port2,
                                                                factsFlag: flag },
                                                  transferList: [port2],
                                                  stdout: true, stderr: true });   // the module's output: not ours
  // The thread's moduleFacts for ``asked`` ({order, creators}), or null: where it does not load the module the
  // fast way, fails to, or stops (a process.exit() in the module ends the thread); asked null: none wanted (this
  // thread loads the module itself).  Asked for once.
  const facts = (asked) => {
    port1.postMessage(asked);
    if (!asked) return null;
    const waiting = new Int32Array(flag);
    // (the thread always answers; one that never does, ended some way its own handlers do not see, leaves the
    // module to this thread after a while)
    for (let waited = 0; Atomics.load(waiting, 0) === 0 && waited < 120000; waited += 50) {
      Atomics.wait(waiting, 0, 0, 50);
    }
    const got = threads.receiveMessageOnPort(port1);
    return got ? got.message : null;
  };
  let gotSnapshot, gotDdl;
  const snapshot = new Promise((resolve) => { gotSnapshot = resolve; });
  const done = new Promise((resolve) => { gotDdl = resolve; });
  worker.on("message", (msg) => {
    gotSnapshot(Boolean(msg && msg.snapshot));
    if (msg && "ddl" in msg) gotDdl(msg.ddl);
  });
  const ended = () => { gotSnapshot(false); gotDdl(null); };
  worker.once("error", ended);
  worker.once("exit", ended);
  return { worker, snapshot, done, facts };
}
const here = Module.createRequire(file);
const fallback = Module.createRequire(path.join(process.cwd(), "noop.js"));
function need(name) {
  try { return here(name); } catch (e) {
    try { return fallback(name); } catch (e2) {
      fail(`cannot load ${name} from the project: run \`npm install ${name}\` where the schema file is`);
    }
  }
}
function fail(message, node, unit) {
  const at = node ? place(node, unit) : null;
  failWith({ error: message, ...(at && at.file ? { file: at.file } : {}), line: at && at.line, col: at && at.col });
}
// The answer is an error: a line of its own (one write, which a pipe keeps whole), whatever the SQL thread is
// writing meanwhile
function failWith(error) {
  answer("\n" + JSON.stringify(error) + "\n");
  process.exit(3);
}

const ts = need("typescript");
const orm = need("drizzle-orm");
const pg = need("drizzle-orm/pg-core");
const lite = need("drizzle-orm/sqlite-core");

// -- the source, through the compiler API
// (no parent pointers: uses() links the few subtrees it reads, and the whole tree's took a quarter of the parse)
const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
function position(node, u = entry) {
  const lc = u.source.getLineAndCharacterOfPosition(node.getStart(u.source));
  return { line: lc.line + 1, col: lc.character + 1 };
}
// A node's place for the caller's notes: the module that holds it is named when it is not the schema file
function place(node, u = entry) {
  return { ...(u === entry ? {} : { file: u.file }), ...position(node, u) };
}

// One source file read: its imports, top-level declarations, `[export] const x = <call>(...)` calls and
// re-exports.  The schema file is one; the local modules it re-exports (export * from "./x", export { a } from
// "./x", import-then-export) are read the same way, each with its own positions and imports.
function readUnit(f, src) {
  const u = { file: f, source: src, imports: new Map(), locals: new Map(), calls: new Map(), named: new Map(),
              stars: [], from: [], exported: new Set() };
  const exporting = (st) => (ts.canHaveModifiers(st) && ts.getModifiers(st) || [])
    .some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const st of src.statements) {
    if (ts.isImportDeclaration(st) && st.importClause && ts.isStringLiteral(st.moduleSpecifier)) {
      const mod = st.moduleSpecifier.text, clause = st.importClause;
      if (clause.name) u.imports.set(clause.name.text, { module: mod, name: "default", type: clause.isTypeOnly });
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) u.imports.set(nb.name.text, { module: mod, name: "*", type: clause.isTypeOnly });
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) {
          u.imports.set(el.name.text, { module: mod, name: (el.propertyName || el.name).text,
                                        type: clause.isTypeOnly || el.isTypeOnly });
        }
      }
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        u.locals.set(d.name.text, d);
        if (exporting(st)) u.exported.add(d.name.text);
      }
    } else if ((ts.isFunctionDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)
                || ts.isEnumDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
      u.locals.set(st.name.text, st);
      if (exporting(st)) u.exported.add(st.name.text);
    } else if (ts.isExportDeclaration(st)) {
      const mod = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
      if (!st.exportClause) {
        if (mod) u.stars.push(mod);
      } else if (ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) {
          const name = (el.propertyName || el.name).text;
          if (mod) u.from.push({ as: el.name.text, module: mod, name });
          else u.named.set(el.name.text, name);
        }
      }
    }
  }
  for (const [name, d] of u.locals) {
    const init = d.initializer && unwrap(d.initializer);
    if (init && ts.isCallExpression(init)) u.calls.set(name, init);
  }
  return u;
}
const entry = readUnit(file, source);
const { imports, locals } = entry;
const units = new Map([[file, entry]]);
function unitAt(from, spec) {   // the local module a relative specifier names, read once
  const f = /^\.\.?\//.test(spec) ? resolveLocal(from, spec) : null;
  if (!f || !/\.[mc]?tsx?$/.test(f)) return null;
  if (!units.has(f)) {
    let u = null;
    try {
      u = readUnit(f, ts.createSourceFile(f, fs.readFileSync(f, "utf8"), ts.ScriptTarget.Latest, false,
                                          ts.ScriptKind.TS));
    } catch (e) { /* unread: its declarations are not found */ }
    units.set(f, u);
  }
  return units.get(f);
}
// The declaration a module exports as `name`: { u, name } (its unit and its name there), or null
function exportOf_(u, name, depth = 0) {
  if (!u || depth > 50) return null;
  if (u.named.has(name)) {
    const local = u.named.get(name);
    if (u.locals.has(local)) return { u, name: local };
    const i = u.imports.get(local);
    return i && i.name !== "*" && i.name !== "default" ? exportOf_(unitAt(u.file, i.module), i.name, depth + 1) : null;
  }
  if (u.exported.has(name)) return { u, name };
  for (const f of u.from) if (f.as === name) return exportOf_(unitAt(u.file, f.module), f.name, depth + 1);
  if (name === "default") return null;
  for (const m of u.stars) {
    const found = exportOf_(unitAt(u.file, m), name, depth + 1);
    if (found) return found;
  }
  return null;
}
// The declaration of the schema's export `key`: the schema file's own declaration of that name, as before, or
// the one a local module it re-exports holds
function declOf(key) {
  return locals.has(key) ? { u: entry, name: key } : exportOf_(entry, key);
}
// Is `name`, declared as ``at``, what the schema exports as `name` (and so what the generated file declares)?
function sameExport(name, at) {
  const d = at && declOf(name);
  return !!d && d.u === at.u && d.name === at.name;
}

// The names a piece of code uses from outside itself: imports (kept with their module) or top-level
// declarations of the file (which the generated file does not have: the caller leaves such code out).
function uses(node, u = entry) {
  const bound = new Set(), out = { imports: [], locals: [] };
  (function link(n) { ts.forEachChild(n, (c) => { c.parent = n; link(c); }); })(node);
  (function bind(n) {
    if ((ts.isParameter(n) || ts.isVariableDeclaration(n) || ts.isBindingElement(n)) && ts.isIdentifier(n.name)) {
      bound.add(n.name.text);
    }
    if (ts.isTypeParameterDeclaration(n)) bound.add(n.name.text);
    ts.forEachChild(n, bind);
  })(node);
  (function walk(n) {
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const member = p && ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isQualifiedName(p) && p.right === n)
        || (ts.isPropertyAssignment(p) && p.name === n) || (ts.isPropertySignature(p) && p.name === n)
        || (ts.isMethodDeclaration(p) && p.name === n) || (ts.isPropertyDeclaration(p) && p.name === n)
        || (ts.isTypeAliasDeclaration(p) && p.name === n));
      const name = n.text;
      if (!member && !bound.has(name)) {
        if (u.imports.has(name)) {
          const i = u.imports.get(name);
          // a name imported from a local module that the schema exports as the same name: the generated file
          // declares it (when the caller keeps it), as it does the schema file's own declarations
          const local = /^\.\.?\//.test(i.module) && i.name === name
            && sameExport(name, exportOf_(unitAt(u.file, i.module), i.name));
          if (local) {
            if (!out.locals.includes(name)) out.locals.push(name);
          } else if (!out.imports.some((x) => x.local === name)) out.imports.push({ local: name, ...i });
        } else if (u.locals.has(name) && !out.locals.includes(name)) {
          out.locals.push(name);
          // a module's own declaration the schema does not export as this name: the generated file has none
          if (u !== entry && !sameExport(name, { u, name })) (out.private = out.private || []).push(name);
        }
      }
    }
    ts.forEachChild(n, walk);
  })(node);
  return out;
}

function unwrap(e) {
  while (e && (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e))) e = e.expression;
  return e;
}

// The object literal of a table's columns: the second argument, or what its arrow function returns.
function columnsObject(arg) {
  arg = unwrap(arg);
  if (arg && ts.isObjectLiteralExpression(arg)) return arg;
  if (arg && (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg))) {
    if (!ts.isBlock(arg.body)) return columnsObject(arg.body);
    const ret = arg.body.statements.find((s) => ts.isReturnStatement(s));
    return ret ? columnsObject(ret.expression) : null;
  }
  return null;
}

// Property key -> its initializer, following spreads of top-level object constants of the file.
function properties(obj, out, seen, u = entry) {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
      out.set(p.name.text, p.initializer);
    } else if (ts.isShorthandPropertyAssignment(p)) {
      const d = u.locals.get(p.name.text);
      if (d && d.initializer) out.set(p.name.text, d.initializer);
    } else if (ts.isSpreadAssignment(p) && ts.isIdentifier(unwrap(p.expression))) {
      const name = unwrap(p.expression).text, d = u.locals.get(name);
      const init = d && d.initializer && unwrap(d.initializer);
      if (init && ts.isObjectLiteralExpression(init) && !seen.has(name)) properties(init, out, new Set([...seen, name]), u);
    }
  }
  return out;
}

function code(node, u = entry) {
  return { text: node.getText(u.source), ...uses(node, u), ...position(node, u) };
}

// What a column's chain declares: $type<T>(), $defaultFn/$default, $onUpdate/$onUpdateFn, the builder root.
function chain(expr, u = entry) {
  const out = {};
  let e = unwrap(expr);
  let array = false;   // an .array() outside the call at hand: a $type<T>() inside it types no column
  while (e && ts.isCallExpression(e)) {
    const callee = unwrap(e.expression);
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      if (method === "array") array = true;
      // jsonb("d").$type<T>().array() selects unknown[] (drizzle-orm's array builder drops the element's $type):
      // written after the generated file's .array() it would select T
      if (method === "$type" && e.typeArguments && e.typeArguments.length === 1 && !out.type && !array) {
        out.type = code(e.typeArguments[0], u);
      } else if ((method === "$defaultFn" || method === "$default") && e.arguments.length === 1 && !out.default_fn) {
        out.default_fn = code(e.arguments[0], u);
      } else if ((method === "$onUpdate" || method === "$onUpdateFn") && e.arguments.length === 1 && !out.on_update) {
        out.on_update = code(e.arguments[0], u);
      }
      const inner = unwrap(callee.expression);
      if (ts.isCallExpression(inner)) { e = inner; continue; }
      out.root = callee.name.text;   // d.text(...): the builder of the columns callback
      return rootConfig(e, out, u);
    }
    if (ts.isIdentifier(callee)) out.root = callee.text;
    return rootConfig(e, out, u);
  }
  return out;
}

// The builder's options argument (after the optional SQL name), as written.
function rootConfig(call, out, u = entry) {
  const args = call.arguments.filter((a) => !ts.isStringLiteralLike(a));
  if (args.length === 1) out.config = code(args[0], u);
  return out;
}

// Top-level `[export] const x = <call>(...)`: its callee name and arguments (tables, creators, custom types).
const calls = entry.calls;

function customDeclaration(root, u = entry) {
  const call = u.calls.get(root);
  if (!call) return null;
  const callee = unwrap(call.expression);
  const imp = ts.isIdentifier(callee) && u.imports.get(callee.text);
  if (!imp || imp.name !== "customType" || !/^drizzle-orm\/(pg|sqlite)-core$/.test(imp.module)) return null;
  return code(call, u);
}

// -- the module, executed through the project's typescript (CommonJS), as drizzle-kit does
// A module the schema imports is read as strictly as the schema file: typescript would emit code for a syntax
// error (its recovery), which then failed somewhere else or not at all.
function compile(m, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename, reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
                       jsx: ts.JsxEmit.React },
  });
  if ((out.diagnostics || []).length) syntaxError(out.diagnostics[0], filename);
  m._compile(out.outputText, filename);
}

function syntaxError(d, filename) {
  const lc = d.file ? d.file.getLineAndCharacterOfPosition(d.start) : null;
  failWith({ error: `not valid TypeScript: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`,
             file: filename, line: lc && lc.line + 1, col: lc && lc.character + 1 });
}
hookTypeScript(compile);

// TypeScript files load through ``compile``; an ESM-style import names the emitted file (./users.js for
// ./users.ts), which is resolved to the TypeScript file.  (The main thread and the DDL worker both.)
function hookTypeScript(compile) {
  for (const ext of [".ts", ".mts", ".cts", ".tsx"]) Module._extensions[ext] = compile;
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    try {
      return resolve.call(this, request, parent, ...rest);
    } catch (e) {
      const ts = /^\.\.?\//.test(request) && request.replace(/\.(m|c)?js$/, (x) => x.replace("js", "ts"));
      if (!ts || ts === request) throw e;
      return resolve.call(this, ts, parent, ...rest);
    }
  };
}
// The syntax errors transpileModule reports (its own parse: target ES5, the script kind of the extension).  For
// a .ts/.mts/.cts file in ASCII that is the parse above, whose target only matters to non-ASCII identifiers.
const syntax = /\.[mc]?ts$/.test(file) && /^[\x00-\x7f]*$/.test(text) ? source.parseDiagnostics
  : ts.transpileModule(text, { fileName: file, reportDiagnostics: true,
                               compilerOptions: { module: ts.ModuleKind.CommonJS } }).diagnostics || [];
if (syntax.length) syntaxError(syntax[0], file);
// esbuild (drizzle-kit's own dependency), where it runs the file as typescript would, compiles the schema file
// in a fraction of typescript's time (the file itself only: the modules it imports still go through compile()).
// Its CommonJS module lists the exports sorted by name, as drizzle-kit export sees them; the TypeScript module
// lists them as declared (functions last), the order this helper reads them in.  Only files whose exports that
// order is known for are loaded so: export const/let/var of plain names, functions, classes, enums, types.
function exportOrder() {
  if (!/\.[mc]?ts$/.test(file) || /\bimport\s*[.(]/.test(text)) return null;   // import.meta, import()
  const names = [], functions = [];
  const has = (st, kind) => (ts.canHaveModifiers(st) && ts.getModifiers(st) || []).some((m) => m.kind === kind);
  for (const st of source.statements) {
    if (ts.isExportDeclaration(st) || ts.isExportAssignment(st) || ts.isModuleDeclaration(st)) return null;
    if (ts.isClassDeclaration(st) && ((ts.getDecorators(st) || []).length
        || st.members.some((m) => ts.canHaveDecorators(m) && (ts.getDecorators(m) || []).length))) return null;
    if (!has(st, ts.SyntaxKind.ExportKeyword)) continue;
    if (has(st, ts.SyntaxKind.DefaultKeyword) || has(st, ts.SyntaxKind.DeclareKeyword)) return null;
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) return null;
        names.push(d.name.text);
      }
    } else if (ts.isFunctionDeclaration(st) && st.name && st.body) {
      functions.push(st.name.text);
    } else if ((ts.isClassDeclaration(st) || ts.isEnumDeclaration(st) && !has(st, ts.SyntaxKind.ConstKeyword))
               && st.name) {
      names.push(st.name.text);
    } else if (!ts.isTypeAliasDeclaration(st) && !ts.isInterfaceDeclaration(st)) {
      return null;
    }
  }
  const order = [...names, ...functions];
  return new Set(order).size === order.length ? order : null;
}

function fastLoad(order) {
  const code = order && esbuildFirst;   // (none: typescript's way, below)
  if (!code) return null;
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  Module._cache[file] = m;
  try {
    m._compile(code, file);
  } catch (e) {
    delete Module._cache[file];
    loadFailed(e);
  }
  m.loaded = true;
  const loaded = m.exports, view = exportView(loaded, order);
  return { loaded, view };
}

// A module that does not load: a syntax error V8 finds (a name declared twice, which typescript's transpiling
// lets through; any error of a .js module) is located in the module that holds it, at esbuild's reading of a
// TypeScript file (the compiled code's lines are not the file's) or at V8's line of a JavaScript one.
function loadFailed(e) {
  const message = String((e && e.message) || e).split("\n")[0];
  const at = e instanceof SyntaxError && /^(.+?):(\d+)\r?$/.exec(String(e.stack || "").split("\n")[0]);
  if (e instanceof SyntaxError && !at) esbuildErrorIn(localModules(file));   // V8 named no place (an ES module)
  if (!at || !path.isAbsolute(at[1]) || !fs.existsSync(at[1])) fail(`loading the module failed: ${message}`);
  const where = at[1], failedAt = (more) => {
    failWith({ error: `loading the module failed: ${message}`, file: where, ...more });
  };
  if (!/\.[mc]?tsx?$/.test(where)) failedAt({ line: Number(at[2]) });
  esbuildErrorIn([where]);
  failedAt({});
}

// The first of ``files`` esbuild cannot read, as the answer (its place and esbuild's words); else nothing.
function esbuildErrorIn(files) {
  const esbuild = findEsbuild(kitPath, file);
  for (const where of esbuild ? files : []) {
    try {
      esbuild.transformSync(fs.readFileSync(where, "utf8"), { loader: /\.[mc]?tsx?$/.test(where)
        ? (where.endsWith("x") ? "tsx" : "ts") : "js", format: "cjs", sourcefile: where });
    } catch (x) {
      const first = x && x.errors && x.errors[0];
      if (first && first.location) {
        failWith({ error: `loading the module failed: ${first.text}`, file: where, line: first.location.line,
                   col: first.location.column + 1 });
      }
    }
  }
}

// The schema file and the local modules it imports, by their text (as schemactl.importer.drizzle_dialect).
function localModules(entry) {
  const out = [], queue = [entry];
  while (queue.length && out.length < 500) {
    const f = queue.shift();
    if (out.includes(f)) continue;
    out.push(f);
    let body = "";
    try { body = fs.readFileSync(f, "utf8"); } catch (e) { continue; }
    // comments go (a commented-out import is none), strings stay; static imports only; code files only
    body = body.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
                        (x) => ("\"'`".includes(x[0]) ? x : " "));
    for (const m of body.matchAll(/\b(?:from|import)\s*(["'])(\.{1,2}\/[^"'\n]+)\1/g)) {
      const found = resolveLocal(f, m[2]);
      if (found) queue.push(found);
    }
  }
  return out;
}

// The file a relative specifier in ``from`` names (./users.js for ./users.ts, ./dir for ./dir/index.ts), or null.
function resolveLocal(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  return [base, base.replace(/\.([mc]?)js$/, ".$1ts"), ...[".ts", ".tsx", ".mts", ".cts", ".js",
          "/index.ts", "/index.js"].map((x) => base + x)].find((c) => {
    try { return /\.[mc]?[jt]sx?$/.test(c) && fs.statSync(c).isFile(); } catch (e) { return false; }
  }) || null;
}

// The schema file and the local modules it re-exports, in that order (breadth first)
const reexported = [entry];
for (let i = 0; i < reexported.length && reexported.length < 500; i++) {
  const u = reexported[i];
  const specs = [...u.stars, ...u.from.map((f) => f.module),
                 ...[...u.named.values()].map((n) => u.imports.get(n)).filter((x) => x).map((x) => x.module)];
  for (const spec of specs) {
    const next = unitAt(u.file, spec);
    if (next && !reexported.includes(next)) reexported.push(next);
  }
}
// A name as the code of ``u`` uses it: what the schema exports as that name (so the generated file has it too)?
function visible(u, name) {
  if (u === entry || !u.locals.has(name) && !u.imports.has(name)) return u === entry;
  if (u.locals.has(name)) return sameExport(name, { u, name });
  const i = u.imports.get(name);
  return /^\.\.?\//.test(i.module) && i.name === name && sameExport(name, exportOf_(unitAt(u.file, i.module), i.name));
}
// pgTableCreator exports (of the file, or of a module it re-exports under the same name): moduleFacts calls each
// with a probe name for its prefix and suffix
const creatorNames = [];
for (const [u, name, call] of reexported.flatMap((u) => [...u.calls].map(([n, c]) => [u, n, c]))) {
  if (u !== entry && !sameExport(name, { u, name })) continue;
  const callee = unwrap(call.expression);
  const imp = ts.isIdentifier(callee) && u.imports.get(callee.text);
  if (imp && ["pgTableCreator", "sqliteTableCreator"].includes(imp.name)) creatorNames.push(name);
}

// What the loaded module says (moduleFacts): from the SQL thread, which loads it the fast way anyway (see
// exportOrder, fastLoad), where there is one and it can; else the module is loaded here.
const order = exportOrder();
let facts = sqlThread ? sqlThread.facts(order && esbuildFirst ? { order, creators: creatorNames } : null) : null;
let asExported = facts ? true : null;   // (the SQL thread's module is loaded as fastLoad loads it)
if (facts) {
  if (facts.printed) process.stderr.write(facts.printed);   // what the module printed as it loaded, as if here
} else {
  let mod;
  const fast = fastLoad(order);
  if (fast) {
    mod = fast.view;
    asExported = fast.loaded;
  } else {
    try {
      mod = require(file);
    } catch (e) {
      loadFailed(e);
    }
  }
  facts = moduleFacts(mod, creatorNames, { orm, pg, lite, casing: casing && need("drizzle-orm/casing"), casingName: casing });
}
if (facts.relations_failed) {   // (a relations() whose function throws: the answer is that error)
  const { key, message } = facts.relations_failed, at = declOf(key);
  fail(`relations ${key}: ${message}`, at && at.u.locals.get(at.name), at && at.u);
}
const { core, creators, enums, schemas } = facts;

// pgTable(...).enableRLS(): the table's own call (its name, columns and extras) is the one enableRLS() is called on
function tableCall(call) {
  while (call && call.arguments.length === 0) {
    const callee = unwrap(call.expression);
    const inner = ts.isPropertyAccessExpression(callee) && callee.name.text === "enableRLS" && unwrap(callee.expression);
    if (!inner || !ts.isCallExpression(inner)) break;
    call = inner;
  }
  return call;
}

const tables = [];
for (const fact of facts.tables) {
  const key = fact.export;
  const at = declOf(key), u = at ? at.u : entry;   // its declaration: in the file, or a module it re-exports
  const decl = at && u.locals.get(at.name);
  const call = tableCall(at && u.calls.get(at.name));
  const table = { export: key, name: fact.name, schema: fact.schema, dialect: fact.dialect, columns: [] };
  if (fact.primary_key) table.primary_key = fact.primary_key;
  if (decl) Object.assign(table, place(decl, u));
  else if (!locals.has(key)) table.unread = true;   // none found: its columns' $type<>() and functions are unknown
  for (const k of ["checks", "index_where", "index_exprs", "index_order"]) if (fact[k]) table[k] = fact[k];
  let props = new Map();
  if (call) {
    const callee = unwrap(call.expression);
    if (ts.isIdentifier(callee) && creators[callee.text] && visible(u, callee.text)) table.creator = callee.text;
    const obj = call.arguments.length >= 2 ? columnsObject(call.arguments[1]) : null;
    if (obj) props = properties(obj, new Map(), new Set(), u);
  }
  for (const { column: c, default_fn: defaultFn, on_update: onUpdate } of fact.columns) {
    const init = props.get(c.key);
    if (init) {
      Object.assign(c, place(init, u), chain(init, u));
      const custom = c.root && customDeclaration(c.root, u);
      if (custom) c.custom = custom;
    }
    if (defaultFn && !c.default_fn) c.default_fn_unread = true;
    if (onUpdate && !c.on_update) c.on_update_unread = true;
    table.columns.push(c);
  }
  tables.push(table);
}

// relations(): per export, its table and each relation as drizzle-orm builds it
const relations = facts.relations.map((r) => ({ ...r, ...(() => { const at = declOf(r.export), d = at && at.u.locals.get(at.name);
                                                                  return d ? place(d, at.u) : {}; })() }));

// exported type aliases (export type Row = InferSelectModel<typeof row>), as written
const types = [];
// (the file's, then those of the modules it re-exports that the file exports under their own names)
for (const u of reexported) {
  for (const st of u.source.statements) {
    if (ts.isTypeAliasDeclaration(st) && (st.modifiers || []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
        && (u === entry || sameExport(st.name.text, { u, name: st.name.text }))) {
      const params = st.typeParameters ? `<${st.typeParameters.map((p) => p.getText(u.source)).join(", ")}>` : "";
      types.push({ name: st.name.text, params, ...code(st.type, u), ...uses(st, u), ...place(st, u) });
    }
  }
}

const out = { core, tables, creators, enums, schemas, relations, types };
// The SQL thread's answer counts only for a file loaded the fast way here (see exportOrder): one esbuild runs as
// drizzle-kit's loader does; for any other, the caller runs `drizzle-kit export` itself.
if (sqlThread) {
  // (a snapshot line the SQL thread is writing is whole before this thread writes)
  sqlThread.snapshot.then((written) => {
    saveCode();
    if (!asExported) {
      sqlThread.worker.terminate();
      answer(JSON.stringify({ ...out, snapshotValid: false }) + "\n");
      return;
    }
    answer(JSON.stringify({ ...out, snapshotValid: written, ddlFollows: true }) + "\n");
    sqlThread.done.then((ddl) => {
      sqlThread.worker.terminate();
      answer(JSON.stringify(typeof ddl === "string" ? { ddl } : {}) + "\n");
    });
  });
} else {
  saveCode();
  answer(JSON.stringify(out) + "\n");
}

// -- both threads

// A loaded module's exports in ``order`` (the declared order exportOrder read), then any other (not expected:
// kept, last): the order this helper reads them in, whichever thread loaded the module (esbuild's CommonJS
// lists them sorted by name).
function exportView(loaded, order) {
  const view = {};
  for (const k of order) if (k in loaded) view[k] = loaded[k];
  for (const k of Object.keys(loaded)) if (!(k in view)) view[k] = loaded[k];
  return view;
}

// In the SQL thread: the main thread's one question (factsAnswer reads it) and the module as this thread loaded it
// (factsLoaded: {loaded, printed, lib}, or null where it did not): once both are known, moduleFacts of the
// module in the main thread's order of its exports (as fastLoad orders them), or null, given on the facts port
// with its flag raised.  factsLoaded's promise resolves once given or not asked for.
// (The state is the function's own: this thread runs before the file's declarations below it are initialized.)
function factsAnswer({ factsPort, factsFlag }) {
  const st = factsAnswer.state = { asked: undefined, module: undefined, given: false, port: factsPort,
                                   flag: new Int32Array(factsFlag) };
  process.on("exit", () => factsGive(true));   // (a process.exit() in the module: none)
  st.done = new Promise((resolve) => { st.resolve = resolve; });
  factsPort.on("message", (asked) => {
    st.asked = asked;
    factsGive();
  });
}
function factsLoaded(module) {
  const st = factsAnswer.state;
  if (st.module === undefined) st.module = module;
  factsGive();
  return st.done;
}
function factsGive(ending = false) {
  const st = factsAnswer.state;
  if (st.given || (!ending && (st.asked === undefined || st.module === undefined))) return;
  st.given = true;
  let out = null;
  if (!ending && st.asked && st.module) {
    try {
      const view = exportView(st.module.loaded, st.asked.order);
      out = { ...moduleFacts(view, st.asked.creators, st.module.lib), printed: st.module.printed };
    } catch (e) {
      out = null;   // (the main thread loads the module itself and meets the same error there)
    }
  }
  try {
    if (st.asked) st.port.postMessage(out);
    st.port.close();   // (one question: the thread may end once answered)
  } catch (e) { /* (the main thread gets none, and loads the module itself) */ }
  Atomics.store(st.flag, 0, 1);
  Atomics.notify(st.flag, 0);
  st.resolve();
}


// What the loaded module ``mod`` (its exports, in the order this helper reads them) says, as data either thread
// sends: its tables (in export order, each table once: under its first export) with what drizzle-orm knows of
// each (getTableConfig, the columns), the creators among ``creatorNames`` (called with a probe name: their
// prefix and suffix), its relations() (or the first that fails: relations_failed), its enums and schemas.
// ``lib``: drizzle-orm, its pg-core and sqlite-core, drizzle-orm/casing and the casing (or none).
function moduleFacts(mod, creatorNames, { orm, pg, lite, casing, casingName }) {
  const { is, getTableColumns } = orm;
  // A column's SQL name as drizzle-kit generate writes it: with a casing, a column declared without a name (its
  // key as name: keyAsName) is named by the key converted with drizzle-orm's own functions
  const cased = casingName ? casing[casingName === "snake_case" ? "toSnakeCase" : "toCamelCase"] : null;
  const sqlName = (column) => (cased && column.keyAsName ? cased(column.name) : column.name);
  const exportOf = new Map();   // table object -> first export name
  for (const key of Object.keys(mod)) {
    const v = mod[key];
    if (v && typeof v === "object" && !exportOf.has(v)) exportOf.set(v, key);
  }
  const creators = {};
  for (const name of creatorNames) {
    if (typeof mod[name] !== "function") continue;
    const probe = "\u0001schemactl\u0001";
    let made;
    try { made = mod[name](probe, {}); } catch (e) { continue; }
    const full = (pg.getTableConfig && is(made, pg.PgTable) ? pg : lite).getTableConfig(made).name;
    const at = full.indexOf(probe);
    if (at >= 0 && full.indexOf(probe, at + 1) < 0) {
      creators[name] = { prefix: full.slice(0, at), suffix: full.slice(at + probe.length) };
    }
  }
  const tables = [];
  let core = null;
  for (const key of Object.keys(mod)) {
    const value = mod[key];
    const dialect = is(value, pg.PgTable) ? "postgres" : is(value, lite.SQLiteTable) ? "sqlite" : null;
    if (!dialect || exportOf.get(value) !== key) continue;
    core = core || dialect;
    const config = (dialect === "postgres" ? pg : lite).getTableConfig(value);
    const table = { export: key, name: config.name, schema: config.schema || null, dialect, columns: [] };
    // a primaryKey({ name, columns }) of the table (drizzle-kit's SQLite DDL drops a one-column key's name)
    const pk = (config.primaryKeys || [])[0];
    if (pk && pk.name) table.primary_key = { name: pk.name, columns: pk.columns.map(sqlName) };
    // check(name, sql`${table.s} > 0`): its text with the table's own columns as ${sql name} (drizzle-kit writes
    // them "t"."s", not as the manifest's expression); one that interpolates anything else is not kept
    const ownText = (q) => {
      let text = "";
      let cols = 0;
      for (const chunk of (q && q.queryChunks) || [null]) {
        if (is(chunk, orm.StringChunk)) {
          const part = chunk.value.join("");
          if (part.includes("${")) return null;
          text += part;
        } else if (is(chunk, orm.Column) && chunk.table === value) {
          text += "${" + sqlName(chunk) + "}";
          cols += 1;
        } else return null;
      }
      return cols ? text : null;
    };
    const checks = {};
    for (const ch of config.checks || []) {
      const text = ownText(ch.value);
      if (text !== null && ch.name) checks[ch.name] = text;
    }
    if (Object.keys(checks).length) table.checks = checks;
    // index(name).on(...).where(sql`${t.active} = true`): the same (drizzle-kit writes "p"."active" = true)
    const wheres = {};
    for (const ix of config.indexes || []) {
      const text = ix.config && ix.config.where ? ownText(ix.config.where) : null;
      if (text !== null && ix.config.name) wheres[ix.config.name] = text;
    }
    if (Object.keys(wheres).length) table.index_where = wheres;
    // index(name).on(sql`lower(${t.name})`, t.id): each key's text the same way, null for a column key or an
    // expression that interpolates anything else (drizzle-kit writes lower("name"), not PostgreSQL's reading of
    // it, lower((name)::text))
    const exprs = {};
    for (const ix of config.indexes || []) {
      const keys = ((ix.config && ix.config.columns) || []).map((k) => (is(k, orm.SQL) ? ownText(k) : null));
      if (keys.some((k) => k !== null) && ix.config.name) exprs[ix.config.name] = keys;
    }
    if (Object.keys(exprs).length) table.index_exprs = exprs;
    // the indexes' names as declared: drizzle-kit writes CREATE INDEX in that order.  pg-core's index() without a
    // name is named as drizzle-kit names it, <table>_<its columns' SQL names>_index (one on an expression needs one)
    const keys = (ix) => ix.config.columns || [];
    const indexName = (ix) => ix.config.name || (dialect === "postgres" && keys(ix).every((k) => !is(k, orm.SQL))
      ? `${config.name}_${keys(ix).map(sqlName).join("_")}_index` : null);
    const order = (config.indexes || []).map((ix) => ix.config && indexName(ix)).filter((n) => n);
    if (order.length > 1) table.index_order = order;
    for (const [prop, column] of Object.entries(getTableColumns(value))) {
      const c = { key: prop, name: sqlName(column), column_type: column.columnType, data_type: column.dataType,
                  sql_type: column.getSQLType(), not_null: column.notNull, has_default: column.hasDefault };
      if (column.mode !== undefined) c.mode = column.mode;
      if (column.config && column.config.mode !== undefined && c.mode === undefined) c.mode = column.config.mode;
      if (column.enumValues && column.enumValues.length && !column.enum) c.enum = column.enumValues;
      if (column.enum) c.pg_enum = column.enum.enumName;
      if (column.isUnique !== undefined) c.unique = column.isUnique;
      // defaultNow() (or .default(sql`now()`)): drizzle-kit writes DEFAULT now(); sql`CURRENT_TIMESTAMP`: as written
      if (is(column.default, orm.SQL) && column.default.queryChunks.length === 1) {
        const text = String((column.default.queryChunks[0].value || []).join("")).trim();
        c.default_sql = String((column.default.queryChunks[0].value || []).join(""));
        if (text === "now()") c.default_now = true;
        else if (text === "CURRENT_TIMESTAMP") c.default_now = false;
      }
      // pg-core's generatedAlwaysAsIdentity()/generatedByDefaultAsIdentity(): its kind and options, as drizzle-kit
      // reads them (the options object written back in drizzle's key order)
      const identity = column.generatedIdentity;
      if (identity) {
        c.identity = identity.type === "always" ? "always" : "by_default";
        const opts = { name: identity.sequenceName, ...(identity.sequenceOptions || {}) };
        const kept = ["name", "startWith", "increment", "minValue", "maxValue", "cache", "cycle"]
          .filter((k) => opts[k] !== undefined).map((k) => `${k}: ${JSON.stringify(opts[k])}`);
        if (kept.length) c.identity_options = `{ ${kept.join(", ")} }`;
      }
      table.columns.push({ column: c, default_fn: Boolean(column.defaultFn), on_update: Boolean(column.onUpdateFn) });
    }
    tables.push(table);
  }
  // relations(): per export, its table and each relation as drizzle-orm builds it
  const relations = [];
  for (const key of Object.keys(mod)) {
    const v = mod[key];
    if (!is(v, orm.Relations) || exportOf.get(v) !== key) continue;
    const rcore = is(v.table, pg.PgTable) ? pg : lite;
    let config;
    try {
      config = v.config(orm.createTableRelationsHelpers(v.table));
    } catch (e) {
      return { relations_failed: { key, message: String((e && e.message) || e).split("\n")[0] } };
    }
    const entries = [];
    for (const [name, rel] of Object.entries(config)) {
      const entry = { name, kind: is(rel, orm.One) ? "one" : "many", target: rel.referencedTableName };
      if (rel.relationName) entry.relation_name = rel.relationName;
      if (entry.kind === "one" && rel.config && rel.config.fields) {
        entry.fields = rel.config.fields.map(sqlName);
        entry.references = rel.config.references.map(sqlName);
      }
      entries.push(entry);
    }
    relations.push({ export: key, table: rcore.getTableConfig(v.table).name, entries });
  }
  const enums = {}, schemas = {};
  for (const key of Object.keys(mod)) {
    const v = mod[key];
    if (typeof v === "function" && pg.isPgEnum && pg.isPgEnum(v) && !(v.enumName in enums)) enums[v.enumName] = key;
    if (is(v, pg.PgSchema) && !(v.schemaName in schemas)) schemas[v.schemaName] = key;
  }
  return { core, tables, creators, relations, enums, schemas };
}


// Compiled code of the large modules this process loads from node_modules (typescript, drizzle-kit's API: 12 MB
// of JavaScript compiled in every run, a third of a second and more), kept in `dir` (schemactl's user cache) as
// V8 code cache: Node 22's module.enableCompileCache where there is one; before it, the one CommonJS wrapper
// Node itself compiles, with the cached data V8 accepts only for the same source and V8 (a rejected or missing
// entry is compiled anew and written again).  An entry is named by the module's path and keyed by a sha256 of
// its text and Node's version; writing one replaces the module's older entries.  Any failure: compiled as
// without it.  Returns the function that writes what this thread compiled without an entry.
function codeCache(dir) {
  const none = () => {};
  if (!dir) return none;
  const vm = require("vm");
  if (typeof Module.enableCompileCache === "function") {
    try { Module.enableCompileCache(dir); } catch (e) { /* compiled as without it */ }
    return none;
  }
  const loader = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;   // import() inside the module
  if (!loader) return none;
  const crypto = require("crypto");
  const compile = Module.prototype._compile, pending = [];
  const inModules = `${path.sep}node_modules${path.sep}`;
  Module.prototype._compile = function (content, filename) {
    if (content.length < 1000000 || !filename.includes(inModules)) return compile.call(this, content, filename);
    const name = filename.split(inModules).pop().replace(/[^A-Za-z0-9._-]+/g, "_");
    const key = crypto.createHash("sha256").update(`${process.version} ${process.arch}\0`).update(content)
      .digest("hex").slice(0, 32);
    const entry = path.join(dir, `${name}-${key}.v8`);
    let cachedData;
    try { cachedData = fs.readFileSync(entry); } catch (e) { cachedData = undefined; }
    let script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically: loader });
    } catch (e) {
      return compile.call(this, content, filename);   // a syntax error, reported as Node reports it
    }
    if (cachedData === undefined || script.cachedDataRejected) pending.push({ script, entry, name });
    const mod = this;
    const req = (id) => mod.require(id);
    req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    req.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    req.main = process.mainModule;
    req.extensions = Module._extensions;
    req.cache = Module._cache;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(mod.exports, mod.exports, req, mod, filename, path.dirname(filename));
  };
  return () => {
    for (const { script, entry, name } of pending.splice(0)) {
      const tmp = `${entry}.${process.pid}.${threads.threadId}.tmp`;
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, entry);
        for (const old of fs.readdirSync(dir)) {
          if (old.startsWith(`${name}-`) && old.endsWith(".v8") && path.join(dir, old) !== entry) {
            fs.rmSync(path.join(dir, old), { force: true });
          }
        }
      } catch (e) {
        try { fs.rmSync(tmp, { force: true }); } catch (e2) { /* nothing to remove */ }
      }
    }
  };
}

function findEsbuild(kit, from) {   // beside the project's drizzle-kit, or the project's own
  for (const where of [kit && fs.realpathSync(kit), from, path.join(process.cwd(), "noop.js")]) {
    if (!where) continue;
    try { return Module.createRequire(where)("esbuild"); } catch (e) { /* next */ }
  }
  return null;
}

function esbuildCode(esbuild, source, filename) {
  return '"use strict";' + esbuild.transformSync(source, {   // a module is strict code, as typescript's output says
    loader: filename.endsWith(".tsx") ? "tsx" : "ts", format: "cjs", target: "es2022", sourcefile: filename,
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } } }).code;
}

// What `drizzle-kit export --dialect <d> --schema <file>` prints (with a casing: what `drizzle-kit generate --casing`
// writes, which export does not apply): the same diff of its API's snapshot of the module
// (loaded as the command loads it, through esbuild: exports sorted, each table once) against an empty one.  Only
// where that drizzle-kit would run at all (drizzle-orm of the API version it requires); else null.
async function exportSql({ file, sqlDialect, kitPath, casing, ask }, snapshotMade) {
  const bin = fs.realpathSync(kitPath);
  const kit = Module.createRequire(bin);
  const required = /\brequiredApiVersion = (\d+);/.exec(fs.readFileSync(bin, "utf8"));
  const { compatibilityVersion } = kit("drizzle-orm/version");
  if (!required || compatibilityVersion !== Number(required[1])) return null;
  const esbuild = findEsbuild(kitPath, file);
  if (!esbuild || !["postgresql", "sqlite"].includes(sqlDialect)) return null;
  const api = kit(path.join(path.dirname(bin), "api.js"));
  const first = await new Promise((resolve) => threads.parentPort.once("message", resolve));   // the main thread's
  if (!first.go) return null;
  const compile = (m, filename) => m._compile(filename === file ? first.code
    : esbuildCode(esbuild, fs.readFileSync(filename, "utf8"), filename), filename);
  hookTypeScript(compile);
  const printed = [];   // what the module prints as it loads: the main thread shows it, as if it loaded it there
  const writes = [process.stdout.write, process.stderr.write];
  process.stdout.write = process.stderr.write = (chunk, encoding, callback) => {
    printed.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    if (typeof encoding === "function") encoding(); else if (typeof callback === "function") callback();
    return true;
  };
  let loaded;
  try {
    loaded = require(file);
  } finally {
    [process.stdout.write, process.stderr.write] = writes;
  }
  const here = Module.createRequire(file);
  const { is } = here("drizzle-orm");
  const Table = sqlDialect === "postgresql" ? here("drizzle-orm/pg-core").PgTable
    : here("drizzle-orm/sqlite-core").SQLiteTable;
  const imports = {}, seen = new Set();
  for (const key of Object.keys(loaded)) {
    const v = loaded[key];
    if (is(v, Table)) {
      if (seen.has(v)) continue;
      seen.add(v);
    }
    imports[key] = v;
  }
  const snapshot = sqlDialect === "postgresql"
    ? api.generateDrizzleJson(imports, undefined, undefined, casing || undefined)
    : await api.generateSQLiteDrizzleJson(imports, undefined, casing || undefined);
  const made = snapshotMade(snapshot);
  // the main thread's facts of this module, before the SQL is asked about (which waits on the caller)
  await factsLoaded({ loaded, printed: printed.join(""), lib: { orm: here("drizzle-orm"), pg: here("drizzle-orm/pg-core"),
                                                               lite: here("drizzle-orm/sqlite-core"),
                                                               casing: casing && here("drizzle-orm/casing"),
                                                               casingName: casing } });
  if (made && ask && !sqlWanted()) return null;
  const statements = sqlDialect === "postgresql"
    ? await api.generateMigration(api.generateDrizzleJson({}), snapshot)
    : await api.generateSQLiteMigration(await api.generateSQLiteDrizzleJson({}), snapshot);
  return statements.join("\n") + "\n";
}
