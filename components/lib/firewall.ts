/**
 * The node ingress policy, one list that both firewalls enforce: the Talos host
 * firewall inside the node (NetworkRuleConfig documents) and the Proxmox VM
 * firewall in front of it (VM rules), so the ports are open to the same
 * sources whether or not Talos has its config yet (maintenance mode has no
 * host firewall).
 *
 * The ports and who needs them follow the firewall `talosctl cluster create`
 * applies (siderolabs/talos v1.13.9,
 * cmd/talosctl/cmd/mgmt/cluster/internal/firewallpatch/firewallpatch.go),
 * narrowed: upstream opens the Talos and Kubernetes APIs to 0.0.0.0/0; here
 * they are open to the node subnet and the admin subnets only.
 */

/** Talos's default pod network (siderolabs/talos v1.13.9 pkg/machinery/constants/constants.go DefaultIPv4PodNet). */
export const defaultPodSubnet = "10.244.0.0/16";

export interface IngressRule {
  /** Rule name: the NetworkRuleConfig name and the Proxmox rule comment. */
  name: string;
  protocol: "tcp" | "udp";
  /** Inclusive port ranges. */
  ports: readonly (readonly [number, number])[];
  /** Source CIDRs allowed in. */
  sources: string[];
}

export interface IngressPolicyInput {
  role: "controlplane" | "worker";
  /** The node subnet, canonical CIDR. */
  subnet: string;
  /** Where operators and `pulumi up` reach the Talos and Kubernetes APIs from, canonical CIDRs. */
  adminSubnets: readonly string[];
  /** Every control plane's address. */
  controlPlaneAddresses: readonly string[];
  /** Every node's address, control planes and workers. */
  nodeAddresses: readonly string[];
}

const unique = (values: string[]) => [...new Set(values)];
const host = (address: string) => `${address}/32`;

/**
 * Every port a node must accept, from whom. Anything else is dropped.
 *
 * - apid 50000: the Talos API, for `pulumi up`, talosctl and the other nodes.
 * - trustd 50001 (control planes): the nodes fetch their certificates from it.
 * - kube-apiserver 6443 (control planes): nodes, admins, and pods, whose
 *   `kubernetes` Service traffic arrives DNAT-ed to the node address with a pod source.
 * - etcd 2379-2380 (control planes): the other control planes only.
 * - kubelet 10250: the API server and in-cluster scrapers (pods; traffic of a
 *   pod on another node arrives masqueraded to that node's address).
 * - VXLAN 4789/udp: Flannel's overlay between nodes (Talos sets `Port: 4789`,
 *   internal/app/machined/pkg/controllers/k8s/internal/k8stemplates/flannel.go, v1.13.9).
 *   VXLAN has no authentication: whoever can send to it injects packets with any
 *   pod source address, past every NetworkPolicy, so only the nodes may, not the
 *   node subnet.
 */
export function ingressRules(input: IngressPolicyInput): IngressRule[] {
  const nodes = unique(input.nodeAddresses.map(host));
  const admins = unique([input.subnet, ...input.adminSubnets]);
  const everyNode: IngressRule[] = [
    { name: "apid-ingress", protocol: "tcp", ports: [[50000, 50000]], sources: admins },
    { name: "kubelet-ingress", protocol: "tcp", ports: [[10250, 10250]], sources: [...nodes, defaultPodSubnet] },
    { name: "cni-vxlan", protocol: "udp", ports: [[4789, 4789]], sources: nodes },
  ];
  if (input.role === "worker") return everyNode;
  return [
    ...everyNode,
    { name: "trustd-ingress", protocol: "tcp", ports: [[50001, 50001]], sources: nodes },
    { name: "kubernetes-api-ingress", protocol: "tcp", ports: [[6443, 6443]], sources: unique([...admins, defaultPodSubnet]) },
    { name: "etcd-ingress", protocol: "tcp", ports: [[2379, 2380]], sources: input.controlPlaneAddresses.map(host) },
  ];
}
