/** Values derived once in the config layer: endpoint, bootstrap node, certificate names. */
import { describe, expect, it } from "vitest";

import { multiNodeSettings, type Settings, singleNodeSettings } from "../../offline/fixtures";
import { validFixture } from "../support/config";

const withCluster = (base: Settings, patch: Record<string, unknown>): Settings => ({
  ...base,
  cluster: { ...(base["cluster"] as object), ...patch },
});

describe("derived config values", () => {
  it("one control plane: the endpoint is its address", async () => {
    const { derived } = await validFixture(singleNodeSettings());
    expect(derived).toMatchObject({
      endpointHost: "192.168.10.41",
      clusterEndpoint: "https://192.168.10.41:6443",
      certSans: ["192.168.10.41"],
    });
    expect(derived.workers).toEqual([]);
  });

  it("several control planes: the VIP is the endpoint and every control plane is in the certificates", async () => {
    const { derived } = await validFixture(multiNodeSettings(5));
    expect(derived.clusterEndpoint).toBe("https://192.168.10.40:6443");
    expect(derived.certSans).toEqual(["192.168.10.40", "192.168.10.41", "192.168.10.42", "192.168.10.43"]);
    expect(derived.controlPlanes.map((n) => n.name)).toEqual(["talos-cp-1", "talos-cp-2", "talos-cp-3"]);
    expect(derived.workers.map((n) => n.name)).toEqual(["talos-worker-1", "talos-worker-2"]);
  });

  it("an explicit endpoint wins over the VIP, and both stay in the certificates", async () => {
    const { derived } = await validFixture(withCluster(multiNodeSettings(3), { endpoint: "k8s.example.lan" }));
    expect(derived.clusterEndpoint).toBe("https://k8s.example.lan:6443");
    expect(derived.certSans.slice(0, 2)).toEqual(["k8s.example.lan", "192.168.10.40"]);
  });

  it("bootstraps the first control plane even when workers are listed before it", async () => {
    const settings = multiNodeSettings(4);
    settings["nodes"] = [...(settings["nodes"] as object[])].reverse();
    const { derived } = await validFixture(settings);
    expect(derived.bootstrapNode.name).toBe("talos-cp-3");
    expect(derived.bootstrapNode.role).toBe("controlplane");
  });

  it("fills each node's Proxmox host from proxmox.node when it names none", async () => {
    const { settings } = await validFixture(singleNodeSettings());
    expect(settings.nodes[0]?.proxmoxNode).toBe("pve");
  });
});
