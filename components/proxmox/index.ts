/**
 * Layer 1: the Proxmox side. One Image Factory schematic, its Secure Boot ISO
 * on each Proxmox host that runs a node (once, on shared storage), and one
 * protected VM per node that the provider never power-cycles.
 */
import * as proxmox from "@pulumi/proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";

import type { ClusterNode, Derived, Settings } from "../config";
import { isoFileName, isoHost, schematicDocument, systemDisk, vmArgs, vmFirewall } from "./documents";
import { firewallSettleSeconds, VmStart } from "./start";

export interface TalosMachinesArgs {
  settings: Pick<Settings, "proxmox" | "cluster">;
  nodes: ClusterNode[];
  derived: Derived;
  apiToken: pulumi.Input<string>;
}

/**
 * Fields the provider reports with perpetual diffs (muhlba91/pulumi-proxmoxve#664),
 * and `started`, which the VM is created with (false) and VmStart owns after that:
 * ignoring them keeps a second `pulumi up` empty and never stops a running node.
 */
export const vmIgnoreChanges = ["disks[0].speed", "started"];

export class TalosMachines extends pulumi.ComponentResource {
  /** One VM per node, by node name. Protected: replacing one loses its vTPM and sealed disk keys. */
  public readonly vms: Record<string, proxmox.VmLegacy>;
  /**
   * Each VM's firewall and first start, by node name: the VM is created stopped, its firewall written and
   * enabled, then it is started; a config is sent after these.
   */
  public readonly firewalls: Record<string, pulumi.Resource[]>;
  public readonly schematicId: pulumi.Output<string>;
  /** Secure Boot installer of the same schematic and version as the ISO. */
  public readonly installerImage: pulumi.Output<string>;
  public readonly isoUrl: pulumi.Output<string>;
  /** Device the VMs present their system disk as, for the Talos installer. */
  public readonly installDisk = systemDisk.device;

  constructor(name: string, args: TalosMachinesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:TalosMachines", name, {}, opts);
    const { proxmox: pve, cluster } = args.settings;

    const provider = new proxmox.Provider(
      `${name}-pve`,
      { endpoint: pve.endpoint, apiToken: args.apiToken, insecure: pve.insecureSkipTlsVerify },
      { parent: this },
    );
    const schematic = new talos.imagefactory.Schematic(
      `${name}-schematic`,
      { schematic: schematicDocument(cluster.qemuGuestAgent) },
      { parent: this },
    );
    const urls = talos.imagefactory.getUrlsOutput(
      { schematicId: schematic.id, talosVersion: cluster.talosVersion, platform: "metal", architecture: "amd64" },
      { parent: this },
    ).urls;

    // One ISO per Proxmox host on host-local storage, one in all on shared storage.
    const isoByHost = new Map<string, proxmox.download.File>();
    for (const host of new Set(args.nodes.map((n) => isoHost(n, pve)))) {
      isoByHost.set(
        host,
        new proxmox.download.File(
          `${name}-iso-${host}`,
          {
            nodeName: host,
            datastoreId: pve.isoDatastore,
            contentType: "iso",
            url: urls.isoSecureboot,
            fileName: schematic.id.apply((id: string) => isoFileName(cluster.talosVersion, id)),
            // The factory publishes no checksum; never re-download an ISO that is already there (`overwrite` defaults
            // to true and replaces the file when the URL's size differs: bpg/terraform-provider-proxmox v0.111.1 fwprovider/nodes/resource_download_file.go).
            overwrite: false,
            uploadTimeout: 1800,
          },
          { parent: this, provider },
        ),
      );
    }

    this.vms = Object.fromEntries(
      args.nodes.map((node) => {
        const iso = isoByHost.get(isoHost(node, pve));
        if (iso === undefined) throw new pulumi.ResourceError(`no ISO for Proxmox host ${node.proxmoxNode}`, this);
        const vm = new proxmox.VmLegacy(`${name}-${node.name}`, vmArgs(node, args.settings, iso.id), {
          parent: this,
          provider,
          protect: true,
          ignoreChanges: vmIgnoreChanges,
          // The replacement keeps the VM id, MAC and address, so the old VM must go first: Proxmox refuses a second
          // VM with the same id (proxmox/qemu-server src/PVE/API2/Qemu.pm create_vm, create_and_lock_config), and
          // the provider does not ask for delete-before-replace, so the engine would create first (pulumi/pulumi
          // v3.207.0 pkg/resource/deploy/step_generator.go, diff.DeleteBeforeReplace unless this option is set).
          deleteBeforeReplace: true,
        });
        return [node.name, vm];
      }),
    );
    this.firewalls = Object.fromEntries(
      args.nodes.map((node) => {
        const vm = this.vms[node.name];
        if (vm === undefined) throw new pulumi.ResourceError(`no VM for node ${node.name}`, this);
        const firewall = vmFirewall(node, args.settings, args.derived);
        const target = { nodeName: node.proxmoxNode, vmId: node.vmId };
        // Proxmox deletes a VM's firewall config with the VM (proxmox/qemu-server src/PVE/API2/Qemu.pm destroy_vm,
        // PVE::Firewall::remove_vmfw_conf), and these inputs come from the config, not the VM: only replaceWith
        // makes a replaced VM get its firewall again instead of booting into maintenance mode unfiltered.
        const onVm = { parent: this, provider, dependsOn: [vm], replaceWith: [vm] };
        const ipfilter = new proxmox.firewall.IpsetLegacy(`${name}-${node.name}-ipfilter`, { ...target, ...firewall.ipfilter }, onVm);
        const rules = new proxmox.firewall.RulesLegacy(`${name}-${node.name}-rules`, { ...target, ...firewall.rules }, onVm);
        // Enabled last: with ipfilter on and no set yet, Proxmox would drop every address the VM sends from.
        const options = new proxmox.firewall.OptionsLegacy(
          `${name}-${node.name}-firewall`,
          { ...target, ...firewall.options },
          { ...onVm, dependsOn: [vm, ipfilter, rules] },
        );
        const start = new VmStart(
          `${name}-${node.name}-start`,
          {
            endpoint: pve.endpoint,
            apiToken: args.apiToken,
            insecure: pve.insecureSkipTlsVerify,
            ...target,
            settleSeconds: firewallSettleSeconds,
          },
          { parent: this, dependsOn: [vm, ipfilter, rules, options], replaceWith: [vm] },
        );
        return [node.name, [options, start]];
      }),
    );
    this.schematicId = schematic.id;
    this.installerImage = urls.installerSecureboot;
    this.isoUrl = urls.isoSecureboot;
    this.registerOutputs({ schematicId: this.schematicId, installerImage: this.installerImage, isoUrl: this.isoUrl });
  }
}
