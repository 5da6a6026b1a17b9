import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { supportedTalosMinors } from "../../components/lib/talos-support";
import {
  clusterPatch,
  diskEncryptionPatch,
  installPatch,
  linkAlias,
  networkPatch,
  nodePatches,
  type Patch,
  renderPatch,
  secretboxPatch,
} from "../../components/talos/patches";
import { multiNodeSettings } from "../../offline/fixtures";
import { validFixture } from "../support/config";
import { talosDocumentValidator } from "../support/schemas";

const installer = "factory.talos.dev/metal-installer-secureboot/abc123:v1.13.9";
const secretbox = Buffer.alloc(32, 7).toString("base64");

/** What the provider receives: each patch serialised, then parsed back as Talos would. */
function roundTrip(patch: Patch): Record<string, unknown>[] {
  return parseAllDocuments(renderPatch(patch)).map((d) => d.toJS() as Record<string, unknown>);
}

describe("Talos patches", async () => {
  const single = await validFixture();
  const multi = await validFixture(multiNodeSettings(5));
  const validate = talosDocumentValidator();
  const supported = supportedTalosMinors.map((minor) => [minor, talosDocumentValidator(minor)] as const);
  const allPatches = [single, multi].flatMap((config) =>
    config.settings.nodes.flatMap((node) =>
      nodePatches({
        node,
        settings: config.settings,
        derived: config.derived,
        installerImage: installer,
        installDisk: "/dev/sda",
        secretboxEncryptionSecret: secretbox,
      }),
    ),
  );

  it("every document of every patch validates against the schema of every supported Talos minor", () => {
    expect(allPatches.length).toBeGreaterThan(10);
    expect(supported.length).toBeGreaterThan(0);
    for (const [minor, validateMinor] of supported) {
      for (const patch of allPatches) {
        for (const document of roundTrip(patch)) {
          expect(validateMinor(document), `${minor} ${patch.name}: ${JSON.stringify(document)}`).toEqual([]);
        }
      }
    }
  });

  it("the validator rejects a document Talos would reject", () => {
    expect(validate({ apiVersion: "v1alpha1", kind: "VolumeConfig", name: "STATE", encryption: { provider: "luks1" } })).not.toEqual([]);
    expect(validate({ machine: { network: { hostname: "x" } } })).not.toEqual([]);
  });

  it("patches come in their numbered order", () => {
    const [node] = single.settings.nodes;
    const names = nodePatches({
      node: node!,
      settings: single.settings,
      derived: single.derived,
      installerImage: installer,
      installDisk: "/dev/sda",
      secretboxEncryptionSecret: secretbox,
    }).map((p) => p.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(["01-install", "02-network", "03-disk-encryption", "04-secretbox", "05-cluster"]);
  });

  it("names each rendered patch in a leading comment", () => {
    expect(renderPatch(installPatch(installer, "/dev/sda")).split("\n")[0]).toBe("# 01-install");
  });

  it("gives workers only the install, network and disk-encryption patches", () => {
    const worker = multi.settings.nodes.find((n) => n.role === "worker");
    expect(worker).toBeDefined();
    const patches = nodePatches({
      node: worker!,
      settings: multi.settings,
      derived: multi.derived,
      installerImage: installer,
      installDisk: "/dev/sda",
      secretboxEncryptionSecret: secretbox,
    });
    expect(patches.map((p) => p.name)).toEqual(["01-install", "02-network", "03-disk-encryption"]);
    expect(patches.map(renderPatch).join("\n")).not.toContain(secretbox);
  });

  it("installs the Secure Boot installer image to the VM's system disk without wiping", () => {
    expect(roundTrip(installPatch(installer, "/dev/sda"))).toEqual([
      { machine: { install: { disk: "/dev/sda", image: installer, wipe: false } } },
    ]);
  });

  it("encrypts STATE and EPHEMERAL with LUKS2 and a TPM key that needs Secure Boot; EPHEMERAL locked to STATE", () => {
    const docs = roundTrip(diskEncryptionPatch());
    expect(docs.map((d) => d["name"])).toEqual(["STATE", "EPHEMERAL"]);
    for (const doc of docs) {
      expect(doc).toMatchObject({ apiVersion: "v1alpha1", kind: "VolumeConfig", encryption: { provider: "luks2" } });
      const keys = (doc["encryption"] as { keys: Record<string, unknown>[] }).keys;
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ slot: 0, tpm: { checkSecurebootStatusOnEnroll: true } });
      expect(keys[0]).not.toHaveProperty("static");
      expect(keys[0]).not.toHaveProperty("nodeID");
    }
    expect((docs[0]!["encryption"] as { keys: Record<string, unknown>[] }).keys[0]).not.toHaveProperty("lockToState");
    expect((docs[1]!["encryption"] as { keys: Record<string, unknown>[] }).keys[0]).toHaveProperty("lockToState", true);
  });

  it("sets secretbox encryption of Secrets at rest to the machine secrets' key", () => {
    expect(roundTrip(secretboxPatch(secretbox))).toEqual([{ cluster: { secretboxEncryptionSecret: secretbox } }]);
  });

  it("static mode: address with prefix, default route and resolvers on the NIC found by MAC", () => {
    const node = single.settings.nodes[0]!;
    const docs = roundTrip(networkPatch(node, single.settings.cluster.network, single.derived, undefined));
    expect(docs.find((d) => d["kind"] === "LinkAliasConfig")).toEqual({
      apiVersion: "v1alpha1",
      kind: "LinkAliasConfig",
      name: linkAlias,
      selector: { match: 'mac(link.permanent_addr) == "bc:24:11:00:00:01"' },
    });
    expect(docs.find((d) => d["kind"] === "LinkConfig")).toMatchObject({
      name: linkAlias,
      addresses: [{ address: "192.168.10.41/24" }],
      routes: [{ gateway: "192.168.10.1" }],
    });
    expect(docs.find((d) => d["kind"] === "HostnameConfig")).toMatchObject({ hostname: "talos-cp-1" });
    expect(docs.find((d) => d["kind"] === "ResolverConfig")).toMatchObject({ nameservers: [{ address: "192.168.10.1" }] });
    expect(docs.some((d) => d["kind"] === "Layer2VIPConfig")).toBe(false);
  });

  it("quotes `off` so Talos's YAML parser cannot read it as a boolean", () => {
    const node = single.settings.nodes[0]!;
    const text = renderPatch(networkPatch(node, single.settings.cluster.network, single.derived, undefined));
    expect(text).toContain('auto: "off"');
    expect(text).not.toMatch(/auto: off$/m);
  });

  it("dhcp mode: DHCP on the NIC, no static address", () => {
    const node = single.settings.nodes[0]!;
    const docs = roundTrip(networkPatch(node, { ...single.settings.cluster.network, mode: "dhcp" }, single.derived, undefined));
    expect(docs.find((d) => d["kind"] === "DHCPv4Config")).toMatchObject({ name: linkAlias });
    expect(docs.some((d) => d["kind"] === "LinkConfig")).toBe(false);
  });

  it("puts the VIP on control planes only", () => {
    const vip = multi.settings.cluster.vip;
    expect(vip).toBe("192.168.10.40");
    for (const node of multi.settings.nodes) {
      const docs = roundTrip(networkPatch(node, multi.settings.cluster.network, multi.derived, vip));
      const vips = docs.filter((d) => d["kind"] === "Layer2VIPConfig");
      expect(vips, node.name).toEqual(
        node.role === "controlplane" ? [{ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: vip, link: linkAlias }] : [],
      );
    }
  });

  it("lets workloads onto control planes only when there are no workers, and names the endpoint in certificates", () => {
    expect(roundTrip(clusterPatch(single.derived))[0]).toMatchObject({
      cluster: { allowSchedulingOnControlPlanes: true, apiServer: { certSANs: ["192.168.10.41"] } },
      machine: { certSANs: ["192.168.10.41"] },
    });
    const multiCluster = roundTrip(clusterPatch(multi.derived))[0] as {
      cluster: { allowSchedulingOnControlPlanes: boolean; apiServer: { certSANs: string[] } };
    };
    expect(multiCluster.cluster.allowSchedulingOnControlPlanes).toBe(false);
    expect(multiCluster.cluster.apiServer.certSANs).toEqual(["192.168.10.40", "192.168.10.41", "192.168.10.42", "192.168.10.43"]);
  });
});
