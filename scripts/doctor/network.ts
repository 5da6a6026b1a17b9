/**
 * Where `pulumi up` runs from. The Talos provider sends each node its config,
 * CA keys and secretbox key included, to whoever answers at the node's address,
 * first without verifying it (talosClientOp in pkg/talos/util.go,
 * siderolabs/terraform-provider-talos v0.11.0); and the node firewalls open the
 * Talos API only to the node subnet and `adminSubnets`. So this machine must
 * sit on one of those networks (docs/security.md, "An attacker on the LAN").
 */
import { networkInterfaces } from "node:os";

import { parseCidr } from "../../components/config/network";
import type { ValidConfig } from "../../components/config/validate";
import { type CheckResult, fail, pass } from "./types";

/** This machine's IPv4 addresses, loopback excluded. */
export function localIpv4Addresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === "IPv4" && !a.internal)
    .map((a) => a.address);
}

export function checkProvisioningNetwork(settings: ValidConfig["settings"], addresses: readonly string[]): CheckResult {
  const name = "provisioning network";
  const { network } = settings.cluster;
  const trusted = [network.subnet, ...network.adminSubnets].map(parseCidr);
  for (const address of addresses) {
    const inside = trusted.find((cidr) => cidr.contains(address));
    if (inside !== undefined) return pass(name, `this machine (${address}) is on ${inside.text}, which the node firewalls admit`);
  }
  return fail(
    name,
    `this machine (${addresses.join(", ") || "no IPv4 address"}) is neither in the node subnet ${parseCidr(network.subnet).text} nor in homelab:cluster.network.adminSubnets; pulumi up from here would send the nodes' configs, CA keys included, across a network the cluster does not trust, and the node firewalls refuse the Talos API from it`,
    "run pulumi up from a host on the node VLAN or an admin subnet, over a path no one else can take over (docs/security.md); add this network to homelab:cluster.network.adminSubnets only if it is yours alone",
  );
}
