/** The text a person reads after `npm run plan`: layers, graph, estimate. */
import { Graph } from "../../offline/graph";
import type { ProgramRun, Registration } from "../../offline/harness";
import { costOf, type Latency, strictChainSeconds, withHealthWait } from "./latency";

export const layers = [
  ["homelab:proxmox:TalosMachines", "Proxmox VMs"],
  ["homelab:talos:Cluster", "Talos cluster"],
  ["homelab:flux:Flux", "Flux with SOPS"],
  ["homelab:secrets:ExternalSecrets", "External Secrets + 1Password"],
] as const;

export const label = (r: Registration) => `${r.type.split(":").pop() ?? r.type} ${r.name}`;
export const minutes = (seconds: number) => `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;

export interface Estimate {
  criticalPathSeconds: number;
  strictChainSeconds: number;
  ratio: number;
  path: Registration[];
  finishByUrn: Map<string, number>;
}

export function estimate(run: ProgramRun, model: Record<string, Latency>, onePasswordMode: "connect" | "sdk"): Estimate {
  const charged = withHealthWait(model);
  const schedule = Graph.of(run).schedule(costOf(charged));
  let worst = { finish: 0, path: [] as Registration[] };
  for (const entry of schedule.values()) if (entry.finish > worst.finish) worst = entry;
  const strict = strictChainSeconds(charged, onePasswordMode);
  return {
    criticalPathSeconds: worst.finish,
    strictChainSeconds: strict,
    ratio: worst.finish / strict,
    path: worst.path,
    finishByUrn: new Map([...schedule].map(([urn, s]) => [urn, s.finish])),
  };
}

/** The layer component a resource belongs to. */
export function layerOf(run: ProgramRun, r: Registration): string | undefined {
  if (layers.some(([type]) => type === r.type)) return r.type;
  return r.parent ? layerOf(run, run.byUrn(r.parent)) : undefined;
}

export function layerReport(run: ProgramRun, est: Estimate): string[] {
  return layers.map(([type, title], index) => {
    const members = run.registrations.filter((r) => r.custom && layerOf(run, r) === type);
    const done = Math.max(0, ...members.map((r) => est.finishByUrn.get(r.urn) ?? 0));
    return `${index + 1}. ${title} (${type}): ${members.length} resources, done by ${minutes(done)}`;
  });
}

/** What the user configured for a VM: its Proxmox host, id and size (the inputs of components/proxmox/documents.ts vmArgs). */
export function vmSummary(r: Registration): string | undefined {
  const { nodeName, vmId, cpu, memory, disks } = r.inputs as {
    nodeName?: unknown;
    vmId?: unknown;
    cpu?: { cores?: unknown };
    memory?: { dedicated?: unknown };
    disks?: { size?: unknown; datastoreId?: unknown }[];
  };
  if (typeof nodeName !== "string" || cpu === undefined || memory === undefined) return undefined;
  const disk = disks?.[0];
  return `on ${nodeName}, vm ${String(vmId)}: ${String(cpu.cores)} cores, ${String(memory.dedicated)} MiB, ${String(disk?.size)} GiB disk on ${String(disk?.datastoreId)}`;
}

export function graphText(run: ProgramRun): string[] {
  const graph = Graph.of(run);
  return run.registrations
    .filter((r) => r.custom)
    .map((r) => {
      const deps = [...(graph.edges.get(r.urn) ?? [])].map((u) => label(run.byUrn(u))).sort();
      const vm = vmSummary(r);
      return `${label(r)}${vm === undefined ? "" : ` [${vm}]`}${deps.length ? `  <- ${deps.join(", ")}` : ""}`;
    });
}

export function mermaid(run: ProgramRun): string {
  const graph = Graph.of(run);
  const ids = new Map(run.registrations.map((r, i) => [r.urn, `r${i}`]));
  const lines = ["graph TD"];
  for (const r of run.registrations.filter((x) => x.custom)) lines.push(`  ${ids.get(r.urn)}["${label(r)}"]`);
  for (const r of run.registrations.filter((x) => x.custom)) {
    for (const dep of graph.edges.get(r.urn) ?? []) {
      if (run.byUrn(dep).custom) lines.push(`  ${ids.get(dep)} --> ${ids.get(r.urn)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function estimateReport(est: Estimate, model: Record<string, Latency>): string[] {
  const charged = withHealthWait(model);
  return [
    `Estimated \`pulumi up\` on a new stack: ${minutes(est.criticalPathSeconds)} (critical path)`,
    `Shortest chain the layers strictly need: ${minutes(est.strictChainSeconds)}; ratio ${est.ratio.toFixed(3)}`,
    "Critical path:",
    ...est.path
      .filter((r) => (charged[r.type]?.seconds ?? 0) > 0)
      .map(
        (r) =>
          `  ${minutes(est.finishByUrn.get(r.urn) ?? 0).padStart(7)}  ${label(r)} (+${charged[r.type]?.seconds}s: ${charged[r.type]?.basis})`,
      ),
  ];
}
