/**
 * Pure builders for the Proxmox layer: the Image Factory schematic and the VM
 * arguments that make a Talos Secure Boot machine with a TPM.
 */
import type * as proxmox from "@pulumi/proxmoxve";
import type * as pulumi from "@pulumi/pulumi";

import type { ClusterNode, Derived, Settings } from "../config";
import { addressPlan, ingressRules } from "../lib/firewall";
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
 * version and schematic keeps two builds from overwriting each other (the
 * provider names the file after the URL's last segment otherwise).
 */
export function isoFileName(talosVersion: string, schematicId: string): string {
  return `talos-${talosVersion}-${schematicId.slice(0, 12)}-metal-amd64-secureboot.iso`;
}

/** The disk Talos installs to: scsi0 behind virtio-scsi-pci shows up as /dev/sda. */
export const systemDisk = { interface: "scsi0", device: "/dev/sda" } as const;

export function vmArgs(
  node: ClusterNode,
  settings: Pick<Settings, "proxmox" | "cluster">,
  isoFileId: pulumi.Input<string>,
): proxmox.VmLegacyArgs {
  const { proxmox: pve, cluster } = settings;
  // TPM state and EFI vars may live on their own (encrypted) storage, away from the system disk.
  const stateDatastore = pve.stateDatastore ?? pve.vmDatastore;
  return {
    nodeName: node.proxmoxNode,
    vmId: node.vmId,
    name: node.name,
    // The API token's role is granted on this pool; creating into it needs VM.Allocate on /pool/<pool>
    // (src/PVE/API2/Qemu.pm create_vm, proxmox/qemu-server 9.2.6).
    poolId: pve.pool,
    description: `Talos ${node.role} of cluster ${cluster.name}, managed by Pulumi. Replacing this VM destroys its TPM and the disk keys sealed in it.`,
    tags: ["talos", cluster.name, node.role],
    // Secure Boot needs UEFI on q35; keys not pre-enrolled leave OVMF in setup mode so Talos enrols its own
    // (the provider's EFI disk defaults are type 2m, pre_enrolled_keys false: bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go).
    bios: "ovmf",
    machine: "q35",
    efiDisk: { datastoreId: stateDatastore, type: "4m", preEnrolledKeys: false, fileFormat: "raw" },
    tpmState: { datastoreId: stateDatastore, version: "v2.0" },
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
    // q35 has no ide3, the provider's default CD-ROM slot (dvCDROMInterface, bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go).
    cdrom: { fileId: isoFileId, interface: "ide2" },
    // Boot the installed disk first; the ISO only boots while the disk is empty.
    bootOrders: [systemDisk.interface, "ide2"],
    networkDevices: [
      {
        bridge: pve.bridge,
        macAddress: node.mac.toUpperCase(),
        model: "virtio",
        // The VM firewall (vmFirewall) filters this NIC only when the NIC has firewall=1.
        firewall: true,
        ...(cluster.network.vlan === undefined ? {} : { vlanId: cluster.network.vlan }),
      },
    ],
    operatingSystem: { type: "l26" },
    // Without the extension nothing answers, and the provider would wait 15 minutes per refresh (dvAgentTimeout,
    // bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go).
    agent: cluster.qemuGuestAgent ? { enabled: true, timeout: "2m", trim: true } : { enabled: false },
    onBoot: true,
    // Created stopped: VmStart (./start.ts) starts it once its firewall is in force. The program never sets
    // `started` again (vmIgnoreChanges): bpg's read records the live power state, and an update whose `started`
    // differs from it would stop the VM (vmFinalizePowerState, bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go).
    started: false,
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

/** The only NIC of a node VM, as Proxmox names it in firewall sets. */
export const nodeInterface = "net0";

/** Proxmox VM firewall of one node: options, the ipfilter set and the ingress rules. */
export interface VmFirewall {
  options: Omit<proxmox.firewall.OptionsLegacyArgs, "nodeName" | "vmId">;
  ipfilter: Omit<proxmox.firewall.IpsetLegacyArgs, "nodeName" | "vmId">;
  rules: Omit<proxmox.firewall.RulesLegacyArgs, "nodeName" | "vmId">;
}

/**
 * The Proxmox firewall in front of a node (pve-firewall src/PVE/Firewall.pm,
 * proxmox/pve-firewall 6.0.4):
 *
 * - `macfilter` and `ipfilter` drop what the VM sends from any MAC but its own
 *   and any source address outside the `ipfilter-net0` set (the node address,
 *   and the VIP a control plane may hold), so a compromised node cannot answer
 *   for another node or the gateway (ruleset_create_vm_chain, OUT direction).
 * - Inbound, everything not in the traffic model (components/lib/firewall.ts),
 *   with the sources this firewall sees, is dropped, from the first boot on: Talos maintenance mode has no host firewall.
 * - `dhcp` lets the maintenance-mode DHCP exchange through.
 *
 * It only filters when the datacenter firewall is enabled (Datacenter >
 * Firewall > Options), which docs/security.md asks the user to do.
 */
export function vmFirewall(node: ClusterNode, settings: Pick<Settings, "cluster">, derived: Derived): VmFirewall {
  const { cluster } = settings;
  const addresses = [node.address, ...(node.role === "controlplane" && cluster.vip !== undefined ? [cluster.vip] : [])];
  const rules = ingressRules(node.role, addressPlan(cluster.network, derived), "proxmox");
  return {
    options: {
      enabled: true,
      inputPolicy: "DROP",
      outputPolicy: "ACCEPT",
      macfilter: true,
      ipfilter: true,
      dhcp: true,
      ndp: false,
      radv: false,
    },
    // Named after the NIC: with ipfilter on, Proxmox uses `ipfilter-<netX>` as the allowed source set.
    ipfilter: {
      name: `ipfilter-${nodeInterface}`,
      comment: `addresses ${node.name} may send from`,
      cidrs: addresses.map((address) => ({ name: address })),
    },
    rules: {
      rules: rules.map((rule) => ({
        type: "in",
        action: "ACCEPT",
        iface: nodeInterface,
        proto: rule.protocol,
        dport: rule.ports.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}:${hi}`)).join(","),
        source: rule.sources.join(","),
        comment: rule.name,
      })),
    },
  };
}
