/**
 * Every flow the platform needs, and every flow that must be refused, sent
 * through the GENERATED rules of both firewalls in front of the destination
 * node (the Proxmox VM firewall, then the Talos host firewall), with the source
 * address each kind of sender really has when the packet gets there.
 *
 * The table of needed flows is written here from what the workloads do, not
 * read from the traffic model, so a model that forgets a flow fails.
 */
import { describe, expect, it } from "vitest";

import type { ClusterNode, ValidConfig } from "../../components/config";
import { multiNodeSettings, singleNodeSettings } from "../../offline/fixtures";
import { validFixture } from "../support/config";
import {
  type Packet,
  proxmoxAcceptsIn,
  proxmoxAcceptsOut,
  type ProxmoxFirewall,
  proxmoxFirewall,
  talosAccepts,
  type TalosFirewall,
  talosFirewall,
} from "./firewalls";

/** Who sends: hosts off the cluster, a node's host network, or a pod (on the destination's node or another). */
type Sender =
  | { kind: "deployer" | "admin" | "lan"; address: string }
  | { kind: "node"; node: ClusterNode }
  | { kind: "pod"; node: ClusterNode; address: string };

const deployerOnSubnet = "192.168.10.5";
const adminHost = "192.168.20.7";
const lanHost = "192.168.30.9";

function withAdminSubnet(settings: ReturnType<typeof singleNodeSettings>) {
  const cluster = settings["cluster"] as { network: Record<string, unknown> };
  cluster.network = { ...cluster.network, adminSubnets: ["192.168.20.0/24"] };
  return settings;
}

class Cluster {
  readonly talos = new Map<string, TalosFirewall>();
  readonly proxmox = new Map<string, ProxmoxFirewall>();

  constructor(readonly config: ValidConfig) {
    for (const node of config.settings.nodes) {
      this.talos.set(node.name, talosFirewall(config, node));
      this.proxmox.set(node.name, proxmoxFirewall(config, node));
    }
  }

  get nodes() {
    return this.config.settings.nodes;
  }

  /** A pod's address: Flannel gives each node a /24 of the pod network (Talos's default 10.244.0.0/16). */
  pod(node: ClusterNode): Sender {
    return { kind: "pod", node, address: `10.244.${this.nodes.indexOf(node)}.10` };
  }

  /**
   * Send one NEW connection to `to` and say whether both firewalls let it in.
   *
   * Source addresses (Flannel, the CNI Talos deploys): a pod reaching another
   * node's address is masqueraded to its own node's address on the way out
   * (flannel-io/flannel pkg/trafficmngr/iptables/iptables.go MasqRules,
   * `-s <pod net> ! -d 224.0.0.0/4 -j MASQUERADE` in POSTROUTING); a pod
   * reaching its own node's address is delivered locally, never traverses
   * POSTROUTING, keeps its pod address, and never crosses the Proxmox firewall.
   */
  delivers(sender: Sender, to: ClusterNode, protocol: "tcp" | "udp", port: number, destination = to.address): boolean {
    const talos = this.talos.get(to.name)!;
    const proxmoxIn = this.proxmox.get(to.name)!;
    if (sender.kind === "pod" && sender.node === to) {
      return talosAccepts(talos, { source: sender.address, destination, protocol, port });
    }
    const source = sender.kind === "node" || sender.kind === "pod" ? sender.node.address : sender.address;
    const packet: Packet = { source, destination, protocol, port };
    if (sender.kind === "node" || sender.kind === "pod") {
      if (!proxmoxAcceptsOut(this.proxmox.get(sender.node.name)!, source)) return false;
    }
    return proxmoxAcceptsIn(proxmoxIn, packet) && talosAccepts(talos, packet);
  }
}

interface Need {
  what: string;
  /** Senders for a destination node. */
  senders(cluster: Cluster, to: ClusterNode): Sender[];
  to: "node" | "controlplane" | "worker";
  protocol: "tcp" | "udp";
  ports: number[];
  /** Sent to the VIP instead of the node's own address (only where the config has one). */
  viaVip?: true;
}

