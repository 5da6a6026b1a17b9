/** Subnet, gateway, VIP and node addresses agree with each other. */
import { ipv4ToNumber, parseCidr } from "../network";
import type { ConfigProblem, Rule } from "../parsed";

export const subnetHostBits: Rule = ({ network, key }) => {
  const { subnet } = network.valid;
  if (subnet === undefined) return [];
  const cidr = parseCidr(subnet);
  return cidr.network === ipv4ToNumber(subnet.split("/")[0] ?? "")
    ? []
    : [{ key: key("cluster", ["network", "subnet"]), message: `${subnet} has host bits set; did you mean ${cidr.text}?` }];
};

export const gatewayInSubnet: Rule = ({ network, key }) => {
  const { subnet, gateway } = network.valid;
  if (subnet === undefined || gateway === undefined) return [];
  const cidr = parseCidr(subnet);
  return cidr.contains(gateway)
    ? []
    : [{ key: key("cluster", ["network", "gateway"]), message: `${gateway} is outside the node subnet ${cidr.text}` }];
};

export const vipPlacement: Rule = ({ cluster, network, nodes, key, nodeRef }) => {
  const { vip } = cluster.valid;
  if (vip === undefined) return [];
  const problems: ConfigProblem[] = [];
  const { subnet } = network.valid;
  if (subnet !== undefined && !parseCidr(subnet).contains(vip)) {
    problems.push({
      key: key("cluster", ["vip"]),
      message: `${vip} is outside the node subnet ${parseCidr(subnet).text}; a Talos VIP must share the nodes' layer-2 network`,
    });
  }
  const clash = nodes?.find((n) => n.valid.address === vip);
  if (clash !== undefined) {
    problems.push({
      key: key("cluster", ["vip"]),
      message: `${vip} is also the address of ${nodeRef(clash.index)}; pick a free address for the VIP`,
    });
  }
  return problems;
};

export const nodeAddresses: Rule = ({ network, nodes = [], key }) => {
  const { subnet, gateway } = network.valid;
  const cidr = subnet === undefined ? undefined : parseCidr(subnet);
  return nodes.flatMap(({ index, valid: { address } }): ConfigProblem[] => {
    if (address === undefined) return [];
    const at = key("nodes", [index, "address"]);
    const problems: ConfigProblem[] = [];
    if (cidr !== undefined && !cidr.contains(address)) {
      problems.push({ key: at, message: `${address} is outside the node subnet ${cidr.text}` });
    } else if (cidr?.isNetworkOrBroadcast(address)) {
      problems.push({ key: at, message: `${address} is the network or broadcast address of ${cidr.text}` });
    }
    if (address === gateway) problems.push({ key: at, message: `${address} is the gateway's address` });
    return problems;
  });
};
