/**
 * Pure builders for the Proxmox layer: the Image Factory schematic and the VM
 * arguments that make a Talos Secure Boot machine with a TPM (PITFALLS P1-P7).
 */
import type * as proxmox from "@pulumi/proxmoxve";
import type * as pulumi from "@pulumi/pulumi";

import type { ClusterNode, Settings } from "../config";
import { toYamlDocuments } from "../lib/yaml";

export const qemuGuestAgentExtension = "siderolabs/qemu-guest-agent";

/** Image Factory schematic; the agent extension is part of both the ISO and the installer image. */
export function schematicDocument(qemuGuestAgent: boolean): string {
  return toYamlDocuments([
    { customization: { systemExtensions: { officialExtensions: qemuGuestAgent ? [qemuGuestAgentExtension] : [] } } },
  ]);
}

/**
 * Factory URLs all end in `metal-amd64-secureboot.iso`; naming the file after
 * version and schematic keeps two builds from overwriting each other (P6).
 */
export function isoFileName(talosVersion: string, schematicId: string): string {
  return `talos-${talosVersion}-${schematicId.slice(0, 12)}-metal-amd64-secureboot.iso`;
}

/** The disk Talos installs to: scsi0 behind virtio-scsi-pci shows up as /dev/sda (T5). */
export const systemDisk = { interface: "scsi0", device: "/dev/sda" } as const;

export function vmArgs(
  node: ClusterNode,
  settings: Pick<Settings, "proxmox" | "cluster">,
  isoFileId: pulumi.Input<string>,
): proxmox.VmLegacyArgs {
  const { proxmox: pve, cluster } = settings;
  return {
    nodeName: node.proxmoxNode,
    vmId: node.vmId,
    name: node.name,
    description: `Talos ${node.role} of cluster ${cluster.name}, managed by Pulumi. Replacing this VM destroys its TPM and the disk keys sealed in it.`,
    tags: ["talos", cluster.name, node.role],
    // Secure Boot needs UEFI on q35; keys not pre-enrolled leave OVMF in setup mode so Talos enrols its own (P2).
    bios: "ovmf",
    machine: "q35",
    efiDisk: { datastoreId: pve.vmDatastore, type: "4m", preEnrolledKeys: false, fileFormat: "raw" },
    tpmState: { datastoreId: pve.vmDatastore, version: "v2.0" },
    // The default qemu64 CPU lacks x86-64-v2, which Talos needs.
    cpu: { type: "host", cores: node.cores, sockets: 1 },
    // floating 0 disables the balloon driver: Talos does not support memory ballooning.
    memory: { dedicated: node.memoryMiB, floating: 0 },
    scsiHardware: "virtio-scsi-pci",
    disks: [
      {
        interface: systemDisk.interface,
        datastoreId: pve.vmDatastore,
        size: node.diskGiB,
        fileFormat: "raw",
        discard: "on",
        ssd: true,
      },
    ],
    // q35 has no ide3, the provider's default CD-ROM slot (P3).
    cdrom: { fileId: isoFileId, interface: "ide2" },
    // Boot the installed disk first; the ISO only boots while the disk is empty.
    bootOrders: [systemDisk.interface, "ide2"],
    networkDevices: [{ bridge: pve.bridge, macAddress: node.mac.toUpperCase(), model: "virtio" }],
    operatingSystem: { type: "l26" },
    // Without the extension nothing answers, and the provider would wait 15 minutes per refresh (P4).
    agent: cluster.qemuGuestAgent ? { enabled: true, timeout: "2m", trim: true } : { enabled: false },
    onBoot: true,
    started: true,
    stopOnDestroy: true,
    // A cores or memory change that cannot be hot-plugged stays pending with a warning ("a reboot is required
    // ... Please reboot the VM manually") instead of the provider stopping and starting the VM, which it would
    // do to every VM of the update at once (bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go:
    // dvRebootAfterUpdate = true, vmFinalizePowerState, rebootAfterUpdateDisabledWarning). The pending change
    // reaches a node when it is restarted from Proxmox, one at a time (docs/operations.md).
    rebootAfterUpdate: false,
  };
}

/**
 * The Proxmox host that downloads the ISO a node boots: its own host for
 * host-local storage, or `proxmox.node` for storage shared by every host (NFS,
 * CephFS), where one download serves them all and a second one of the same
 * file would fail (`overwriteUnmanaged` is false).
 */
export function isoHost(node: Pick<ClusterNode, "proxmoxNode">, pve: Pick<Settings["proxmox"], "node" | "isoDatastoreShared">): string {
  return pve.isoDatastoreShared ? pve.node : node.proxmoxNode;
}
