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

import { parseAllDocuments, stringify } from "yaml";

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
  readAgainst,
  safeChangeFor,
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
  vmId: number;
}

export type ChangeKind = "create" | "update" | "replace" | "delete";

export interface Disruption {
  node: string;
  controlPlane: boolean;
  /** What happens to the node, e.g. "the VM restarts". */
  what: string;
  /** The node restarts (its VM or Talos), as opposed to losing a component or being removed. */
  reboots: boolean;
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
  /** Changed inputs no rule knows to be safe (see rules.ts `safeChanges`), each with why. */
  unknown: string[];
  disruption?: Disruption;
}

export interface Impact {
  changes: ResourceChange[];
  /** Disruptive steps in the order `pulumi up` would run them, with the ones that overlap. */
  order: { change: ResourceChange; at: number; concurrentWith: ResourceChange[] }[];
  /** Pairs of control planes disrupted at the same time. */
  concurrentControlPlanes: [string, string][];
  upgrade: string[];
  /** Why the change is not safe, beyond the changes listed as unknown. */
  unsafe: string[];
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

/**
 * The node a resource belongs to, from the config's node facts: a Proxmox resource by its `vmId`
 * input, a Talos config apply by the address it dials (`node`). Never from the resource's name.
 */
function nodeOf(r: Registration, nodes: NodeInfo[]): NodeInfo | undefined {
  const vmId = r.inputs["vmId"];
  if (typeof vmId === "number") return nodes.find((n) => n.vmId === vmId);
  if (r.type === types.apply) return nodes.find((n) => n.address === r.inputs["node"]);
  return undefined;
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
      disruption: { node: name, controlPlane, what: "the VM is destroyed and rebuilt", reboots: true },
    };
  }
  const restart = vmRestartFields(paths, before.inputs, after.inputs);
  const resize = vmResizeFields(paths);
  const effects: string[] = [];
  // bpg v0.111.1 disk/disk.go Update: "requested size … is lower than current size".
  const shrunk = resize.filter((p) => Number(valueAt(after.inputs, p)) < Number(valueAt(before.inputs, p)));
  if (shrunk.length > 0) effects.push(`the provider refuses to shrink a disk (${shrunk.join(", ")}): \`up\` fails on this VM`);
  // vm.go vmUpdate: moving a disk or the TPM state to another datastore needs the VM powered off.
  const moved = paths.filter((p) => /(^disks\[\d+\]|^efiDisk|^tpmState)\.datastoreId$/.test(p));
  if (moved.length > 0) {
    effects.push(
      `${moved.join(", ")}: the provider moves the volume to another datastore, which needs the VM powered off${after.inputs["rebootAfterUpdate"] === false ? "; with rebootAfterUpdate off it refuses (\`up\` fails on this VM)" : ""}`,
    );
  }
  // A resize the provider refuses (a shrink; or reboots off with a restart pending) is not applied.
  const resizeRefused = after.inputs["rebootAfterUpdate"] === false && restart.length > 0 ? resize : shrunk;
  const hot = paths.filter((p) => !restart.includes(p) && !moved.includes(p) && !resizeRefused.includes(p));
  if (hot.length > 0) effects.push(`applied to the running VM: ${hot.join(", ")}`);
  if (restart.length === 0) return { kind: "update", effects };
  // bpg's reboot_after_update (default true, vm.go) decides who restarts the VM.
  if (after.inputs["rebootAfterUpdate"] !== false) {
    effects.push(`the provider stops and starts the VM to apply ${restart.join(", ")} (rebootAfterUpdate is on)`);
    return { kind: "update", effects, disruption: { node: name, controlPlane, what: "the VM restarts", reboots: true } };
  }
  effects.push(
    `${restart.join(", ")} wait for a power cycle (rebootAfterUpdate is off): restart the VM from Proxmox yourself, one node at a time, after draining it (docs/operations.md)`,
  );
  if (resize.length > 0 && shrunk.length === 0) {
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
    effects.push(
      `no change on the node once \`talosctl upgrade-k8s\` has run (it writes these images into each node's config, one node at a time); without it the node restarts its Kubernetes components with them (${images.join(", ")})`,
    );
  }
  if (diff.reboot.length > 0) {
    if (mode === "auto" || mode === "reboot") {
      effects.push(`Talos reboots the node to apply ${diff.reboot.join(", ")} (applyMode ${mode})`);
      disruption = { node: name, controlPlane, what: "Talos reboots the node", reboots: true };
    } else if (mode === "no_reboot") {
      effects.push(`the apply fails: ${diff.reboot.join(", ")} need a reboot and applyMode is no_reboot`);
    } else {
      effects.push(`staged until the next reboot (applyMode ${mode}): ${diff.reboot.join(", ")}`);
    }
  } else if (mode === "reboot" && effects.length > 0) {
    disruption = { node: name, controlPlane, what: "Talos reboots the node (applyMode reboot)", reboots: true };
  }
  return { kind: "update", effects, ...(disruption ? { disruption } : {}) };
}