const others = (cluster: Cluster, to: ClusterNode) => cluster.nodes.filter((n) => n !== to);
const controlPlanesBut = (cluster: Cluster, to: ClusterNode) => others(cluster, to).filter((n) => n.role === "controlplane");

/** What the platform and the GitOps template need to reach a node. */
const needed: Need[] = [
  {
    what: "pulumi up and talosctl reach apid",
    senders: () => [
      { kind: "deployer", address: deployerOnSubnet },
      { kind: "admin", address: adminHost },
    ],
    to: "node",
    protocol: "tcp",
    ports: [50000],
  },
  {
    what: "apid proxies to the other nodes' apid",
    senders: (c, to) => others(c, to).map((node) => ({ kind: "node", node })),
    to: "node",
    protocol: "tcp",
    ports: [50000],
  },
  {
    // gitops/infrastructure/talos-backup: the pod dials talos.default:50000, whose endpoints are the control planes.
    what: "talos-backup reaches apid through the talos.default Service, from the control plane's own node or another",
    senders: (c, to) => [c.pod(to), ...others(c, to).map((n) => c.pod(n))],
    to: "controlplane",
    protocol: "tcp",
    ports: [50000],
  },
  {
    what: "joining nodes fetch certificates from trustd",
    senders: (c, to) => others(c, to).map((node) => ({ kind: "node", node })),
    to: "controlplane",
    protocol: "tcp",
    ports: [50001],
  },
  {
    what: "pulumi up, kubectl, kubelets and pods reach the API server",
    senders: (c, to) => [
      { kind: "deployer", address: deployerOnSubnet },
      { kind: "admin", address: adminHost },
      ...others(c, to).map((node): Sender => ({ kind: "node", node })),
      c.pod(to),
      ...others(c, to).map((n) => c.pod(n)),
    ],
    to: "controlplane",
    protocol: "tcp",
    ports: [6443],
  },
  {
    what: "the API server on the VIP",
    senders: () => [{ kind: "admin", address: adminHost }],
    to: "controlplane",
    protocol: "tcp",
    ports: [6443],
    viaVip: true,
  },
  {
    what: "etcd members talk to each other",
    senders: (c, to) => controlPlanesBut(c, to).map((node) => ({ kind: "node", node })),
    to: "controlplane",
    protocol: "tcp",
    ports: [2379, 2380],
  },
  {
    what: "the API server reaches every kubelet; Prometheus scrapes kubelet metrics",
    senders: (c, to) => [
      ...c.nodes.filter((n) => n.role === "controlplane" && n !== to).map((node): Sender => ({ kind: "node", node })),
      c.pod(to),
      ...others(c, to).map((n) => c.pod(n)),
    ],
    to: "node",
    protocol: "tcp",
    ports: [10250],
  },
  {
    // kube-prometheus-stack's node-exporter: hostNetwork, port 9100; Prometheus may run on any node.
    what: "Prometheus scrapes node-exporter on every node",
    senders: (c, to) => [c.pod(to), ...others(c, to).map((n) => c.pod(n))],
    to: "node",
    protocol: "tcp",
    ports: [9100],
  },
  {
    what: "the CNI overlay between nodes",
    senders: (c, to) => others(c, to).map((node) => ({ kind: "node", node })),
    to: "node",
    protocol: "udp",
    ports: [4789],
  },
];

