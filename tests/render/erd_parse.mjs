// Parses Mermaid erDiagram texts with the pinned mermaid package (the parser code hosts use).
// stdin: {"name": "<diagram text>", ...}; stdout: {"name": {"entities": [...], "relationships": [...]}
// or {"error": "..."}}.
import mermaid from "mermaid";

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => resolve(data));
}));
const out = {};
for (const [name, text] of Object.entries(input)) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const entities = new Map();
    for (const [key, e] of diagram.db.getEntities()) {
      entities.set(e.id ?? key, { name: key, label: e.alias || e.label || key, attributes: e.attributes.map(
        (a) => ({ type: a.type, name: a.name, keys: a.keys, comment: a.comment })) });
    }
    const byId = (id) => entities.get(id)?.name ?? id;
    out[name] = {
      entities: [...entities.values()],
      relationships: diagram.db.getRelationships().map((r) => ({
        parent: byId(r.entityA), child: byId(r.entityB), label: r.roleA, ...r.relSpec })),
    };
  } catch (e) {
    out[name] = { error: String(e.message ?? e).split("\n").slice(0, 3).join(" ") };
  }
}
process.stdout.write(JSON.stringify(out));
