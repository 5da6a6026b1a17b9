/**
 * `npm run plan -- --compare <old config>`: what changing the stack config from
 * one version to another does to a running cluster. Both configs are evaluated
 * with the same throwaway secrets and the same provider "state" (one seed), so
 * every difference between the two recordings comes from the config. Each
 * difference is then judged by the rule of the provider (or Talos) that would
 * carry it out: rules.ts, each rule citing the upstream source it follows.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { stringify } from "yaml";

import { Graph } from "../../offline/graph";
import { type ProgramRun, type Registration, runProgram } from "../../offline/harness";
import { isPlainObject, type Plain } from "../../offline/merge";
import { costOf, latencyModel, withHealthWait } from "./latency";
import {
  changedPaths,
  controlPlaneImageFields,
  diffMachineConfig,
  downloadFileReplacementFields,
  kubernetesReplacementFields,
  vmReplacementFields,
  vmResizeFields,
  vmRestartFields,
} from "./rules";
import { type OfflineConfig, readStackConfig } from "./stack-config";
import { upgradeSteps } from "./upgrade";

/** Exit status of a comparison that CI must stop on; distinct from bad usage (2) and a crash (3). */
export const unsafeChangeExitCode = 4;

export const types = {
  vm: "proxmoxve:index/vmLegacy:VmLegacy",
  iso: "proxmoxve:download/file:File",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  secrets: "talos:machine/secrets:Secrets",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  release: "kubernetes:helm.sh/v3:Release",
} as const;

export interface NodeInfo {
  name: string;
  role: "controlplane" | "worker";
  address: string;
}

export type ChangeKind = "create" | "update" | "replace" | "delete";

export interface Disruption {
  node: string;
  controlPlane: boolean;
  /** What happens to the node, e.g. "the VM restarts". */
  what: string;
}

export interface ResourceChange {
  kind: ChangeKind;
  type: string;
  name: string;
  urn: string;
  /** Changed input paths; `(secret)` marks a path whose value is a secret. */
  fields: string[];
  /** What the change does on the real system, one line each. */
  effects: string[];
  /** Set when the engine will refuse the change (a protected resource): what to do and what is lost. */
  refused?: string;
  disruption?: Disruption;
}

export interface Impact {
  changes: ResourceChange[];
  /** Disruptive steps in the order `pulumi up` would run them, with the ones that overlap. */
  order: { change: ResourceChange; at: number; concurrentWith: ResourceChange[] }[];
  /** Pairs of control planes disrupted at the same time. */
  concurrentControlPlanes: [string, string][];
  upgrade: string[];
  exitCode: number;
  summary: string;
}