/** What must never get in. */
const refused: Need[] = [
  {
    what: "the LAN reaches nothing",
    senders: () => [{ kind: "lan", address: lanHost }],
    to: "node",
    protocol: "tcp",
    ports: [50000, 50001, 6443, 2379, 2380, 10250, 9100, 7445, 22],
  },
  {
    what: "the LAN cannot inject overlay packets",
    senders: () => [
      { kind: "lan", address: lanHost },
      { kind: "deployer", address: deployerOnSubnet },
    ],
    to: "node",
    protocol: "udp",
    ports: [4789],
  },
  {
    what: "admins and the deployer reach no etcd, trustd, kubelet or node-exporter",
    senders: () => [
      { kind: "admin", address: adminHost },
      { kind: "deployer", address: deployerOnSubnet },
    ],
    to: "controlplane",
    protocol: "tcp",
    ports: [2379, 2380, 50001, 10250, 9100],
  },
  {
    what: "workers reach no etcd",
    senders: (c) => c.nodes.filter((n) => n.role === "worker").map((node) => ({ kind: "node", node })),
    to: "controlplane",
    protocol: "tcp",
    ports: [2379, 2380],
  },
  {
    what: "pods reach no etcd, trustd, or the overlay of their own node",
    senders: (c, to) => [c.pod(to)],
    to: "controlplane",
    protocol: "tcp",
    ports: [2379, 2380, 50001],
  },
  {
    what: "pods reach no worker's apid (talos.default serves control planes only)",
    senders: (c, to) => [c.pod(to)],
    to: "worker",
    protocol: "tcp",
    ports: [50000],
  },
];

function cases(cluster: Cluster, needs: Need[]) {
  const vip = cluster.config.settings.cluster.vip;
  return needs.flatMap((need) =>
    (need.viaVip && vip === undefined ? [] : cluster.nodes)
      .filter((to) => need.to === "node" || need.to === to.role)
      .flatMap((to) =>
        need.senders(cluster, to).flatMap((sender) =>
          need.ports.map((port) => ({
            label: `${need.what}: ${sender.kind}${"node" in sender ? ` on ${sender.node.name}` : ""} → ${to.name} ${need.protocol}/${port}`,
            sender,
            to,
            protocol: need.protocol,
            port,
            destination: need.viaVip ? vip! : to.address,
          })),
        ),
      ),
  );
}

describe("traffic through the generated firewalls", async () => {
  const clusters = {
    "single node": new Cluster(await validFixture(withAdminSubnet(singleNodeSettings()))),
    "3 control planes + 2 workers": new Cluster(await validFixture(withAdminSubnet(multiNodeSettings(5)))),
  };

  for (const [name, cluster] of Object.entries(clusters)) {
    it(`${name}: every needed flow gets through both firewalls`, () => {
      const blocked = cases(cluster, needed)
        .filter((c) => !cluster.delivers(c.sender, c.to, c.protocol, c.port, c.destination))
        .map((c) => c.label);
      expect(blocked).toEqual([]);
    });

    it(`${name}: every flow that must be refused is dropped`, () => {
      const cs = cases(cluster, refused);
      expect(cs.length).toBeGreaterThan(0);
      const admitted = cs.filter((c) => cluster.delivers(c.sender, c.to, c.protocol, c.port, c.destination)).map((c) => c.label);
      expect(admitted).toEqual([]);
    });
  }

  it("before Talos has its config (maintenance mode, no host firewall) the Proxmox firewall alone keeps apid to the deployer and admins", () => {
    const cluster = clusters["3 control planes + 2 workers"];
    const node = cluster.nodes[0]!;
    const vmFirewall = cluster.proxmox.get(node.name)!;
    const apid = (source: string): Packet => ({ source, destination: node.address, protocol: "tcp", port: 50000 });
    expect(proxmoxAcceptsIn(vmFirewall, apid(deployerOnSubnet))).toBe(true);
    expect(proxmoxAcceptsIn(vmFirewall, apid(adminHost))).toBe(true);
    expect(proxmoxAcceptsIn(vmFirewall, apid(lanHost))).toBe(false);
  });

  it("a node sends only from its own addresses: a pod-sourced packet on the wire is dropped by ipfilter", () => {
    const cluster = clusters["3 control planes + 2 workers"];
    const worker = cluster.nodes.find((n) => n.role === "worker")!;
    const firewall = cluster.proxmox.get(worker.name)!;
    expect(proxmoxAcceptsOut(firewall, worker.address)).toBe(true);
    expect(proxmoxAcceptsOut(firewall, "10.244.3.10")).toBe(false);
    expect(proxmoxAcceptsOut(firewall, cluster.nodes[0]!.address)).toBe(false);
  });
});
