/** The Proxmox layer as registered: provider, schematic, ISO and VM settings made for Talos. */
import { describe, expect, it } from "vitest";

import { versions } from "../../components/lib/versions";
import { vmIgnoreChanges } from "../../components/proxmox";
import { qemuGuestAgentExtension } from "../../components/proxmox/documents";
import { multiNodeSettings, singleNodeSettings } from "../../offline/fixtures";
import { Graph, providerUrn } from "../../offline/graph";
import { runExample, types } from "../support/program";

describe("Proxmox layer", async () => {
  const run = await runExample();
  const vm = run.one(types.vm);
  const iso = run.one(types.iso);
  const provider = run.one(types.proxmoxProvider);

  it("talks to the configured endpoint with the API token as a secret, TLS verified", () => {
    // Provider inputs travel as strings: that is how the engine hands config to a provider plugin.
    expect(provider.inputs).toMatchObject({
      endpoint: "https://pve.example.lan:8006/",
      apiToken: run.secrets.proxmoxApiToken,
      insecure: "false",
    });
    expect(provider.secretPaths).toContain("apiToken");
    expect(providerUrn(vm.provider)).toBe(provider.urn);
    expect(providerUrn(iso.provider)).toBe(provider.urn);
  });

  it("builds a UEFI q35 machine whose Secure Boot keys Talos enrols itself, with a TPM 2.0", () => {
    expect(vm.inputs).toMatchObject({
      bios: "ovmf",
      machine: "q35",
      efiDisk: { type: "4m", preEnrolledKeys: false, datastoreId: "local-lvm" },
      tpmState: { version: "v2.0", datastoreId: "local-lvm" },
    });
  });

  it("uses CPU type host, fixed memory without ballooning, virtio-scsi and the configured sizes", () => {
    expect(vm.inputs).toMatchObject({
      cpu: { type: "host", cores: 4, sockets: 1 },
      memory: { dedicated: 8192, floating: 0 },
      scsiHardware: "virtio-scsi-pci",
      disks: [{ interface: "scsi0", size: 64, datastoreId: "local-lvm" }],
    });
  });

  it("boots the Secure Boot ISO from ide2, the disk first, on a fixed MAC and VM id", () => {
    expect(vm.inputs).toMatchObject({
      cdrom: { interface: "ide2", fileId: `local:iso/${String(iso.inputs["fileName"])}` },
      bootOrders: ["scsi0", "ide2"],
      networkDevices: [{ bridge: "vmbr0", macAddress: "BC:24:11:00:00:01", model: "virtio", firewall: true }],
      vmId: 800,
      nodeName: "pve",
      stopOnDestroy: true,
    });
  });

  it("is protected and ignores the fields the provider diffs forever", () => {
    expect(vm.protect).toBe(true);
    expect(vm.ignoreChanges).toEqual(vmIgnoreChanges);
  });

  it("downloads the ISO once, under a name unique to version and schematic", () => {
    expect(iso.inputs).toMatchObject({ contentType: "iso", datastoreId: "local", nodeName: "pve", overwrite: false });
    expect(String(iso.inputs["url"])).toMatch(
      /^https:\/\/factory\.talos\.dev\/image\/[0-9a-f]{64}\/v1\.13\.9\/metal-amd64-secureboot\.iso$/,
    );
    expect(iso.inputs["fileName"]).toMatch(new RegExp(`^talos-${versions.talos}-[0-9a-f]{12}-metal-amd64-secureboot\\.iso$`));
  });

  it("adds the guest agent to the schematic and enables it, together", () => {
    expect(String(run.one(types.schematic).inputs["schematic"])).toContain(qemuGuestAgentExtension);
    expect(vm.inputs["agent"]).toMatchObject({ enabled: true });
  });

  it("without the guest agent, neither the schematic nor the VM has it, and the image changes", async () => {
    const settings = singleNodeSettings();
    settings["cluster"] = { ...(settings["cluster"] as object), qemuGuestAgent: false };
    const other = await runExample({ settings });
    expect(String(other.one(types.schematic).inputs["schematic"])).not.toContain(qemuGuestAgentExtension);
    expect(other.one(types.vm).inputs["agent"]).toEqual({ enabled: false });
    expect(other.one(types.iso).inputs["url"]).not.toBe(iso.inputs["url"]);
  });
});