const shortType = (type: string) => type.split(":").pop() ?? type;
const isSecretPath = (r: Registration | undefined, path: string) =>
  r?.secretPaths.some((s) => s === "" || path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`)) ?? false;

function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (isPlainObject(current)) current = current[part];
    else if (Array.isArray(current)) current = current[Number(part)];
    else return undefined;
  }
  return current;
}

function shown(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `path: old → new` for a plain scalar; the bare path for a secret or a long value. */
function describeField(before: Registration | undefined, after: Registration | undefined, path: string): string {
  if (isSecretPath(before, path) || isSecretPath(after, path)) return `${path} (secret)`;
  const a = valueAt(before?.inputs, path);
  const b = valueAt(after?.inputs, path);
  if (isPlainObject(a) || isPlainObject(b) || Array.isArray(a) || Array.isArray(b)) return path;
  return `${path}: ${shown(a)} → ${shown(b)}`;
}

/** Pulumi's ignoreChanges paths as registered: changes under them are not diffed. */
const ignored = (r: Registration, path: string) =>
  r.ignoreChanges.some((i) => path === i || path.startsWith(`${i}.`) || path.startsWith(`${i}[`));

function nodeOf(r: Registration, nodes: NodeInfo[]): NodeInfo | undefined {
  return nodes.find((n) => r.name.endsWith(`-${n.name}`));
}

const vmLost =
  "its vTPM (and with it the keys sealed to it: STATE and EPHEMERAL can never be unlocked again, the node's data is lost), its EFI vars and its disks";

function refusedVm(node: string, action: "replace" | "delete"): string {
  const steps =
    action === "replace"
      ? `take an etcd snapshot (talosctl -n <a healthy control plane> etcd snapshot db.snapshot), then \`pulumi state unprotect <urn>\` and \`pulumi up --replace <urn>\` (not --target: what is replaced with the VM, its config apply and firewall, must be in the run)`
      : `drain and remove the node first (kubectl drain ${node}; talosctl -n <its address> reset, which also leaves etcd), then \`pulumi state unprotect <urn>\` and \`pulumi up\``;
  return `protected: \`pulumi up\` refuses to ${action} it. To do it on purpose: ${steps}. Lost: ${vmLost}.`;
}

interface Judged {
  kind: ChangeKind;
  effects: string[];
  refused?: string;
  disruption?: Disruption;
}

function judgeVm(before: Registration, after: Registration, paths: string[], node: NodeInfo | undefined): Judged {
  const name = node?.name ?? after.name;
  const controlPlane = node?.role === "controlplane";
  const replace = vmReplacementFields(paths, after.inputs);
  if (replace.length > 0) {
    return {
      kind: "replace",
      effects: [`replaced because of ${replace.join(", ")} (a new VM with a new, empty vTPM)`],
      ...(after.protect ? { refused: refusedVm(name, "replace") } : {}),
      disruption: { node: name, controlPlane, what: "the VM is destroyed and rebuilt" },
    };
  }
  const restart = vmRestartFields(paths, before.inputs, after.inputs);
  const resize = vmResizeFields(paths);
  const effects: string[] = [];
  const hot = paths.filter((p) => !restart.includes(p));
  if (hot.length > 0) effects.push(`applied to the running VM: ${hot.join(", ")}`);
  if (restart.length === 0) return { kind: "update", effects };
  // bpg's reboot_after_update (default true, vm.go) decides who restarts the VM.
  if (after.inputs["rebootAfterUpdate"] !== false) {
    effects.push(`the provider stops and starts the VM to apply ${restart.join(", ")} (rebootAfterUpdate is on)`);
    return { kind: "update", effects, disruption: { node: name, controlPlane, what: "the VM restarts" } };
  }
  effects.push(
    `${restart.join(", ")} wait for a power cycle (rebootAfterUpdate is off): restart the VM from Proxmox yourself, one node at a time, after draining it (docs/operations.md)`,
  );
  if (resize.length > 0) {
    effects.push(
      `the provider refuses to resize the disk while a restart is pending and reboots are off: change ${resize.join(", ")} in a separate \`up\``,
    );
  }
  return { kind: "update", effects };
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

function judgeApply(before: Registration, after: Registration, node: NodeInfo | undefined): Judged {
  const name = node?.name ?? after.name;
  const controlPlane = node?.role === "controlplane";
  const diff = diffMachineConfig(text(before.inputs["machineConfigurationInput"]), text(after.inputs["machineConfigurationInput"]));
  const mode = typeof after.inputs["applyMode"] === "string" ? after.inputs["applyMode"] : "auto";
  const effects: string[] = [];
  let disruption: Disruption | undefined;
  if (diff.immediate.length > 0) effects.push(`Talos applies without a reboot: ${diff.immediate.join(", ")}`);
  if (diff.immediate.some((p) => p.startsWith("machine.install."))) {
    effects.push("machine.install only takes effect at the next install or `talosctl upgrade`, not on the running node");
  }
  const images = diff.immediate.filter((p) => controlPlaneImageFields.includes(p) || p === "machine.kubelet.image");
  if (images.length > 0) {
    effects.push(`the node restarts its Kubernetes components with the new images (${images.join(", ")})`);
    if (controlPlane && images.some((p) => controlPlaneImageFields.includes(p))) {
      disruption = { node: name, controlPlane, what: "the API server, controller manager and scheduler restart" };
    }
  }
  if (diff.reboot.length > 0) {
    if (mode === "auto" || mode === "reboot") {
      effects.push(`Talos reboots the node to apply ${diff.reboot.join(", ")} (applyMode ${mode})`);
      disruption = { node: name, controlPlane, what: "Talos reboots the node" };
    } else if (mode === "no_reboot") {
      effects.push(`the apply fails: ${diff.reboot.join(", ")} need a reboot and applyMode is no_reboot`);
    } else {
      effects.push(`staged until the next reboot (applyMode ${mode}): ${diff.reboot.join(", ")}`);
    }
  } else if (mode === "reboot" && effects.length > 0) {
    disruption = { node: name, controlPlane, what: "Talos reboots the node (applyMode reboot)" };
  }
  return { kind: "update", effects, ...(disruption ? { disruption } : {}) };
}

function judgeUpdate(before: Registration, after: Registration, paths: string[], nodes: NodeInfo[]): Judged {
  if (after.type === types.vm) return judgeVm(before, after, paths, nodeOf(after, nodes));
  if (after.type === types.apply) return judgeApply(before, after, nodeOf(after, nodes));
  if (after.type === types.iso) {
    const replace = paths.filter((p) => downloadFileReplacementFields.includes(p));
    if (replace.length > 0) return { kind: "replace", effects: [`downloaded again (new ${replace.join(", ")}), the old file deleted`] };
    return { kind: "update", effects: [] };
  }
  if (after.type.startsWith("kubernetes:")) {
    const replace = kubernetesReplacementFields(after.type, paths);
    if (replace.length > 0) return { kind: "replace", effects: [`deleted and created again (new ${replace.join(", ")})`] };
    if (after.type === types.release) {
      const chart = paths.filter((p) => p === "chart" || p === "version" || p.startsWith("repositoryOpts"));
      const values = paths.filter((p) => p.startsWith("values"));
      const what = [chart.length > 0 ? "new chart" : "", values.length > 0 ? "new values" : ""].filter(Boolean).join(" and ");
      return { kind: "update", effects: [`Helm upgrade of release ${String(after.inputs["name"])}${what ? ` (${what})` : ""}`] };
    }
    const group = after.type.split(":")[1] ?? "";
    if (!group.startsWith("core/") && !group.startsWith("apps/"))
      return { kind: "update", effects: ["custom resource changed; its controller reconciles it"] };
    return { kind: "update", effects: [] };
  }
  if (after.protect && paths.length > 0) {
    return { kind: "update", effects: ["protected; an update in place is allowed"] };
  }
  return { kind: "update", effects: [] };
}

function judgeCreate(r: Registration, nodes: NodeInfo[]): Judged {
  const node = nodeOf(r, nodes);
  if (r.type === types.vm)
    return { kind: "create", effects: [`new VM for ${node?.name ?? r.name}, boots the Talos ISO into maintenance mode`] };
  if (r.type === types.apply) {
    return { kind: "create", effects: [`installs Talos on ${node?.name ?? r.name} and joins it to the cluster (${node?.role ?? "node"})`] };
  }
  if (r.type === types.release) return { kind: "create", effects: [`Helm install of release ${String(r.inputs["name"])}`] };
  return { kind: "create", effects: [] };
}

function judgeDelete(r: Registration, nodes: NodeInfo[]): Judged {
  const node = nodeOf(r, nodes);
  if (r.type === types.vm) {
    return {
      kind: "delete",
      effects: ["the VM is stopped and destroyed"],
      ...(r.protect ? { refused: refusedVm(node?.name ?? r.name, "delete") } : {}),
      ...(node ? { disruption: { node: node.name, controlPlane: node.role === "controlplane", what: "the node is removed" } } : {}),
    };
  }
  if (r.protect)
    return { kind: "delete", effects: [], refused: "protected: `pulumi up` refuses to delete it; `pulumi state unprotect <urn>` first" };
  if (r.type === types.apply) return { kind: "delete", effects: ["removed from the state only; the provider does not reset the node"] };
  if (r.type === types.release) return { kind: "delete", effects: [`Helm uninstall of release ${String(r.inputs["name"])}`] };
  if (r.type === "kubernetes:core/v1:Namespace")
    return { kind: "delete", effects: ["Kubernetes deletes everything in the namespace with it"] };
  return { kind: "delete", effects: [] };
}

/** The changed input paths of a resource, secrets marked, ignoreChanges honoured. */
function changedFields(before: Registration, after: Registration): string[] {
  return changedPaths(before.inputs, after.inputs).filter((p) => !ignored(after, p));
}

export function compareRuns(before: ProgramRun, after: ProgramRun, nodes: { before: NodeInfo[]; after: NodeInfo[] }): Impact {
  const custom = (run: ProgramRun) => new Map(run.registrations.filter((r) => r.custom).map((r) => [r.urn, r]));
  const old = custom(before);
  const now = custom(after);
  const changes: ResourceChange[] = [];
  const allNodes = [...nodes.after, ...nodes.before.filter((n) => !nodes.after.some((m) => m.name === n.name))];

  for (const [urn, r] of now) {
    const previous = old.get(urn);
    if (previous === undefined) {
      changes.push({ ...judgeCreate(r, allNodes), type: r.type, name: r.name, urn, fields: [] });
      continue;
    }
    const paths = changedFields(previous, r);
    if (paths.length === 0) continue;
    const judged = judgeUpdate(previous, r, paths, allNodes);
    changes.push({ ...judged, type: r.type, name: r.name, urn, fields: paths.map((p) => describeField(previous, r, p)) });
  }
  for (const [urn, r] of old) {
    if (!now.has(urn)) changes.push({ ...judgeDelete(r, allNodes), type: r.type, name: r.name, urn, fields: [] });
  }
  // A replaced VM takes its Talos apply along (replaceWith): a fresh install, even when its inputs are unchanged.
  for (const change of changes.filter((c) => c.type === types.vm && c.kind === "replace")) {
    const node = change.disruption?.node;
    const applyOf = (c: { type: string; name: string }) => c.type === types.apply && c.name.endsWith(`-${String(node)}`);
    const effect = "applied again to the new VM (replaceWith), a fresh install";
    const existing = changes.find(applyOf);
    if (existing) {
      existing.kind = "replace";
      existing.effects.unshift(effect);
      continue;
    }
    const registered = [...now.values()].find(applyOf);
    if (registered)
      changes.push({ kind: "replace", type: registered.type, name: registered.name, urn: registered.urn, fields: [], effects: [effect] });
  }

  const order = disruptionOrder(after, before, changes);
  const concurrentControlPlanes: [string, string][] = [];
  for (const step of order) {
    for (const other of step.concurrentWith) {
      const a = step.change.disruption;
      const b = other.disruption;
      if (a?.controlPlane && b?.controlPlane && a.node < b.node) concurrentControlPlanes.push([a.node, b.node]);
    }
  }
  const upgrade = upgradeSteps(before, after, nodes.after);
  const refused = changes.filter((c) => c.refused !== undefined);
  const count = (kind: ChangeKind) => changes.filter((c) => c.kind === kind).length;
  const reboots = new Set(
    changes
      .filter((c) => c.disruption && /restart|reboot/.test(c.disruption.what) && !/components|API server/.test(c.disruption.what))
      .map((c) => c.disruption?.node),
  );
  const safe = refused.length === 0 && concurrentControlPlanes.length === 0;
  const verdict = safe
    ? "safe"
    : `NOT SAFE: ${[
        refused.length > 0 ? `${refused.length} protected resource${refused.length > 1 ? "s" : ""} would be replaced or deleted` : "",
        concurrentControlPlanes.length > 0 ? "more than one control plane disrupted at once" : "",
      ]
        .filter(Boolean)
        .join("; ")}`;
  const summary = [
    `${count("create")} created`,
    `${count("update")} changed`,
    `${count("delete")} deleted`,
    `${count("replace")} replaced`,
    `${reboots.size} node reboot${reboots.size === 1 ? "" : "s"}`,
    verdict,
  ].join(", ");
  return {
    changes,
    order,
    concurrentControlPlanes: uniquePairs(concurrentControlPlanes),
    upgrade,
    exitCode: safe ? 0 : unsafeChangeExitCode,
    summary,
  };
}

function uniquePairs(pairs: [string, string][]): [string, string][] {
  return [...new Map(pairs.map((p) => [p.join("+"), p])).values()];
}

/**
 * Disruptive steps in the order the engine would run them: by the modelled time
 * each finishes (latency model over the recorded graph); two steps overlap when
 * neither waits for the other.
 */
function disruptionOrder(after: ProgramRun, before: ProgramRun, changes: ResourceChange[]): Impact["order"] {
  const graph = new Graph([
    ...after.registrations,
    ...before.registrations.filter((r) => !after.registrations.some((a) => a.urn === r.urn)),
  ]);
  const finish = graph.schedule(costOf(withHealthWait(latencyModel)));
  const disruptive = changes.filter((c) => c.disruption !== undefined);
  const waits = (a: string, b: string) => graph.ancestors(a).has(b) || graph.ancestors(b).has(a);
  return disruptive
    .map((change) => ({
      change,
      at: finish.get(change.urn)?.finish ?? 0,
      concurrentWith: disruptive.filter((o) => o !== change && o.disruption?.node !== change.disruption?.node && !waits(change.urn, o.urn)),
    }))
    .sort((a, b) => a.at - b.at || a.change.name.localeCompare(b.change.name));
}

const verbs: Record<ChangeKind, string> = { create: "+ create ", update: "~ update ", replace: "± replace", delete: "- delete " };

/** The report a person reads; ends with the one-line summary. */
export function impactReport(impact: Impact, title: string): string[] {
  const lines = [title, ""];
  if (impact.changes.length === 0) lines.push("No resource changes.");
  for (const c of impact.changes) {
    lines.push(`${verbs[c.kind]} ${shortType(c.type)} ${c.name}`);
    for (const field of c.fields) lines.push(`      ${field}`);
    for (const effect of c.effects) lines.push(`    → ${effect}`);
    if (c.disruption) lines.push(`    ! ${c.disruption.node}${c.disruption.controlPlane ? " (control plane)" : ""}: ${c.disruption.what}`);
    if (c.refused) lines.push(`    ✗ REFUSED, ${c.refused}`);
  }
  if (impact.order.length > 0) {
    lines.push("", "Disruptive steps, in the order `pulumi up` runs them:");
    impact.order.forEach((step, i) => {
      const d = step.change.disruption;
      const overlap = step.concurrentWith.map((o) => o.disruption?.node).filter(Boolean);
      lines.push(
        `  ${i + 1}. ${d?.node}${d?.controlPlane ? " (control plane)" : ""}: ${d?.what}${overlap.length > 0 ? ` — at the same time as ${[...new Set(overlap)].join(", ")}` : ""}`,
      );
    });
    if (impact.concurrentControlPlanes.length > 0) {
      lines.push(
        `  Control planes disrupted at the same time: ${impact.concurrentControlPlanes.map((p) => p.join(" and ")).join("; ")}.`,
        "  Apply the change one control plane at a time: `pulumi up --target <urn>` per node, waiting for `talosctl health` in between.",
      );
    }
  }
  if (impact.upgrade.length > 0) lines.push("", ...impact.upgrade);
  lines.push("", impact.summary);
  return lines;
}

/** Nodes of a raw stack config (`homelab:nodes`), roles defaulted as the config schema does. */
export function nodesOf(config: Record<string, string>): NodeInfo[] {
  const raw = config["homelab:nodes"];
  const list = raw ? (JSON.parse(raw) as Plain[]) : [];
  return list.map((n) => ({
    name: String(n["name"]),
    role: n["role"] === "worker" ? "worker" : "controlplane",
    address: String(n["address"]),
  }));
}

/**
 * Evaluates two stack config files and compares them. Both runs share the
 * throwaway secrets and the seed of provider-generated values, as two `up`s of
 * one stack share its state.
 */
export async function compareStackConfigs(
  beforePath: string,
  afterPath: string,
): Promise<Impact & { before: ProgramRun; after: ProgramRun }> {
  const [before, after] = await Promise.all([readStackConfig(beforePath), readStackConfig(afterPath)]);
  for (const key of after.substituted) {
    const shared = before.config[key];
    if (shared !== undefined) after.config[key] = shared;
  }
  const seed = randomBytes(16).toString("hex");
  const oldRun = await runProgram({ config: before.config, secretKeys: before.secretKeys, seed });
  const newRun = await runProgram({ config: after.config, secretKeys: after.secretKeys, seed });
  return {
    ...compareRuns(oldRun, newRun, { before: nodesOf(before.config), after: nodesOf(after.config) }),
    before: oldRun,
    after: newRun,
  };
}

/** Where `npm run plan` records the config of its last successful run, for `--compare-last`. */
export const lastPlanConfig = ".plan/last-config.yaml";

/** Records the evaluated config without the throwaway secrets (which `readStackConfig` makes anew each run). */
export async function recordLastPlan(offline: OfflineConfig, path = lastPlanConfig): Promise<void> {
  const config = Object.fromEntries(
    Object.entries(offline.config)
      .filter(([key]) => !offline.substituted.includes(key))
      .map(([key, value]) => [key, parseJson(value)]),
  );
  await mkdir(dirname(path), { recursive: true });
  await writeFile(
    path,
    `# Written by \`npm run plan\`: the config of the last successful plan, for --compare-last.\n${stringify({ config })}`,
  );
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
