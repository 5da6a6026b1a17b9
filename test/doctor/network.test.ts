/** The doctor's reminder that `pulumi up` runs from the provisioning network (docs/security.md). */
import { describe, expect, it } from "vitest";

import { singleNodeSettings } from "../../offline/fixtures";
import { checkProvisioningNetwork, localIpv4Addresses } from "../../scripts/doctor/network";
import { validFixture } from "../support/config";

describe("provisioning network check", async () => {
  const config = await validFixture();
  const withAdmin = await validFixture(
    (() => {
      const settings = singleNodeSettings();
      const cluster = settings["cluster"] as { network: Record<string, unknown> };
      cluster.network = { ...cluster.network, adminSubnets: ["10.20.0.0/16"] };
      return settings;
    })(),
  );

  it("passes on the node subnet and names the network", () => {
    expect(checkProvisioningNetwork(config.settings, ["172.17.0.2", "192.168.10.5"])).toEqual({
      name: "provisioning network",
      ok: true,
      detail: "this machine (192.168.10.5) is on 192.168.10.0/24, which the node firewalls admit",
    });
  });

  it("passes in an admin subnet", () => {
    expect(checkProvisioningNetwork(withAdmin.settings, ["10.20.3.4"]).ok).toBe(true);
  });

  it("fails elsewhere: the configs would cross an untrusted network, and the firewalls refuse it", () => {
    const result = checkProvisioningNetwork(withAdmin.settings, ["192.168.1.20"]);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(
      "this machine (192.168.1.20) is neither in the node subnet 192.168.10.0/24 nor in homelab:cluster.network.adminSubnets",
    );
    expect(result.fix).toContain("run pulumi up from a host on the node VLAN or an admin subnet");
    expect(checkProvisioningNetwork(config.settings, []).detail).toContain("this machine (no IPv4 address)");
  });

  it("reads this machine's addresses without loopback", () => {
    expect(localIpv4Addresses()).not.toContain("127.0.0.1");
  });
});