describe("Proxmox layer: the VM's place and its firewall", async () => {
  const run = await runExample({ settings: multiNodeSettings(4) });
  const cp1 = run.one(types.vm, "talos-cp-1");

  it("creates each VM in the configured pool, the token's only VM scope", () => {
    for (const vm of run.ofType(types.vm)) expect(vm.inputs["poolId"], vm.name).toBe("homelab");
  });

  it("keeps TPM state and EFI vars on the VM datastore by default, untagged", () => {
    expect(cp1.inputs).toMatchObject({ efiDisk: { datastoreId: "local-lvm" }, tpmState: { datastoreId: "local-lvm" } });
    expect((cp1.inputs["networkDevices"] as object[])[0]).not.toHaveProperty("vlanId");
  });

  it("puts TPM state and EFI vars on stateDatastore and the NIC on the VLAN when configured", async () => {
    const settings = multiNodeSettings(1);
    settings["proxmox"] = { ...(settings["proxmox"] as object), stateDatastore: "tpm-crypt", pool: "k8s" };
    const cluster = settings["cluster"] as { network: Record<string, unknown> };
    cluster.network = { ...cluster.network, vlan: 30 };
    const other = await runExample({ settings });
    const vm = other.one(types.vm);
    expect(vm.inputs).toMatchObject({
      poolId: "k8s",
      efiDisk: { datastoreId: "tpm-crypt" },
      tpmState: { datastoreId: "tpm-crypt" },
      disks: [{ datastoreId: "local-lvm" }],
      networkDevices: [{ vlanId: 30, firewall: true }],
    });
  });

  it("enables each VM's firewall: MAC and IP filter, inbound dropped but for the node ingress policy", () => {
    const options = run.one(types.firewallOptions, "talos-cp-1-firewall");
    expect(options.inputs).toMatchObject({
      nodeName: "pve",
      vmId: 800,
      enabled: true,
      macfilter: true,
      ipfilter: true,
      dhcp: true,
      inputPolicy: "DROP",
      outputPolicy: "ACCEPT",
    });
    // The set Proxmox's ipfilter uses for net0: the node's address, and the VIP a control plane may hold.
    const ipset = run.one(types.firewallIpset, "talos-cp-1-ipfilter");
    expect(ipset.inputs).toMatchObject({ nodeName: "pve", vmId: 800, name: "ipfilter-net0" });
    expect(ipset.inputs["cidrs"]).toEqual([{ name: "192.168.10.41" }, { name: "192.168.10.40" }]);
    expect(run.one(types.firewallIpset, "talos-worker-1-ipfilter").inputs["cidrs"]).toEqual([{ name: "192.168.10.44" }]);
    const rules = run.one(types.firewallRules, "talos-cp-1-rules").inputs["rules"] as Record<string, unknown>[];
    expect(rules.find((r) => r["comment"] === "etcd-ingress")).toEqual({
      type: "in",
      action: "ACCEPT",
      iface: "net0",
      proto: "tcp",
      dport: "2379:2380",
      source: "192.168.10.41/32,192.168.10.42/32,192.168.10.43/32",
      comment: "etcd-ingress",
    });
    // The Proxmox firewall never sees a pod reaching its own node (the packet does not leave the VM): no pod subnet here.
    expect(
      rules.every((r) => !String(r["source"]).includes("10.244.")),
      JSON.stringify(rules),
    ).toBe(true);
    expect(rules.map((r) => r["comment"]).sort()).toEqual(
      [
        "apid-ingress",
        "apid-from-pods",
        "cni-vxlan",
        "etcd-ingress",
        "kubelet-ingress",
        "kubernetes-api-ingress",
        "node-exporter-ingress",
        "trustd-ingress",
      ].sort(),
    );
  });

  it("enables the firewall only once its set and rules exist, and sends the Talos config only after that", () => {
    const graph = Graph.of(run);
    const options = run.one(types.firewallOptions, "talos-cp-1-firewall");
    expect(graph.waitsFor(options, run.one(types.firewallIpset, "talos-cp-1-ipfilter"))).toBe(true);
    expect(graph.waitsFor(options, run.one(types.firewallRules, "talos-cp-1-rules"))).toBe(true);
    expect(graph.waitsFor(run.one(types.apply, "talos-cp-1"), options)).toBe(true);
  });

  it("every VM's firewall is enabled before the VM first starts: created stopped, started by VmStart after its firewall", () => {
    const graph = Graph.of(run);
    const vms = run.ofType(types.vm);
    expect(vms).toHaveLength(4);
    for (const vm of vms) {
      const node = String(vm.inputs["name"]);
      // bpg starts a VM inside create unless started is false (vmCreateStart, bpg/terraform-provider-proxmox
      // v0.111.1 proxmoxtf/resource/vm/vm.go); the program never changes it afterwards.
      expect(vm.inputs["started"], node).toBe(false);
      const target = { nodeName: vm.inputs["nodeName"], vmId: vm.inputs["vmId"] };
      const starts = run.ofType(types.vmStart).filter((r) => r.inputs["nodeName"] === target.nodeName && r.inputs["vmId"] === target.vmId);
      expect(starts, node).toHaveLength(1);
      const start = starts[0]!;
      expect(start.inputs["settleSeconds"], node).toBeGreaterThanOrEqual(20);
      const firewall = run
        .ofType(types.firewallOptions)
        .filter((r) => r.inputs["vmId"] === target.vmId && r.inputs["nodeName"] === target.nodeName);
      expect(firewall, node).toHaveLength(1);
      expect(firewall[0]!.inputs, node).toMatchObject({ enabled: true, inputPolicy: "DROP", ipfilter: true });
      const sets = [types.firewallIpset, types.firewallRules].flatMap((t) =>
        run.ofType(t).filter((r) => r.inputs["vmId"] === target.vmId && r.inputs["nodeName"] === target.nodeName),
      );
      expect(sets, node).toHaveLength(2);
      for (const before of [...firewall, ...sets]) expect(graph.waitsFor(start, before), `${node}: ${before.name}`).toBe(true);
      // Nothing else the program registers starts a VM, and the Talos config goes only to a started, filtered VM.
      expect(graph.waitsFor(run.one(types.apply, node), start), node).toBe(true);
    }
  });
});