function judgeUpdate(before: Registration, after: Registration, paths: string[], nodes: NodeInfo[]): Judged {
  const node = nodeOf(after, nodes) ?? nodeOf(before, nodes);
  if (after.type === types.vm) return judgeVm(before, after, paths, node);
  if (after.type === types.apply) return judgeApply(before, after, node);
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
      ...(node
        ? { disruption: { node: node.name, controlPlane: node.role === "controlplane", what: "the node is removed", reboots: false } }
        : {}),
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

const machineConfigField = "machineConfigurationInput";

/** A value of a multi-document machine config at a path as diffMachineConfig names it (`Kind/name:path` for other documents). */
function machineConfigValue(config: string, path: string): unknown {
  const documents = parseAllDocuments(config).map((d) => d.toJS() as unknown);
  const split = /^([A-Za-z]+\/[^:]*):(.*)$/.exec(path);
  if (split === null)
    return valueAt(
      documents.find((d) => isPlainObject(d) && d["kind"] === undefined),
      path,
    );
  const [, key = "", rest = ""] = split;
  const document = documents.find(
    (d) => isPlainObject(d) && `${String(d["kind"])}/${typeof d["name"] === "string" ? d["name"] : ""}` === key,
  );
  return rest === "" ? document : valueAt(document, rest);
}

/** Resource types whose creation on a running cluster is never known to be safe. */
const neverCreatedSafely = new Set<string>([types.secrets, types.bootstrap]);
const isProvider = (type: string) => type.startsWith("pulumi:providers:");

/**
 * The changed inputs of one resource no rule of rules.ts `safeChanges` covers (or whose condition
 * fails), each saying what is not known. The machine config is judged field by field.
 */
function unknownFields(before: Registration, after: Registration, paths: string[], nodeAddresses: string[]): string[] {
  const configs = { before: text(before.inputs[machineConfigField]), after: text(after.inputs[machineConfigField]) };
  const expanded = paths.flatMap((p) => {
    if (p !== machineConfigField || after.type !== types.apply) return [p];
    const diff = diffMachineConfig(configs.before, configs.after);
    return [...diff.reboot, ...diff.immediate].map((field) => `${machineConfigField}.${field}`);
  });
  const valueOf = (inputs: Plain, config: string, path: string) =>
    path.startsWith(`${machineConfigField}.`)
      ? machineConfigValue(config, path.slice(machineConfigField.length + 1))
      : valueAt(inputs, path);
  return expanded.flatMap((path) => {
    const found = safeChangeFor(after.type, path);
    if (found === undefined) return [`${path}: no rule knows this change of ${shortType(after.type)} to be safe`];
    const { rule, matched } = found;
    if (rule.holds === undefined) return [];
    const holds = rule.holds({
      before: valueOf(before.inputs, configs.before, matched),
      after: valueOf(after.inputs, configs.after, matched),
      paths: expanded,
      inputs: after.inputs,
      nodeAddresses,
    });
    return holds ? [] : [`${path}: known safe only when ${String(rule.when)}, and that does not hold`];
  });
}

export function compareRuns(before: ProgramRun, after: ProgramRun, nodes: { before: NodeInfo[]; after: NodeInfo[] }): Impact {
  const custom = (run: ProgramRun) => new Map(run.registrations.filter((r) => r.custom).map((r) => [r.urn, r]));
  const old = custom(before);
  const now = custom(after);
  const changes: ResourceChange[] = [];
  // Node facts of both configs: a resource of a removed node, or one whose address changed, still finds its node.
  const allNodes = [...nodes.after, ...nodes.before];
  const nodeAddresses = nodes.after.map((n) => n.address);

  for (const [urn, r] of now) {
    const previous = old.get(urn);
    if (previous === undefined) {
      const unknown =
        isProvider(r.type) || neverCreatedSafely.has(r.type) ? [`created: a new ${shortType(r.type)} on a running cluster`] : [];
      changes.push({ ...judgeCreate(r, allNodes), type: r.type, name: r.name, urn, fields: [], unknown });
      continue;
    }
    const paths = changedFields(previous, r);
    if (paths.length === 0) continue;
    const judged = judgeUpdate(previous, r, paths, allNodes);
    const unknown = unknownFields(previous, r, paths, nodeAddresses);
    changes.push({ ...judged, type: r.type, name: r.name, urn, fields: paths.map((p) => describeField(previous, r, p)), unknown });
  }
  for (const [urn, r] of old) {
    if (!now.has(urn)) {
      const unknown = [`deleted: no rule knows deleting a ${shortType(r.type)} to be safe`];
      changes.push({ ...judgeDelete(r, allNodes), type: r.type, name: r.name, urn, fields: [], unknown });
    }
  }
  // A replaced VM takes its Talos apply along (replaceWith): a fresh install, even when its inputs are unchanged.
  for (const change of changes.filter((c) => c.type === types.vm && c.kind === "replace")) {
    const node = allNodes.find((n) => n.name === change.disruption?.node);
    const applyOf = (c: { type: string; urn: string }) => c.type === types.apply && now.get(c.urn)?.inputs["node"] === node?.address;
    const effect = "applied again to the new VM (replaceWith), a fresh install";
    const existing = changes.find(applyOf);
    if (existing) {
      existing.kind = "replace";
      existing.effects.unshift(effect);
      continue;
    }
    const registered = [...now.values()].find(applyOf);
    if (registered)
      changes.push({
        kind: "replace",
        type: registered.type,
        name: registered.name,
        urn: registered.urn,
        fields: [],
        effects: [effect],
        unknown: ["replaced with its VM: a fresh install"],
      });
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
  const reboots = new Set(changes.flatMap((c) => (c.disruption?.reboots ? [c.disruption.node] : [])));
  const unsafe = [
    refused.length > 0 ? `${refused.length} protected resource${refused.length > 1 ? "s" : ""} would be replaced or deleted` : "",
    concurrentControlPlanes.length > 0 ? "more than one control plane disrupted at once" : "",
    ...engineLevelEffects(changes, old, now, nodes.after),
  ].filter(Boolean);
  const unknown = changes.filter((c) => c.unknown.length > 0);
  const review = unknown.length > 0 ? `${unknown.length} change${unknown.length > 1 ? "s" : ""} not known to be safe (marked ?)` : "";
  const verdict =
    unsafe.length > 0
      ? `NOT SAFE: ${[...unsafe, review].filter(Boolean).join("; ")}`
      : unknown.length > 0
        ? `NEEDS REVIEW: ${review}`
        : "safe";
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
    unsafe,
    exitCode: verdict === "safe" ? 0 : unsafeChangeExitCode,
    summary,
  };
}

/**
 * What the engine does beyond each resource: a provider whose configuration changes is replaced or
 * reconfigured, with every resource it manages at stake; the address every control plane is reached
 * at (VIP, endpoint, subnet) changing at once leaves no control plane reachable the old way.
 */
function engineLevelEffects(
  changes: ResourceChange[],
  old: Map<string, Registration>,
  now: Map<string, Registration>,
  nodes: NodeInfo[],
): string[] {
  const effects = changes
    .filter((c) => isProvider(c.type) && c.kind !== "create")
    .map(
      (c) =>
        `the ${c.name} provider's configuration changes (${c.fields.join(", ") || c.kind}): the engine may replace every resource it manages`,
    );
  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const moved = new Set(
    changes.flatMap((c) => {
      if (c.type !== types.apply) return [];
      const before = old.get(c.urn);
      const after = now.get(c.urn);
      const address = after?.inputs["node"];
      const node = controlPlanes.find((n) => n.address === address);
      if (node === undefined || before === undefined || after === undefined) return [];
      const endpoint = diffMachineConfig(text(before.inputs[machineConfigField]), text(after.inputs[machineConfigField])).immediate.some(
        (p) => p.startsWith("cluster.controlPlane.endpoint") || p.startsWith("Layer2VIPConfig/"),
      );
      return endpoint || before.inputs["node"] !== address ? [node.name] : [];
    }),
  );
  if (controlPlanes.length > 0 && controlPlanes.every((n) => moved.has(n.name))) {
    effects.push(
      "the network path of every control plane changes at once (VIP, endpoint or addresses): every API server restarts together and the kubeconfig keeps the old endpoint",
    );
  }
  return effects;
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
    for (const unknown of c.unknown) lines.push(`    ? ${unknown}`);
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
  if (impact.unsafe.length > 0) lines.push("", "Not safe:", ...impact.unsafe.map((u) => `  ${u}`));
  if (impact.changes.some((c) => c.unknown.length > 0)) {
    lines.push(
      "",
      `? marks a change no rule knows to be safe at ${readAgainst.proxmox.upstream} ${readAgainst.proxmox.tag} and ${readAgainst.talos.upstream} ${readAgainst.talos.tag} (docs/change-impact.md lists every known one): review it before \`pulumi up\`.`,
    );
  }
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
    vmId: Number(n["vmId"]),
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
  const [before, after] = await Promise.all([readStackConfig(beforePath), readStackConfig(afterPath)]).then(
    ([b, a]) => [withoutLocalCheckout(b), withoutLocalCheckout(a)] as const,
  );
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

/**
 * flux.localCheckout registers nothing: it is only checked (its SOPS files must decrypt with the
 * age key). A comparison has only a throwaway key, and in CI no checkout at all, so it leaves the
 * checkout out of both evaluations; `npm run plan` and `npm run doctor` check it.
 */
function withoutLocalCheckout(offline: OfflineConfig): OfflineConfig {
  const flux = offline.config["homelab:flux"];
  let parsed: unknown;
  try {
    parsed = JSON.parse(flux ?? "null");
  } catch {
    return offline;
  }
  if (!isPlainObject(parsed) || !("localCheckout" in parsed)) return offline;
  const { localCheckout: _checkedElsewhere, ...rest } = parsed;
  return { ...offline, config: { ...offline.config, "homelab:flux": JSON.stringify(rest) } };
}

/** Where `npm run plan` records the config of its last successful run, for `--compare-last`. */
export const lastPlanConfig = ".plan/last-config.yaml";

/**
 * Records the evaluated config without the throwaway secrets: each is recorded as encrypted and
 * unreadable (`secure:`), so `readStackConfig` gives it a throwaway value again when
 * `--compare-last` reads the record (an ssh:// Flux URL needs its deploy key, a backup vault its token).
 */
export async function recordLastPlan(offline: OfflineConfig, path = lastPlanConfig): Promise<void> {
  const config = Object.fromEntries(
    Object.entries(offline.config).map(([key, value]) => [
      key,
      offline.substituted.includes(key) ? { secure: "not recorded (a throwaway value stood in)" } : parseJson(value),
    ]),
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
