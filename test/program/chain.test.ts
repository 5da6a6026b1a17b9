/**
 * The whole program's dependency graph, as the engine would see it: the chain
 * VM → Talos → Flux (+ sops-age) → ESO → Connect → store, with no cycle and
 * nothing of a later layer feeding an earlier one.
 */
import { describe, expect, it } from "vitest";

import { Graph } from "../../offline/graph";
import type { Registration } from "../../offline/harness";
import { invokes, runExample, types } from "../support/program";

const layerTypes = {
  proxmox: "homelab:proxmox:TalosMachines",
  talos: "homelab:talos:Cluster",
  flux: "homelab:flux:Flux",
  secrets: "homelab:secrets:ExternalSecrets",
} as const;

describe("the resource graph of the whole program", async () => {
  const run = await runExample();
  const graph = Graph.of(run);
  const vm = run.one(types.vm);
  const iso = run.one(types.iso);
  const schematic = run.one(types.schematic);
  const apply = run.one(types.apply);
  const bootstrap = run.one(types.bootstrap);
  const kubeconfig = run.one(types.kubeconfig);
  const kubernetes = run.one(types.kubernetesProvider);
  const sopsAge = run.one(types.secret, "sops-age");
  const fluxOperator = run.one(types.release, "flux-operator");
  const fluxInstance = run.one(types.fluxInstance);
  const eso = run.one(types.release, "external-secrets");
  const connect = run.one(types.release, "connect");
  const connectCredentials = run.one(types.secret, "connect-credentials");
  const token = run.one(types.secret, "eso-token");
  const store = run.one(types.clusterSecretStore);

  /** The layer a resource belongs to: the type of its nearest layer component. */
  const layerOf = (r: Registration): string | undefined => {
    if (Object.values(layerTypes).includes(r.type as never)) return r.type;
    return r.parent ? layerOf(run.byUrn(r.parent)) : undefined;
  };

  it("registers every layer, each as one component parenting its resources", () => {
    for (const type of Object.values(layerTypes)) expect(run.ofType(type), type).toHaveLength(1);
    const orphans = run.registrations.filter((r) => r.custom && layerOf(r) === undefined);
    expect(orphans.map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("is acyclic", () => {
    expect(graph.findCycle()).toBeUndefined();
  });

  it("detects a cycle when one is there (the check can fail)", () => {
    const [a, b] = [
      { ...vm, urn: "a", dependencies: ["b"], propertyDependencies: {}, provider: "" },
      { ...vm, urn: "b", dependencies: ["a"], propertyDependencies: {}, provider: "" },
    ];
    expect(new Graph([a, b]).findCycle()).toEqual(["a", "b", "a"]);
  });

  const chain: [string, () => Registration, () => Registration][] = [
    ["the ISO waits for the schematic it is built from", () => iso, () => schematic],
    ["the VM waits for its ISO", () => vm, () => iso],
    ["the config apply waits for its VM", () => apply, () => vm],
    ["bootstrap waits for the config apply", () => bootstrap, () => apply],
    ["the kubeconfig waits for bootstrap", () => kubeconfig, () => bootstrap],
    ["the Kubernetes provider is built from the kubeconfig", () => kubernetes, () => kubeconfig],
    ["flux-operator is installed through that provider", () => fluxOperator, () => kubernetes],
    ["the FluxInstance waits for the operator", () => fluxInstance, () => fluxOperator],
    ["the FluxInstance waits for the sops-age Secret", () => fluxInstance, () => sopsAge],
    ["ESO waits for the FluxInstance", () => eso, () => fluxInstance],
    ["1Password Connect waits for ESO", () => connect, () => eso],
    ["1Password Connect waits for its credentials Secret", () => connect, () => connectCredentials],
    ["the ClusterSecretStore waits for ESO (its CRDs and webhook)", () => store, () => eso],
    ["the ClusterSecretStore waits for Connect", () => store, () => connect],
    ["the ClusterSecretStore waits for its token Secret", () => store, () => token],
  ];
  it.each(chain)("%s", (_, later, earlier) => {
    expect(graph.waitsFor(later(), earlier())).toBe(true);
    expect(graph.waitsFor(earlier(), later())).toBe(false);
  });

  it("waits for cluster health between bootstrap and the kubeconfig", () => {
    const [health] = run.invokes.filter((i) => i.token === invokes.health);
    expect(health).toBeDefined();
    // The mock health check answers after a delay, so only a real wait puts the kubeconfig after it.
    expect(health!.seq).toBeGreaterThan(bootstrap.doneSeq);
    expect(health!.seq).toBeGreaterThan(apply.doneSeq);
    expect(kubeconfig.seq).toBeGreaterThan(health!.doneSeq);
    expect(health!.args).toMatchObject({ controlPlaneNodes: ["192.168.10.41"], endpoints: ["192.168.10.41"], workerNodes: [] });
  });

  it("no resource of an earlier layer waits for a later layer", () => {
    const order = [layerTypes.proxmox, layerTypes.talos, layerTypes.flux, layerTypes.secrets];
    for (const r of run.registrations.filter((x) => x.custom)) {
      const layer = order.indexOf(layerOf(r) as (typeof order)[number]);
      for (const ancestor of graph.ancestors(r.urn)) {
        const ancestorLayer = order.indexOf(layerOf(run.byUrn(ancestor)) as (typeof order)[number]);
        expect(ancestorLayer, `${r.name} (layer ${layer}) waits for ${ancestor}`).toBeLessThanOrEqual(layer);
      }
    }
  });

  it("no secret of layers 0-2 comes from ESO: they are set from the stack config", () => {
    const fluxSecrets = run.ofType(types.secret).filter((s) => layerOf(s) === layerTypes.flux);
    expect(fluxSecrets.map((s) => s.name)).toEqual(["flux-sops-age"]);
    for (const s of fluxSecrets) {
      expect([...graph.ancestors(s.urn)].some((a) => layerOf(run.byUrn(a)) === layerTypes.secrets)).toBe(false);
    }
    expect(sopsAge.inputs["stringData"]).toEqual({ "age.agekey": run.secrets.sopsAgeKey });
  });
});
