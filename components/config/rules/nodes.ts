/** Each VM gets its own name, id, MAC and address, and the control planes can form an etcd quorum. */
import { parseCidr } from "../network";
import type { ConfigProblem, ParsedNode, Rule } from "../parsed";
import type { NodeSettings } from "../schema";

export const unicastMacs: Rule = ({ nodes = [], key }) =>
  nodes.flatMap(({ index, valid: { mac } }) =>
    mac !== undefined && (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1
      ? [
          {
            key: key("nodes", [index, "mac"]),
            message: `${mac} is a multicast MAC; the first byte must be even (Proxmox uses BC:24:11:…)`,
          },
        ]
      : [],
  );

const unique: [keyof NodeSettings, (n: Partial<NodeSettings>) => string | number | undefined, string][] = [
  ["name", (n) => n.name, "node names must be unique"],
  ["vmId", (n) => n.vmId, "Proxmox VM ids are cluster-wide"],
  ["mac", (n) => n.mac?.toUpperCase(), "each VM needs its own MAC"],
  ["address", (n) => n.address, "each node needs its own address"],
];

export const uniqueNodeFields: Rule = ({ nodes = [], key, nodeRef }) => {
  const problems: ConfigProblem[] = [];
  for (const [field, pick, why] of unique) {
    const first = new Map<string | number, number>();
    for (const node of nodes) {
      const value = pick(node.valid);
      if (value === undefined) continue;
      const earlier = first.get(value);
      if (earlier === undefined) first.set(value, node.index);
      else {
        problems.push({
          key: key("nodes", [node.index, field]),
          message: `${JSON.stringify(value)} is already used by ${nodeRef(earlier)}: ${why}; pick another`,
        });
      }
    }
  }
  return problems;
};

/** Every node's role, or undefined while any node's role is unknown. */
function roles(nodes: ParsedNode[] | undefined): NodeSettings["role"][] | undefined {
  const known = nodes?.map((n) => n.valid.role);
  return known?.every((role) => role !== undefined) ? known : undefined;
}

export const controlPlaneQuorum: Rule = ({ nodes, cluster, network, key }) => {
  const all = roles(nodes);
  if (all === undefined || all.length === 0) return [];
  const problems: ConfigProblem[] = [];
  const controlPlanes = all.filter((role) => role === "controlplane").length;
  if (controlPlanes === 0) {
    problems.push({ key: key("nodes"), message: 'no node has role "controlplane"; the first control plane bootstraps etcd' });
  }
  const { vip, endpoint } = cluster.valid;
  const sharedEndpointKnown = !cluster.invalid.has("vip") && !cluster.invalid.has("endpoint");
  if (controlPlanes > 1 && sharedEndpointKnown && vip === undefined && endpoint === undefined) {
    const where = network.valid.subnet === undefined ? "the node subnet" : parseCidr(network.valid.subnet).text;
    problems.push({
      key: key("cluster", ["vip"]),
      message: `${controlPlanes} control planes need a shared endpoint; set cluster.vip to a free address in ${where}`,
    });
  }
  if (controlPlanes > 0 && controlPlanes % 2 === 0) {
    problems.push({
      key: key("nodes"),
      message: `${controlPlanes} control planes survive no more failures than ${controlPlanes - 1} would (etcd needs a majority); use an odd number`,
    });
  }
  return problems;
};
