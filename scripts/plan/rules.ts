/**
 * What a change to one input does to the real system, per provider, as the
 * providers and Talos decide it. Each rule cites the upstream source it follows.
 */
import { parseAllDocuments } from "yaml";

import { isPlainObject, type Plain } from "../../offline/merge";

/** Dotted paths (arrays as `[i]`) of every leaf that differs between two values. */
export function changedPaths(before: unknown, after: unknown, path = ""): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => changedPaths(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/**
 * bpg/terraform-provider-proxmox (v0.111.1, the newest provider release in the
 * snapshot read; pulumi-proxmoxve 8.3.0 wraps it) `proxmoxtf/resource/vm/vm.go`:
 * `CustomizeDiff` forces a new VM when `vm_id` changes, when `node_name` changes
 * without `migrate`, on a TPM version change (`forceNewOnTPMVersionChange`) and an
 * EFI disk type change (`forceNewOnEFIDiskTypeChange`); a disk's `file_id`, `amd_sev`
 * and the cloud-init file ids are `ForceNew` in the schema.
 */
export function vmReplacementFields(paths: string[], after: Plain): string[] {
  return paths.filter(
    (p) =>
      p === "vmId" ||
      (p === "nodeName" && after["migrate"] !== true) ||
      p === "tpmState.version" ||
      p === "efiDisk.type" ||
      /^disks\[\d+\]\.fileId$/.test(p) ||
      under(p, "amdSev") ||
      under(p, "clone") ||
      /^initialization\.(type|\w+DataFileId)$/.test(p),
  );
}

/** PVE's hotplug default when the VM sets none (`dvHotplug` in vm.go). */
const defaultHotplug = "network,disk,usb";
const hotpluggable = (after: Plain, feature: string) => {
  const setting = typeof after["hotplug"] === "string" ? after["hotplug"] : defaultHotplug;
  return setting === "1" || setting.split(",").includes(feature);
};

/** Blocks whose change always sets `rebootRequired` in `vmUpdate` (vm.go), by Pulumi input name. */
const restartBlocks = [
  "acpi",
  "kvmArguments",
  "bios",
  "keyboardLayout",
  "machine",
  "tabletDevice",
  "agent",
  "amdSev",
  "audioDevices",
  "bootOrders",
  "efiDisk",
  "tpmState",
  "rngs",
  "initialization",
  "hostpcis",
  "numas",
  "usbs",
  "operatingSystem",
  "serialDevices",
  "vga",
  "virtiofs",
  "scsiHardware",
  "watchdog",
];

function number(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

/**
 * The changed VM fields that need the VM powered off and on (`rebootRequired` in
 * `vmUpdate`, vm.go v0.111.1): the blocks above; any CPU change but `hotplugged`
 * alone with cpu hotplug ("Changing cores or sockets always requires a reboot");
 * any memory change but a pure increase with memory hotplug; a disk's `aio` or
 * `queues` (`disk.Update` in `proxmoxtf/resource/vm/disk/disk.go`); a disk resize
 * unless disk hotplug is on (it is in PVE's default). The CD-ROM, network devices,
 * tags, description and start-on-boot change on the running VM.
 */
export function vmRestartFields(paths: string[], before: Plain, after: Plain): string[] {
  const cpu = paths.filter((p) => under(p, "cpu"));
  const cpuHot = cpu.length > 0 && cpu.every((p) => p === "cpu.hotplugged") && hotpluggable(after, "cpu");
  const memory = paths.filter((p) => under(p, "memory"));
  const oldMemory = (before["memory"] ?? {}) as Plain;
  const newMemory = (after["memory"] ?? {}) as Plain;
  const onlyGrows = ["dedicated", "floating", "shared"].every((k) => number(newMemory[k]) >= number(oldMemory[k]));
  const memoryHot =
    memory.length > 0 &&
    onlyGrows &&
    memory.every((p) => !p.startsWith("memory.hugepages") && !p.startsWith("memory.keepHugepages")) &&
    hotpluggable(after, "memory");
  return paths.filter(
    (p) =>
      restartBlocks.some((block) => under(p, block)) ||
      (under(p, "cpu") && !cpuHot) ||
      (under(p, "memory") && !memoryHot) ||
      /^disks\[\d+\]\.(aio|queues)$/.test(p) ||
      (/^disks\[\d+\]\.size$/.test(p) && !hotpluggable(after, "disk")),
  );
}

/** Disk resizes, which the provider refuses while reboots are off and another change waits for one (vm.go `vmUpdate`). */
export const vmResizeFields = (paths: string[]) => paths.filter((p) => /^disks\[\d+\]\.size$/.test(p));

/**
 * siderolabs/talos v1.13.9 `internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_runtime.go`
 * `CanApplyImmediate`: the v1alpha1 fields a running node takes without a reboot.
 * `ApplyConfiguration` in `internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go`
 * applies with a reboot under mode auto when anything else in the v1alpha1 document
 * differs. Only the v1alpha1 document is compared: every other document
 * (VolumeConfig, HostnameConfig, network documents …) applies without a reboot.
 */
export const talosImmediateFields = [
  "debug",
  "cluster",
  "machine.ca",
  "machine.acceptedCAs",
  "machine.time",
  "machine.certSANs",
  "machine.install",
  "machine.network",
  "machine.sysfs",
  "machine.sysctls",
  "machine.logging",
  "machine.controlPlane",
  "machine.kubelet",
  "machine.kernel",
  "machine.registries",
  "machine.pods",
  "machine.seccompProfiles",
  "machine.nodeAnnotations",
  "machine.nodeLabels",
  "machine.nodeTaints",
  "machine.features.kubernetesTalosAPIAccess",
  "machine.features.kubePrism",
  "machine.features.hostDNS",
  "machine.features.imageCache",
  "machine.features.nodeAddressSortAlgorithm",
];

export interface MachineConfigDiff {
  /** Changed v1alpha1 paths Talos applies only with a reboot. */
  reboot: string[];
  /** Changed paths (any document) Talos applies to the running node. */
  immediate: string[];
}

/** Splits a multi-document machine config into the v1alpha1 document and the others by `kind/name`. */
function documentsOf(config: string): { main: Plain; others: Map<string, Plain> } {
  let main: Plain = {};
  const others = new Map<string, Plain>();
  for (const doc of parseAllDocuments(config)) {
    const value = doc.toJS() as Plain | null;
    if (value === null) continue;
    if (typeof value["kind"] === "string") others.set(`${value["kind"]}/${typeof value["name"] === "string" ? value["name"] : ""}`, value);
    else main = value;
  }
  return { main, others };
}

export function diffMachineConfig(before: string, after: string): MachineConfigDiff {
  const a = documentsOf(before);
  const b = documentsOf(after);
  const mainPaths = changedPaths(a.main, b.main);
  const otherPaths = [...new Set([...a.others.keys(), ...b.others.keys()])]
    .sort()
    .flatMap((key) => changedPaths(a.others.get(key), b.others.get(key)).map((p) => (p ? `${key}:${p}` : key)));
  const immediate = (p: string) => talosImmediateFields.some((f) => under(p, f));
  return {
    reboot: mainPaths.filter((p) => !immediate(p)),
    immediate: [...mainPaths.filter(immediate), ...otherPaths],
  };
}

/** Kubernetes control-plane component images in the v1alpha1 document (siderolabs/talos v1.13.9 `pkg/machinery/config/generate/init.go`). */
export const controlPlaneImageFields = ["cluster.apiServer.image", "cluster.controllerManager.image", "cluster.scheduler.image"];

/**
 * Fields whose change replaces a Kubernetes object or Helm release: pulumi/pulumi-kubernetes
 * (v4.32.0, the newest tag in the snapshot read) `provider/pkg/provider/provider.go` Diff
 * (`.metadata.name`, `.metadata.namespace`) and `helm_release.go` Diff (`.name`, `.namespace`).
 */
export function kubernetesReplacementFields(type: string, paths: string[]): string[] {
  const fields = type === "kubernetes:helm.sh/v3:Release" ? ["name", "namespace"] : ["metadata.name", "metadata.namespace"];
  return paths.filter((p) => fields.includes(p));
}

/**
 * bpg/terraform-provider-proxmox v0.111.1 `fwprovider/nodes/resource_download_file.go`:
 * `content_type`, `file_name`, `datastore_id`, `node_name`, `url`, `checksum`,
 * `checksum_algorithm` and `decompression_algorithm` are `RequiresReplace`.
 */
export const downloadFileReplacementFields = [
  "contentType",
  "fileName",
  "datastoreId",
  "nodeName",
  "url",
  "checksum",
  "checksumAlgorithm",
  "decompressionAlgorithm",
];

/** Where a rule comes from: the upstream line that makes a change safe. */
export interface Citation {
  repo: string;
  tag: string;
  path: string;
  /** The function, constant or line the rule follows. */
  at: string;
}

/**
 * The upstream each rule set was read against, for a test that compares it with the installed
 * packages. pulumi-proxmoxve 8.6.0 is installed; the newest snapshot of its repository that could
 * be read here is v8.3.0, whose provider/go.mod requires bpg/terraform-provider-proxmox v0.111.1:
 * the Proxmox rules are that provider's, and stay unconfirmed for 8.6.0 until re-read.
 */
export const readAgainst = {
  proxmox: {
    npmPackage: "@pulumi/proxmoxve",
    npmVersion: "8.3.0",
    upstream: "bpg/terraform-provider-proxmox",
    tag: "v0.111.1",
  },
  talos: { upstream: "siderolabs/talos", tag: "v1.13.9" },
  kubernetes: { npmPackage: "@pulumi/kubernetes", npmVersion: "4.32.0", upstream: "pulumi/pulumi-kubernetes", tag: "v4.32.0" },
  fluxOperator: {
    upstream: "controlplaneio-fluxcd/flux-operator",
    tag: "v0.58.1",
    note: "FluxInstance CRD, test/fixtures/schemas/fluxinstance.crd.yaml",
  },
} as const;

const bpg = (path: string, at: string): Citation => ({ repo: readAgainst.proxmox.upstream, tag: readAgainst.proxmox.tag, path, at });
const talos = (path: string, at: string): Citation => ({ repo: readAgainst.talos.upstream, tag: readAgainst.talos.tag, path, at });

/** What a condition of a safe change sees: the values at the matched field, before and after. */
export interface ChangeContext {
  before: unknown;
  after: unknown;
  /** Every changed path of the same resource (Talos paths prefixed `machineConfigurationInput.`). */
  paths: string[];
  /** The resource's inputs after the change. */
  inputs: Plain;
  /** The nodes' addresses after the change. */
  nodeAddresses: string[];
}

export interface SafeChange {
  /** Resource type token. */
  type: string;
  /** Input path; `*` stands for one name or index. Talos fields: `machineConfigurationInput.<path in the machine config>`. */
  field: string;
  /** The condition, as the docs table states it. */
  when?: string;
  holds?: (context: ChangeContext) => boolean;
  /** What happens on the running system. */
  effect: string;
  source: Citation;
}

const vmType = "proxmoxve:index/vmLegacy:VmLegacy";
const applyType = "talos:machine/configurationApply:ConfigurationApply";
/** The addresses a firewall source admits: a comma-separated string, or Talos `ingress` entries with a `subnet`. */
function addressesOf(value: unknown): string[] {
  const entries: unknown[] = Array.isArray(value)
    ? value.map((v: unknown) => (isPlainObject(v) ? v["subnet"] : v))
    : typeof value === "string"
      ? value.split(",")
      : [];
  return entries
    .filter((entry): entry is string => typeof entry === "string")
    .map((entry) => entry.trim().replace(/\/32$/, ""))
    .filter((entry) => entry !== "");
}
/** No address of a current node that the old value admitted is dropped by the new one. */
const noNodeLosesAccess = ({ before, after, nodeAddresses }: ChangeContext) => {
  const admitted = new Set(addressesOf(after));
  return addressesOf(before).every((address) => !nodeAddresses.includes(address) || admitted.has(address));
};
const restartPendingWithReboot = (paths: string[], inputs: Plain) =>
  inputs["rebootAfterUpdate"] === false && paths.some((p) => !/^disks\[\d+\]\.size$/.test(p));

/**
 * The changes known to be safe on a running cluster, per resource type at the versions of `readAgainst`.
 * Anything not listed here is "needs review". docs/change-impact.md is generated from this list
 * (`npx tsx scripts/plan/change-impact-table.ts --write`), and test/plan/change-impact-doc.test.ts fails when they disagree.
 */
export const safeChanges: readonly SafeChange[] = [
  {
    type: vmType,
    field: "cpu.cores",
    effect: "applied at the VM's next power cycle (rebootAfterUpdate off: restart it yourself, one node at a time)",
    source: bpg("proxmoxtf/resource/vm/vm.go", "vmUpdate, `if d.HasChange(mkCPU)`: cores need a reboot, set pending"),
  },
  {
    type: vmType,
    field: "memory.dedicated",
    effect: "applied at the VM's next power cycle, or live with memory hotplug",
    source: bpg("proxmoxtf/resource/vm/vm.go", "vmUpdate, `// Prepare the new memory configuration.`"),
  },
  {
    type: vmType,
    field: "disks[*].size",
    when: "it grows, and no other change of the same VM waits for a restart while rebootAfterUpdate is off",
    holds: ({ before, after, paths, inputs }) =>
      typeof before === "number" && typeof after === "number" && after > before && !restartPendingWithReboot(paths, inputs),
    effect: "the disk grows on the running VM (disk hotplug is in PVE's default); Talos grows its partition",
    source: bpg(
      "proxmoxtf/resource/vm/disk/disk.go",
      "Update: `requested size … is lower than current size` refuses a shrink; vm.go vmUpdate refuses `resize disks` while a restart is pending and reboot_after_update is false",
    ),
  },
  {
    type: vmType,
    field: "cdrom.fileId",
    effect: "the CD-ROM is swapped on the running VM (the installed system does not boot from it)",
    source: bpg("proxmoxtf/resource/vm/vm.go", "vmUpdate, `if d.HasChange(mkCDROM)`: no rebootRequired"),
  },
  {
    type: "proxmoxve:download/file:File",
    field: "url",
    effect: "the new ISO is downloaded (a replacement; the VMs switch their CD-ROM to it before the old one is deleted)",
    source: bpg("fwprovider/nodes/resource_download_file.go", "Schema: url RequiresReplace"),
  },
  {
    type: "proxmoxve:download/file:File",
    field: "fileName",
    effect: "as url: a new ISO file",
    source: bpg("fwprovider/nodes/resource_download_file.go", "Schema: file_name RequiresReplace"),
  },
  {
    type: "proxmoxve:firewall/rulesLegacy:RulesLegacy",
    field: "rules[*].source",
    when: "no current node's address is dropped (a node added or removed)",
    holds: noNodeLosesAccess,
    effect: "the VM firewall rules are rewritten in place; pve-firewall applies them live",
    source: bpg("proxmoxtf/resource/firewall/rules.go", "RulesUpdate: rules updated in place by signature"),
  },
  {
    type: applyType,
    field: "machineConfigurationInput.machine.install.image",
    effect: "recorded for the next `talosctl upgrade`; the running node does not change",
    source: talos(
      "internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_runtime.go",
      "CanApplyImmediate: machine.install applies without a reboot",
    ),
  },
  ...(["apiServer", "controllerManager", "scheduler"] as const).map((component): SafeChange => ({
    type: applyType,
    field: `machineConfigurationInput.cluster.${component}.image`,
    when: "after `talosctl upgrade-k8s --to <version>` (the report lists it first), which wrote the same image into every node's config",
    effect: "no change on the node: upgrade-k8s already rolled the component node by node",
    source: talos("pkg/cluster/kubernetes/talos_managed.go", "upgradeStaticPodPatcher"),
  })),
  {
    type: applyType,
    field: "machineConfigurationInput.cluster.proxy.image",
    when: "after `talosctl upgrade-k8s --to <version>`",
    effect: "no change on the node: upgrade-k8s already set it",
    source: talos("pkg/cluster/kubernetes/talos_managed.go", "upgradeKubeProxy"),
  },
  {
    type: applyType,
    field: "machineConfigurationInput.machine.kubelet.image",
    when: "after `talosctl upgrade-k8s --to <version>`",
    effect: "no change on the node: upgrade-k8s already rolled the kubelet",
    source: talos("pkg/cluster/kubernetes/kubelet.go", "upgradeKubeletPatcher"),
  },
  {
    type: applyType,
    field: "machineConfigurationInput.NetworkRuleConfig/*:ingress",
    when: "no current node's address is dropped (a node added or removed)",
    holds: noNodeLosesAccess,
    effect: "the host firewall rule is updated live (documents other than v1alpha1 apply without a reboot)",
    source: talos(
      "internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go",
      "ApplyConfiguration: only the v1alpha1 document is compared by CanApplyImmediate",
    ),
  },
  {
    type: "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
    field: "spec.sync.ref",
    effect: "flux-operator points the sync GitRepository at the new ref; Flux reconciles from it",
    source: {
      repo: readAgainst.fluxOperator.upstream,
      tag: readAgainst.fluxOperator.tag,
      path: "config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml",
      at: "spec.sync.ref",
    },
  },
];

/** `*` is one name or index; a pattern matches the path itself or anything under it. */
function patternRegex(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^.\\[\\]:]+");
  return new RegExp(`^(${body})(?:$|[.[:])`);
}

/** The safe-change entry that covers `path` of a resource of `type`, and the matched field. */
export function safeChangeFor(type: string, path: string): { rule: SafeChange; matched: string } | undefined {
  for (const rule of safeChanges) {
    if (rule.type !== type) continue;
    const match = patternRegex(rule.field).exec(path);
    if (match?.[1] !== undefined) return { rule, matched: match[1] };
  }
  return undefined;
}
