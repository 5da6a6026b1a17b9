/**
 * out/plan.html: one self-contained page (inline SVG, CSS and script; a Content-Security-Policy
 * that forbids every network load) with the modelled `pulumi up` as a timeline, layer by layer,
 * and the dependency graph. Built from the same run and estimate as the text report.
 */
import { Graph } from "../../offline/graph";
import type { ProgramRun, Registration } from "../../offline/harness";
import { costOf, type Latency, withHealthWait } from "./latency";
import { type Estimate, label, layerOf, layers, minutes } from "./report";

const colours = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c9c9c"];

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

interface Bar {
  id: string;
  label: string;
  layer: number;
  start: number;
  finish: number;
  critical: boolean;
  dependsOn: string[];
}

function bars(run: ProgramRun, est: Estimate, model: Record<string, Latency>): Bar[] {
  const cost = costOf(withHealthWait(model));
  const graph = Graph.of(run);
  const custom = run.registrations.filter((r) => r.custom);
  const ids = new Map(custom.map((r, i) => [r.urn, `r${i}`]));
  const critical = new Set(est.path.map((r) => r.urn));
  const layerIndex = (r: Registration) => {
    const type = layerOf(run, r);
    const index = layers.findIndex(([t]) => t === type);
    return index < 0 ? layers.length : index;
  };
  return custom.map((r) => {
    const finish = est.finishByUrn.get(r.urn) ?? 0;
    return {
      id: ids.get(r.urn) ?? "",
      label: label(r),
      layer: layerIndex(r),
      start: finish - cost(r),
      finish,
      critical: critical.has(r.urn),
      dependsOn: [...(graph.edges.get(r.urn) ?? [])].flatMap((u) => ids.get(u) ?? []),
    };
  });
}

function timeline(items: Bar[], total: number): string {
  const rowHeight = 18;
  const labelWidth = 330;
  const width = 900;
  const scale = width / Math.max(total, 1);
  const rows: string[] = [];
  let y = 24;
  const sections = [...layers.map(([, title]) => title), "Outside the layers (providers, generated secrets)"];
  sections.forEach((title, layer) => {
    const members = items.filter((b) => b.layer === layer).sort((a, b) => a.start - b.start || a.finish - b.finish);
    if (members.length === 0) return;
    const done = Math.max(...members.map((b) => b.finish));
    rows.push(
      `<text class="layer" x="0" y="${y + 13}" fill="${colours[layer]}">${layer < layers.length ? `${layer + 1}. ` : ""}${escape(title)} — done by ${minutes(done)}</text>`,
    );
    y += rowHeight + 4;
    for (const b of members) {
      const x = labelWidth + b.start * scale;
      const w = Math.max((b.finish - b.start) * scale, 2);
      rows.push(
        `<g class="bar${b.critical ? " critical" : ""}" data-id="${b.id}"><title>${escape(b.label)}: ${minutes(b.start)} → ${minutes(b.finish)}</title>` +
          `<text x="8" y="${y + 13}">${escape(b.label)}</text>` +
          `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colours[b.layer]}"/></g>`,
      );
      y += rowHeight;
    }
    y += 6;
  });
  const ticks: string[] = [];
  const step = total > 1200 ? 300 : 60;
  for (let t = 0; t <= total; t += step) {
    const x = labelWidth + t * scale;
    ticks.push(`<line class="tick" x1="${x}" y1="16" x2="${x}" y2="${y}"/><text class="tick" x="${x + 2}" y="12">${minutes(t)}</text>`);
  }
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${labelWidth + width + 40}" height="${y + 10}" role="img" aria-label="Timeline of pulumi up">${ticks.join("")}${rows.join("")}</svg>`;
}

