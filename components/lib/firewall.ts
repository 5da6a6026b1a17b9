/**
 * The cluster's traffic model: one declared list of the flows that must reach
 * a node (who sends it, to which node role, which port, why), from which BOTH
 * firewalls in front of a node are generated: the Talos host firewall inside
 * the node (NetworkRuleConfig documents, components/talos/patches.ts) and the
 * Proxmox VM firewall in front of it (VM rules, components/proxmox/documents.ts).
 * Anything not declared here is dropped by both.
 *
 * A flow names source CLASSES, not addresses: what address a packet of a class
 * carries when it reaches a node depends on the firewall and on the CNI
 * (`sourcesSeenBy`). test/network/flows.test.ts sends every flow, and every flow
 * that must be refused, through the generated rules of both firewalls.
 *
 * Ports and who needs them start from the firewall `talosctl cluster create`
 * applies (siderolabs/talos v1.13.9,
 * cmd/talosctl/cmd/mgmt/cluster/internal/firewallpatch/firewallpatch.go),
 * narrowed: upstream opens the Talos and Kubernetes APIs to 0.0.0.0/0.
 */

import type { Derived, Settings } from "../config";
import { parseCidr } from "../config/network";

/** Talos's default pod network (siderolabs/talos v1.13.9 pkg/machinery/constants/constants.go DefaultIPv4PodNet). */
export const defaultPodSubnet = "10.244.0.0/16";

/**
 * Who sends a flow.
 *
 * - `admins`: `homelab:cluster.network.adminSubnets`, where operators run talosctl and kubectl.
 * - `deployer`: the machine that runs `pulumi up`: on the node subnet or in an
 *   admin subnet (`npm run doctor` refuses to run from anywhere else).
 * - `nodes` / `controlPlanes`: a node's own host-network processes (kubelet,
 *   apid, the API server, etcd, the CNI agent).
 * - `podSameNode`: a pod reaching the address of the node it runs on.
 * - `podOtherNode`: a pod reaching the address of another node.
 * - `lan`: any other host.
 */
export type SourceClass = "admins" | "deployer" | "nodes" | "controlPlanes" | "podSameNode" | "podOtherNode" | "lan";

export type PortRange = readonly [number, number];

export interface Flow {
  /** Rule name: the NetworkRuleConfig name and the Proxmox rule comment. */
  name: string;
  /** Which nodes receive it: every node, or the control planes only. */
  to: "node" | "controlplane";
  protocol: "tcp" | "udp";
  /** Inclusive port ranges. */
  ports: readonly PortRange[];
  from: readonly SourceClass[];
  /** Who needs it and for what. */
  why: string;
}

/** The overlay the CNI tunnels pod traffic between nodes with. */
export const cniOverlay = {
  /** Talos deploys Flannel with `Port: 4789` (internal/app/machined/pkg/controllers/k8s/internal/k8stemplates/flannel.go, v1.13.9). */
  name: "cni-vxlan",
  protocol: "udp",
  ports: [[4789, 4789]],
} as const;

/**
 * Every flow a node must accept. The workloads of the GitOps template that
 * need a host port are listed with their flow in `hostPortWorkloads`.
 */
export const flows: readonly Flow[] = [
  {
    name: "apid-ingress",
    to: "node",
    protocol: "tcp",
    ports: [[50000, 50000]],
    from: ["deployer", "admins", "nodes"],
    why: "the Talos API: pulumi up and talosctl; apid on one node proxies requests to the others",
  },
  {
    name: "apid-from-pods",
    to: "controlplane",
    protocol: "tcp",
    ports: [[50000, 50000]],
    from: ["podSameNode", "podOtherNode"],
    why: "talos-backup takes etcd snapshots through the `talos.default` Service, whose endpoints are the control planes' port 50000 (kubernetesTalosAPIAccess, os:etcd:backup role only)",
  },
  {
    name: "trustd-ingress",
    to: "controlplane",
    protocol: "tcp",
    ports: [[50001, 50001]],
    from: ["nodes"],
    why: "trustd: joining nodes fetch their certificates",
  },
  {
    name: "kubernetes-api-ingress",
    to: "controlplane",
    protocol: "tcp",
    ports: [[6443, 6443]],
    from: ["deployer", "admins", "nodes", "podSameNode", "podOtherNode"],
    why: "the API server: pulumi up, kubectl, every kubelet (through KubePrism), and pods through the `kubernetes` Service",
  },
  {
    name: "etcd-ingress",
    to: "controlplane",
    protocol: "tcp",
    ports: [[2379, 2380]],
    from: ["controlPlanes"],
    why: "etcd client and peer traffic between the members",
  },
  {
    name: "kubelet-ingress",
    to: "node",
    protocol: "tcp",
    ports: [[10250, 10250]],
    from: ["controlPlanes", "podSameNode", "podOtherNode"],
    why: "the kubelet: the API server (logs, exec, port-forward) and Prometheus scraping kubelet and cAdvisor metrics",
  },
  {
    name: "node-exporter-ingress",
    to: "node",
    protocol: "tcp",
    ports: [[9100, 9100]],
    from: ["podSameNode", "podOtherNode"],
    why: "Prometheus scrapes node-exporter, which kube-prometheus-stack runs on the host network",
  },
  {
    ...cniOverlay,
    to: "node",
    from: ["nodes"],
    why: "the CNI's overlay between nodes. VXLAN has no authentication: whoever can send to it injects packets with any pod source, past every NetworkPolicy, so only the nodes may, not the node subnet",
  },
];

