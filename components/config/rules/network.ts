/** Subnet, gateway, VIP and node addresses agree with each other. */
import { ipv4ToNumber, parseCidr } from "../network";
import type { ConfigProblem, Rule } from "../parsed";
import { ipv4Pattern } from "../schema";

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
  const at = key("cluster", ["network", "gateway"]);
  if (!cidr.contains(gateway)) return [{ key: at, message: `${gateway} is outside the node subnet ${cidr.text}` }];
  return cidr.isNetworkOrBroadcast(gateway)
    ? [{ key: at, message: `${gateway} is the network or broadcast address of ${cidr.text}; use the router's own address` }]
    : [];
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
  if (subnet !== undefined && parseCidr(subnet).isNetworkOrBroadcast(vip)) {
    problems.push({
      key: key("cluster", ["vip"]),
      message: `${vip} is the network or broadcast address of ${parseCidr(subnet).text}; pick a free host address for the VIP`,
    });
  }
  if (vip === network.valid.gateway) {
    problems.push({
      key: key("cluster", ["vip"]),
      message: `${vip} is also cluster.network.gateway; the VIP must be a free address, not the router's`,
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

/** Addresses that never answer DNS for a node: unspecified, loopback (the node itself), multicast, broadcast. */
function specialAddress(address: string): string | undefined {
  const first = Number(address.split(".")[0]);
  if (address === "0.0.0.0") return "the unspecified address";
  if (first === 127) return "a loopback address (the node itself, which runs no DNS server for the network)";
  if (first >= 224 && first <= 239) return "a multicast address";
  if (address === "255.255.255.255") return "the broadcast address";
  return undefined;
}

/** Each nameserver is a DNS server the nodes can reach: not the VIP, a node, or an address that is no host. */
export const nameserverAddresses: Rule = ({ cluster, network, nodes = [], key, nodeRef }) => {
  const { nameservers, subnet } = network.valid;
  if (nameservers === undefined) return [];
  const cidr = subnet === undefined ? undefined : parseCidr(subnet);
  const { vip } = cluster.valid;
  return nameservers.flatMap((address, index): ConfigProblem[] => {
    const at = key("cluster", ["network", "nameservers", index]);
    const special = specialAddress(address);
    if (special !== undefined) return [{ key: at, message: `${address} is ${special}; list a DNS server's address` }];
    if (nameservers.indexOf(address) < index) {
      return [{ key: at, message: `${address} is already listed as nameservers[${nameservers.indexOf(address)}]; list each server once` }];
    }
    if (cidr?.isNetworkOrBroadcast(address)) {
      return [{ key: at, message: `${address} is the network or broadcast address of ${cidr.text}; list a DNS server's address` }];
    }
    if (address === vip) {
      return [
        {
          key: at,
          message: `${address} is cluster.vip, which serves the Kubernetes API, not DNS; list your DNS server (often the gateway)`,
        },
      ];
    }
    const node = nodes.find((n) => n.valid.address === address);
    if (node !== undefined) {
      return [
        {
          key: at,
          message: `${address} is the address of ${nodeRef(node.index)}, which runs no DNS server; list your DNS server (often the gateway)`,
        },
      ];
    }
    return [];
  });
};

/**
 * An IPv4 cluster.endpoint must reach an API server: the VIP, a control plane, or a load balancer in front of
 * them; never a worker, the gateway or an address that is no host of the subnet.
 */
export const endpointAddress: Rule = ({ cluster, network, nodes = [], key, nodeRef }) => {
  const { endpoint } = cluster.valid;
  if (endpoint === undefined || !ipv4Pattern.test(endpoint)) return [];
  const at = key("cluster", ["endpoint"]);
  const { subnet, gateway } = network.valid;
  const cidr = subnet === undefined ? undefined : parseCidr(subnet);
  const special = specialAddress(endpoint);
  if (special !== undefined) return [{ key: at, message: `${endpoint} is ${special}; use the VIP or a control plane's address` }];
  if (cidr?.isNetworkOrBroadcast(endpoint)) {
    return [
      { key: at, message: `${endpoint} is the network or broadcast address of ${cidr.text}; use the VIP or a control plane's address` },
    ];
  }
  if (endpoint === gateway) {
    return [
      {
        key: at,
        message: `${endpoint} is also cluster.network.gateway, which runs no Kubernetes API; use the VIP or a control plane's address`,
      },
    ];
  }
  const worker = nodes.find((n) => n.valid.address === endpoint && n.valid.role === "worker");
  if (worker !== undefined) {
    return [
      {
        key: at,
        message: `${endpoint} is the address of ${nodeRef(worker.index)}, a worker, which runs no Kubernetes API; use the VIP or a control plane's address`,
      },
    ];
  }
  return [];
};