function dependencyGraph(items: Bar[]): string {
  const byId = new Map(items.map((b) => [b.id, b]));
  const depth = new Map<string, number>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...(byId.get(id)?.dependsOn ?? []).map(depthOf)) + 1;
    depth.set(id, d);
    return d;
  };
  for (const b of items) depthOf(b.id);
  const columns = new Map<number, Bar[]>();
  for (const b of items) columns.set(depth.get(b.id) ?? 0, [...(columns.get(depth.get(b.id) ?? 0) ?? []), b]);
  const boxWidth = 230;
  const boxHeight = 22;
  const gapX = 60;
  const gapY = 8;
  const position = new Map<string, { x: number; y: number }>();
  let height = 0;
  for (const [column, members] of columns) {
    members.sort((a, b) => a.layer - b.layer || a.label.localeCompare(b.label));
    members.forEach((b, row) => position.set(b.id, { x: 10 + column * (boxWidth + gapX), y: 10 + row * (boxHeight + gapY) }));
    height = Math.max(height, 10 + members.length * (boxHeight + gapY));
  }
  const edges = items.flatMap((b) =>
    b.dependsOn.flatMap((dep) => {
      const from = position.get(dep);
      const to = position.get(b.id);
      if (from === undefined || to === undefined) return [];
      const x1 = from.x + boxWidth;
      const y1 = from.y + boxHeight / 2;
      const x2 = to.x;
      const y2 = to.y + boxHeight / 2;
      return [`<path class="edge" d="M${x1},${y1} C${x1 + gapX / 2},${y1} ${x2 - gapX / 2},${y2} ${x2},${y2}"/>`];
    }),
  );
  const nodes = items.map((b) => {
    const { x, y } = position.get(b.id) ?? { x: 0, y: 0 };
    const text = b.label.length > 34 ? `${b.label.slice(0, 33)}…` : b.label;
    return (
      `<g class="node${b.critical ? " critical" : ""}" data-id="${b.id}"><title>${escape(b.label)}</title>` +
      `<rect x="${x}" y="${y}" width="${boxWidth}" height="${boxHeight}" rx="4" fill="${colours[b.layer]}"/>` +
      `<text x="${x + 6}" y="${y + 15}">${escape(text)}</text></g>`
    );
  });
  const width = 20 + columns.size * (boxWidth + gapX);
  return `<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 10}" role="img" aria-label="Dependency graph">${edges.join("")}${nodes.join("")}</svg>`;
}

/** The page; `configName` is the stack file planned. */
export function planHtml(run: ProgramRun, est: Estimate, model: Record<string, Latency>, configName: string): string {
  const items = bars(run, est, model);
  const data = {
    config: configName,
    criticalPathSeconds: est.criticalPathSeconds,
    layers: layers.map(([, title], index) => ({
      title,
      resources: items.filter((b) => b.layer === index).length,
      doneBy: Math.max(0, ...items.filter((b) => b.layer === index).map((b) => b.finish)),
    })),
    resources: items.length,
    criticalPath: items.filter((b) => b.critical).length,
  };
  // The script only fills in the summary from the embedded data: the page is complete without it.
  const script = `
const data = JSON.parse(document.getElementById("plan-data").textContent);
const minutes = (s) => Math.floor(s / 60) + "m" + String(Math.round(s % 60)).padStart(2, "0") + "s";
document.getElementById("summary").textContent =
  data.resources + " resources in " + data.layers.length + " layers; modelled pulumi up on a new stack: " +
  minutes(data.criticalPathSeconds) + " along a critical path of " + data.criticalPath + " resources (" + data.config + ").";
const list = document.getElementById("layers");
for (const [i, layer] of data.layers.entries()) {
  const item = document.createElement("li");
  item.textContent = (i + 1) + ". " + layer.title + ": " + layer.resources + " resources, done by " + minutes(layer.doneBy);
  list.appendChild(item);
}
document.body.dataset.rendered = "true";
`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Plan: ${escape(configName)}</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 24px; }
svg text { font: 11px system-ui, sans-serif; }
svg text.layer { font-weight: bold; font-size: 12px; }
.tick { stroke: #ddd; fill: #888; }
.bar.critical rect, .node.critical rect { stroke: #d00; stroke-width: 2; }
.node text { fill: #fff; }
.edge { fill: none; stroke: #aaa; }
</style>
</head>
<body>
<h1>What <code>pulumi up</code> would do with ${escape(configName)}</h1>
<p id="summary">(the summary needs the page's script)</p>
<ul id="layers"></ul>
<p>Bars outlined in red are the critical path. Times are modelled (scripts/plan/latency.ts), for a new stack.</p>
<h2>Timeline, layer by layer</h2>
${timeline(items, est.criticalPathSeconds)}
<h2>Dependency graph (each resource after what it waits for)</h2>
${dependencyGraph(items)}
<script type="application/json" id="plan-data">${JSON.stringify(data).replace(/</g, "\\u003c")}</script>
<script>${script}</script>
</body>
</html>
`;
}
