import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { supportedTalosMinors } from "../../components/lib/talos-support";
import {
  clusterPatch,
  diskEncryptionPatch,
  firewallPatch,
  installPatch,
  linkAlias,
  networkPatch,
  networkPolicyPatch,
  nodePatches,
  type Patch,
  renderPatch,
  secretboxPatch,
  talosApiAccessPatch,
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
    expect(names).toEqual([
      "01-install",
      "02-network",
      "03-disk-encryption",
      "04-secretbox",
      "05-cluster",
      "06-firewall",
      "07-network-policies",
      "08-talos-api-access",
    ]);
  });

  it("lets only the talos-backup namespace take etcd snapshots over the Talos API, on control planes only", () => {
    expect(roundTrip(talosApiAccessPatch())).toEqual([
      {
        machine: {
          features: {
            kubernetesTalosAPIAccess: { enabled: true, allowedRoles: ["os:etcd:backup"], allowedKubernetesNamespaces: ["talos-backup"] },
          },
        },
      },
    ]);
    const worker = multi.settings.nodes.find((n) => n.role === "worker")!;
    const workerPatches = nodePatches({
      node: worker,
      settings: multi.settings,
      derived: multi.derived,
      installerImage: installer,
      installDisk: "/dev/sda",
      secretboxEncryptionSecret: secretbox,
    });
    expect(workerPatches.map((p) => p.name)).not.toContain("08-talos-api-access");
  });

  it("names each rendered patch in a leading comment", () => {
    expect(renderPatch(installPatch(installer, "/dev/sda")).split("\n")[0]).toBe("# 01-install");
  });

  it("gives workers only the install, network, disk-encryption and firewall patches", () => {
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
    expect(patches.map((p) => p.name)).toEqual(["01-install", "02-network", "03-disk-encryption", "06-firewall"]);
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

  /** The firewall of one node as Talos reads it: rule name to [protocol, ports, sources]. */
  function firewallOf(config: typeof multi, name: string) {
    const node = config.settings.nodes.find((n) => n.name === name)!;
    const docs = roundTrip(firewallPatch(node, config.settings.cluster.network, config.derived));
    const rules = Object.fromEntries(
      docs
        .filter((d) => d["kind"] === "NetworkRuleConfig")
        .map((d) => {
          const rule = d as { name: string; portSelector: { ports: unknown[]; protocol: string }; ingress: { subnet: string }[] };
          return [rule.name, [rule.portSelector.protocol, rule.portSelector.ports, rule.ingress.map((i) => i.subnet)]];
        }),
    );
    return { defaults: docs.filter((d) => d["kind"] === "NetworkDefaultActionConfig"), rules };
  }

  it("blocks ingress on every node except the Talos ports, each from the sources that need it", async () => {
    const admin = await validFixture(
      (() => {
        const settings = multiNodeSettings(5);
        const cluster = settings["cluster"] as { network: Record<string, unknown> };
        cluster.network = { ...cluster.network, adminSubnets: ["192.168.20.7/24"] };
        return settings;
      })(),
    );
    const cp = firewallOf(admin, "talos-cp-1");
    expect(cp.defaults).toEqual([{ apiVersion: "v1alpha1", kind: "NetworkDefaultActionConfig", ingress: "block" }]);
    const nodesAndAdmins = ["192.168.10.0/24", "192.168.20.0/24"];
    // VXLAN carries no authentication: a host on the node subnet that could send to 4789 would
    // inject packets with any pod source address, past every NetworkPolicy. Only the nodes may.
    const nodes = ["192.168.10.41/32", "192.168.10.42/32", "192.168.10.43/32", "192.168.10.44/32", "192.168.10.45/32"];
    const controlPlanes = ["192.168.10.41/32", "192.168.10.42/32", "192.168.10.43/32"];
    // Pods on the node keep their pod address; pods on other nodes arrive as their node (components/lib/firewall.ts sourcesSeenBy).
    const pods = "10.244.0.0/16";
    expect(cp.rules).toEqual({
      "apid-ingress": ["tcp", [50000], nodesAndAdmins],
      "apid-from-pods": ["tcp", [50000], [pods, ...nodes]],
      "trustd-ingress": ["tcp", [50001], nodes],
      "kubernetes-api-ingress": ["tcp", [6443], [...nodesAndAdmins, pods]],
      "etcd-ingress": ["tcp", ["2379-2380"], controlPlanes],
      "kubelet-ingress": ["tcp", [10250], [...controlPlanes, pods, "192.168.10.44/32", "192.168.10.45/32"]],
      "node-exporter-ingress": ["tcp", [9100], [pods, ...nodes]],
      "cni-vxlan": ["udp", [4789], nodes],
    });
    // Workers serve no API server, etcd, trustd, or the talos.default Service.
    expect(Object.keys(firewallOf(admin, "talos-worker-1").rules).sort()).toEqual([
      "apid-ingress",
      "cni-vxlan",
      "kubelet-ingress",
      "node-exporter-ingress",
    ]);
    // Without admin subnets, only the node subnet reaches the Talos API.
    expect(firewallOf(multi, "talos-cp-1").rules["apid-ingress"]).toEqual(["tcp", [50000], ["192.168.10.0/24"]]);
  });

  it("makes Flannel enforce NetworkPolicies on the control planes", () => {
    expect(roundTrip(networkPolicyPatch())).toEqual([
      { cluster: { network: { cni: { name: "flannel", flannel: { kubeNetworkPoliciesEnabled: true } } } } },
    ]);
    const controlPlane = multi.settings.nodes.find((n) => n.role === "controlplane")!;
    const names = nodePatches({
      node: controlPlane,
      settings: multi.settings,
      derived: multi.derived,
      installerImage: installer,
      installDisk: "/dev/sda",
      secretboxEncryptionSecret: secretbox,
    }).map((p) => p.name);
    expect(names).toContain("07-network-policies");
    // The key is unknown before Talos 1.13: the v1.13 schema accepts it and rejects a misspelling.
    expect(validate({ cluster: { network: { cni: { name: "flannel", flannel: { kubeNetworkPoliciesEnabled: true } } } } })).toEqual([]);
    expect(validate({ cluster: { network: { cni: { name: "flannel", flannel: { networkPoliciesEnabled: true } } } } })).not.toEqual([]);
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
