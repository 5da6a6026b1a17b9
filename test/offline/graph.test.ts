/** offline/graph.ts: the engine's ordering edges, ancestry, cycles and the critical path. */
import { describe, expect, it } from "vitest";

import { Graph, providerUrn } from "../../offline/graph";
import { registration } from "./registration";

const urn = (name: string) => `urn:pulumi:homelab::homelab::test:index:Thing::${name}`;

describe("Graph", () => {
  const provider = registration({ urn: urn("provider"), type: "pulumi:providers:test" });
  const a = registration({ urn: urn("a"), provider: `${urn("provider")}::0c1d` });
  const b = registration({ urn: urn("b"), dependencies: [urn("a")], parent: urn("c") });
  const c = registration({ urn: urn("c"), propertyDependencies: { input: [urn("b")] } });
  const graph = new Graph([provider, a, b, c]);

  it("takes dependencies, property dependencies and the provider as edges, never the parent", () => {
    expect(providerUrn(`${urn("provider")}::0c1d`)).toBe(urn("provider"));
    expect([...(graph.edges.get(urn("a")) ?? [])]).toEqual([urn("provider")]);
    expect([...(graph.edges.get(urn("b")) ?? [])]).toEqual([urn("a")]);
    expect([...(graph.edges.get(urn("c")) ?? [])]).toEqual([urn("b")]);
  });

  it("follows edges transitively", () => {
    expect([...graph.ancestors(urn("c"))].sort()).toEqual([urn("a"), urn("b"), urn("provider")].sort());
    expect(graph.waitsFor(c, a)).toBe(true);
    expect(graph.waitsFor(a, c)).toBe(false);
  });

  it("finds a cycle, and none in a DAG", () => {
    expect(graph.findCycle()).toBeUndefined();
    const looped = new Graph([{ ...a, dependencies: [urn("c")] }, b, c]);
    const cycle = looped.findCycle() ?? [];
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set([urn("a"), urn("b"), urn("c")]));
  });

  it("schedules each resource after the slowest thing it waits for", () => {
    const cost = (r: { name: string }) => ({ provider: 1, a: 10, b: 5, c: 2 })[r.name] ?? 0;
    const schedule = graph.schedule(cost);
    expect(schedule.get(urn("c"))?.finish).toBe(18);
    const critical = graph.criticalPath(cost);
    expect(critical.total).toBe(18);
    expect(critical.path.map((r) => r.name)).toEqual(["provider", "a", "b", "c"]);
  });
});