describe("Proxmox layer with nodes on two hosts", async () => {
  const run = await runExample({ settings: multiNodeSettings(5) });

  it("downloads the ISO once per Proxmox host and puts each VM on its host with its own ISO", () => {
    const isos = run.ofType(types.iso);
    expect(isos.map((i) => i.inputs["nodeName"]).sort()).toEqual(["pve", "pve2"]);
    for (const vm of run.ofType(types.vm)) {
      const iso = isos.find((i) => i.inputs["nodeName"] === vm.inputs["nodeName"]);
      expect(vm.dependencies).toContain(iso?.urn);
    }
    expect(
      run
        .ofType(types.vm)
        .map((v) => v.inputs["vmId"])
        .sort(),
    ).toEqual([800, 801, 802, 803, 804]);
  });
});

describe("Proxmox layer with the ISO on storage shared by both hosts", async () => {
  const settings = multiNodeSettings(5);
  settings["proxmox"] = { ...(settings["proxmox"] as object), isoDatastore: "cephfs", isoDatastoreShared: true };
  const run = await runExample({ settings });

  it("downloads the ISO once, on proxmox.node, and boots every VM on either host from it", () => {
    // A second download of the same file name to the same shared storage fails with "File already exists in
    // the datastore": overwrite_unmanaged defaults to false (bpg/terraform-provider-proxmox v0.111.1
    // fwprovider/nodes/resource_download_file.go, Create).
    const iso = run.one(types.iso);
    expect(iso.inputs).toMatchObject({ nodeName: "pve", datastoreId: "cephfs" });
    const vms = run.ofType(types.vm);
    expect(new Set(vms.map((v) => v.inputs["nodeName"]))).toEqual(new Set(["pve", "pve2"]));
    for (const vm of vms) {
      expect(vm.dependencies).toContain(iso.urn);
      expect((vm.inputs["cdrom"] as { fileId: string }).fileId).toBe(`cephfs:iso/${String(iso.inputs["fileName"])}`);
    }
  });
});