/**
 * Workloads of the GitOps template that listen on a node's own address
 * (hostNetwork or hostPort), by HelmRelease chart or by manifest, and the flow
 * that admits their clients. test/network/host-ports.test.ts fails for a
 * workload with a host port that is not listed, or listed without a flow.
 */
export interface HostPortWorkload {
  /** The HelmRelease's chart, or `<kind>/<namespace>/<name>` of a plain manifest. */
  workload: string;
  protocol: "tcp" | "udp";
  port: number;
  /** The flow that admits its clients, or `null` with the reason nobody needs to reach it. */
  flow: string | null;
  source: string;
}

export const hostPortWorkloads: readonly HostPortWorkload[] = [
  {
    workload: "chart:kube-prometheus-stack",
    protocol: "tcp",
    port: 9100,
    flow: "node-exporter-ingress",
    source:
      "prometheus-community/helm-charts charts/prometheus-node-exporter values.yaml (hostNetwork: true, service.port 9100), the subchart kube-prometheus-stack 88.5.3 enables",
  },
  {
    workload: "chart:ceph-csi-rbd",
    protocol: "tcp",
    port: 8080,
    flow: null,
    source:
      "ceph/ceph-csi charts/ceph-csi-rbd values.yaml: the nodeplugin runs with hostNetwork and serves metrics on nodeplugin.httpMetrics.containerPort 8080; the template scrapes no Ceph CSI metrics, so nobody needs to reach it and the firewalls keep it closed",
  },
];

/** Addresses the model resolves source classes to. */
export interface AddressPlan {
  /** The node subnet, canonical CIDR. */
  subnet: string;
  /** Admin subnets, canonical CIDRs. */
  adminSubnets: readonly string[];
  controlPlaneAddresses: readonly string[];
  /** Every node's address, control planes and workers. */
  nodeAddresses: readonly string[];
}

/** The addresses of the validated config the flows resolve to. */
export function addressPlan(network: Settings["cluster"]["network"], derived: Derived): AddressPlan {
  return {
    subnet: derived.subnet.text,
    adminSubnets: network.adminSubnets.map((cidr) => parseCidr(cidr).text),
    controlPlaneAddresses: derived.controlPlanes.map((n) => n.address),
    nodeAddresses: [...derived.controlPlanes, ...derived.workers].map((n) => n.address),
  };
}

export type Firewall = "talos" | "proxmox";

const unique = (values: string[]) => [...new Set(values)];
const host = (address: string) => `${address}/32`;

/** The CIDRs of a rule without those another one of them already covers (a node's /32 inside the node subnet). */
function withoutCovered(cidrs: string[]): string[] {
  const parsed = unique(cidrs).map((text) => ({ text, cidr: parseCidr(text) }));
  return parsed
    .filter(
      ({ text, cidr }) =>
        !parsed.some(
          (other) => other.text !== text && other.cidr.prefixLength < cidr.prefixLength && other.cidr.contains(text.split("/")[0] ?? ""),
        ),
    )
    .map(({ text }) => text);
}

/**
 * The source addresses packets of a class carry when they reach a node's
 * firewall, with the CNI Talos deploys (Flannel):
 *
 * - A pod reaching ANOTHER node's address leaves its node masqueraded to that
 *   node's address: Flannel runs with `--ip-masq` (Talos v1.13.9 k8stemplates/flannel.go)
 *   and masquerades everything from the pod network to outside it in POSTROUTING
 *   (flannel-io/flannel pkg/trafficmngr/iptables/iptables.go MasqRules:
 *   `-s <pod net> ! -d 224.0.0.0/4 -j MASQUERADE`). So "pods on other nodes" is
 *   admitted by, and indistinguishable from, the node addresses.
 * - A pod reaching ITS OWN node's address is delivered locally: POSTROUTING is
 *   never traversed, so it keeps its pod address. The Talos firewall sees the pod
 *   subnet; the Proxmox firewall never sees the packet (it does not leave the VM).
 * - Pod-to-pod traffic between nodes travels inside the overlay (node address
 *   to node address) and reaches pods through forwarding, not the host's input
 *   chain; Talos admits pod→pod/service itself (built-in rule).
 */
export function sourcesSeenBy(source: SourceClass, plan: AddressPlan, firewall: Firewall): string[] {
  switch (source) {
    case "admins":
      return [...plan.adminSubnets];
    case "deployer":
      return unique([plan.subnet, ...plan.adminSubnets]);
    case "nodes":
    case "podOtherNode":
      return plan.nodeAddresses.map(host);
    case "controlPlanes":
      return plan.controlPlaneAddresses.map(host);
    case "podSameNode":
      return firewall === "talos" ? [defaultPodSubnet] : [];
    case "lan":
      return ["0.0.0.0/0"];
  }
}

export interface IngressRule {
  name: string;
  protocol: "tcp" | "udp";
  ports: readonly PortRange[];
  /** Source CIDRs allowed in. */
  sources: string[];
}

/** The rules one firewall of a node of `role` enforces: every flow to that role, with the sources that firewall sees. */
export function ingressRules(role: "controlplane" | "worker", plan: AddressPlan, firewall: Firewall): IngressRule[] {
  return flows
    .filter((flow) => flow.to === "node" || role === "controlplane")
    .map((flow) => ({
      name: flow.name,
      protocol: flow.protocol,
      ports: flow.ports,
      sources: withoutCovered(flow.from.flatMap((source) => sourcesSeenBy(source, plan, firewall))),
    }))
    .filter((rule) => rule.sources.length > 0);
}
