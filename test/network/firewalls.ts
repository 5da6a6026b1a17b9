/**
 * The two firewalls in front of a node, evaluated the way their upstream code
 * builds them, over the documents and resource inputs the program generates.
 * Only NEW connections are modelled: both accept established/related traffic
 * before any rule.
 */
import { parseAllDocuments } from "yaml";

import type { ClusterNode, ValidConfig } from "../../components/config";
import { defaultPodSubnet } from "../../components/lib/firewall";
import { vmFirewall } from "../../components/proxmox/documents";
import { firewallPatch, renderPatch } from "../../components/talos/patches";

/** Talos's default service network (siderolabs/talos v1.13.9 pkg/machinery/constants/constants.go DefaultIPv4ServiceNet). */
const defaultServiceSubnet = "10.96.0.0/12";

export interface Packet {
  /** Source address as it reaches the firewall. */
  source: string;
  /** Destination address (a node's, or the VIP). */
  destination: string;
  protocol: "tcp" | "udp";
  port: number;
}

function ipv4(address: string): number {
  const parts = address.split(".").map(Number);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function inCidr(address: string, cidr: string): boolean {
  const [base, bits] = cidr.includes("/") ? cidr.split("/") : [cidr, "32"];
  const prefix = Number(bits);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (ipv4(address) & mask) === (ipv4(base!) & mask);
}

const inAny = (address: string, cidrs: readonly string[]) => cidrs.some((cidr) => inCidr(address, cidr));

interface TalosRule {
  name: string;
  protocol: string;
  ranges: [number, number][];
  subnets: string[];
  except: string[];
}

/** The Talos host firewall of one node, read back from the YAML patch the program sends. */
export interface TalosFirewall {
  node: ClusterNode;
  /** Addresses the node answers on: its own, and the VIP a control plane may hold. */
  addresses: string[];
  defaultAction: "accept" | "block" | undefined;
  rules: TalosRule[];
}

export function talosFirewall(config: ValidConfig, node: ClusterNode): TalosFirewall {
  const documents = parseAllDocuments(renderPatch(firewallPatch(node, config.settings.cluster.network, config.derived))).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
  const defaults = documents.find((d) => d["kind"] === "NetworkDefaultActionConfig");
  const rules = documents
    .filter((d) => d["kind"] === "NetworkRuleConfig")
    .map((d) => {
      const rule = d as {
        name: string;
        portSelector: { ports: (number | string)[]; protocol: string };
        ingress: { subnet: string; except?: string }[];
      };
      return {
        name: rule.name,
        protocol: rule.portSelector.protocol,
        // Talos accepts `2379` and `2379-2380` (pkg/machinery/config/types/network/port_range.go).
        ranges: rule.portSelector.ports.map((p): [number, number] => {
          const [lo, hi] = String(p).split("-").map(Number);
          return [lo!, hi ?? lo!];
        }),
        subnets: rule.ingress.map((i) => i.subnet),
        except: rule.ingress.flatMap((i) => (i.except === undefined ? [] : [i.except])),
      };
    });
  const vip = config.settings.cluster.vip;
  return {
    node,
    addresses: [node.address, ...(node.role === "controlplane" && vip !== undefined ? [vip] : [])],
    defaultAction: defaults?.["ingress"] as TalosFirewall["defaultAction"],
    rules,
  };
}

/**
 * The verdict of the Talos `ingress` chain (hook input) for a NEW packet, as
 * siderolabs/talos internal/app/machined/pkg/controllers/network/nftables_chain_config.go
 * builds it (read at commit 248c6047, the v1.13 line), default action block:
 * loopback accepted; ICMP accepted (rate-limited); pod/service CIDR to pod/service
 * CIDR accepted; then each NetworkRuleConfig (source subnets minus `except`,
 * protocol, destination ports) accepts; policy drop. The `prerouting` chain of
 * the same file drops the same NEW TCP/UDP packets addressed to the node before
 * routing, so its verdict is the same and is not modelled twice. With default
 * action accept and no rules, Talos builds no chain at all: everything passes.
 */
export function talosAccepts(firewall: TalosFirewall, packet: Packet): boolean {
  if (firewall.defaultAction !== "block") {
    // Default accept: rules DROP what does not match their subnets; with no rules nothing is filtered.
    return firewall.rules.every(
      (rule) =>
        rule.protocol !== packet.protocol ||
        !rule.ranges.some(([lo, hi]) => packet.port >= lo && packet.port <= hi) ||
        (inAny(packet.source, rule.subnets) && !inAny(packet.source, rule.except)),
    );
  }
  const cluster = [defaultPodSubnet, defaultServiceSubnet];
  if (inAny(packet.source, cluster) && inAny(packet.destination, cluster)) return true;
  return firewall.rules.some(
    (rule) =>
      rule.protocol === packet.protocol &&
      rule.ranges.some(([lo, hi]) => packet.port >= lo && packet.port <= hi) &&
      inAny(packet.source, rule.subnets) &&
      !inAny(packet.source, rule.except),
  );
}

/** The Proxmox VM firewall of one node, from the inputs of its three firewall resources. */
export interface ProxmoxFirewall {
  node: ClusterNode;
  enabled: boolean;
  inputPolicy: string;
  dhcp: boolean;
  ipfilter: boolean;
  /** The `ipfilter-net0` set: the addresses the VM may send from. */
  ipset: string[];
  rules: { type: string; action: string; proto: string; dports: [number, number][]; sources: string[] }[];
}

export function proxmoxFirewall(config: ValidConfig, node: ClusterNode): ProxmoxFirewall {
  const generated = vmFirewall(node, config.settings, config.derived);
  const options = generated.options as Record<string, unknown>;
  const rules = (generated.rules.rules as Record<string, string>[]).map((rule) => ({
    type: rule["type"]!,
    action: rule["action"]!,
    proto: rule["proto"]!,
    // pve-firewall port lists: comma-separated ports and `lo:hi` ranges (src/PVE/Firewall.pm parse_port_name_number_or_range).
    dports: rule["dport"]!.split(",").map((p): [number, number] => {
      const [lo, hi] = p.split(":").map(Number);
      return [lo!, hi ?? lo!];
    }),
    sources: rule["source"]!.split(","),
  }));
  return {
    node,
    enabled: options["enabled"] === true,
    inputPolicy: typeof options["inputPolicy"] === "string" ? options["inputPolicy"] : "DROP",
    dhcp: options["dhcp"] !== false,
    ipfilter: options["ipfilter"] === true,
    ipset: (generated.ipfilter.cidrs as { name: string }[]).map((c) => c.name),
    rules,
  };
}

/**
 * Inbound at the VM's tap device, as proxmox/pve-firewall src/PVE/Firewall.pm
 * (read at commit 6f1311f) builds the `tapX-IN` chain: a VM whose firewall
 * option is off gets an ACCEPT-everything chain (generate_tap_rules_direction,
 * `else` branch); otherwise the DHCP reply rule when `dhcp` is on
 * (ruleset_create_vm_chain), the VM's rules in order with their first match
 * deciding (ruleset_generate_vm_rules), then `policy_in` (default DROP).
 */
export function proxmoxAcceptsIn(firewall: ProxmoxFirewall, packet: Packet): boolean {
  if (!firewall.enabled) return true;
  for (const rule of firewall.rules) {
    if (rule.type !== "in") continue;
    if (rule.proto !== packet.protocol) continue;
    if (!rule.dports.some(([lo, hi]) => packet.port >= lo && packet.port <= hi)) continue;
    if (!inAny(packet.source, rule.sources)) continue;
    return rule.action === "ACCEPT";
  }
  return firewall.inputPolicy === "ACCEPT";
}

/**
 * Outbound from the sending VM: with `ipfilter` on, anything whose source is
 * not in the `ipfilter-net0` set is dropped (ruleset_create_vm_chain, OUT:
 * `-m set ! --match-set <ipfilter> src -j DROP`); policy_out is ACCEPT.
 */
export function proxmoxAcceptsOut(firewall: ProxmoxFirewall, source: string): boolean {
  if (!firewall.enabled || !firewall.ipfilter) return true;
  return firewall.ipset.some((entry) => inCidr(source, entry.includes("/") ? entry : `${entry}/32`));
}
