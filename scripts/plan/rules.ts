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
