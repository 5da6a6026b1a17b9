/**
 * The dependency graph the engine would build from the recorded registrations:
 * a resource waits for its `dependencies`, its property dependencies and its
 * provider. Parent links are not ordering edges.
 */
import type { ProgramRun, Registration } from "./harness";

/** The URN part of a provider reference `urn::id`. */
export function providerUrn(reference: string): string {
  const cut = reference.lastIndexOf("::");
  return cut < 0 ? reference : reference.slice(0, cut);
}

export class Graph {
  /** Direct dependencies of each URN. */
  readonly edges = new Map<string, Set<string>>();
  readonly nodes: Registration[];

  constructor(registrations: Registration[]) {
    this.nodes = registrations;
    for (const r of registrations) {
      const deps = new Set([...r.dependencies, ...Object.values(r.propertyDependencies).flat()]);
      if (r.provider) deps.add(providerUrn(r.provider));
      deps.delete(r.urn);
      this.edges.set(r.urn, deps);
    }
  }

  static of(run: ProgramRun): Graph {
    return new Graph(run.registrations);
  }

  /** Everything `urn` waits for, directly or through others. */
  ancestors(urn: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...(this.edges.get(urn) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(this.edges.get(next) ?? []));
    }
    return seen;
  }

  /** True when `later` waits, directly or transitively, for `earlier`. */
  waitsFor(later: Registration, earlier: Registration): boolean {
    return this.ancestors(later.urn).has(earlier.urn);
  }

  /** A cycle as a list of URNs, or undefined when the graph is acyclic. */
  findCycle(): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (urn: string): string[] | undefined => {
      if (state.get(urn) === "done") return undefined;
      if (state.get(urn) === "open") return [...path.slice(path.indexOf(urn)), urn];
      state.set(urn, "open");
      path.push(urn);
      for (const dep of this.edges.get(urn) ?? []) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
      path.pop();
      state.set(urn, "done");
      return undefined;
    };
    for (const urn of this.edges.keys()) {
      const cycle = visit(urn);
      if (cycle) return cycle;
    }
    return undefined;
  }

  /**
   * Earliest finish of every resource if each starts as soon as everything it
   * waits for has finished: the longest path to it by summed cost.
   */
  schedule(cost: (r: Registration) => number): Map<string, { finish: number; path: Registration[] }> {
    const byUrn = new Map(this.nodes.map((r) => [r.urn, r]));
    const memo = new Map<string, { finish: number; path: Registration[] }>();
    const visit = (urn: string): { finish: number; path: Registration[] } => {
      const known = memo.get(urn);
      if (known) return known;
      let latest = { finish: 0, path: [] as Registration[] };
      for (const dep of this.edges.get(urn) ?? []) {
        const candidate = visit(dep);
        if (candidate.finish > latest.finish) latest = candidate;
      }
      const node = byUrn.get(urn);
      const result = node ? { finish: latest.finish + cost(node), path: [...latest.path, node] } : latest;
      memo.set(urn, result);
      return result;
    };
    for (const urn of this.edges.keys()) visit(urn);
    return memo;
  }

  /** The longest path by summed cost: the earliest the whole graph can be done. */
  criticalPath(cost: (r: Registration) => number): { total: number; path: Registration[] } {
    let best = { total: 0, path: [] as Registration[] };
    for (const { finish, path } of this.schedule(cost).values()) {
      if (finish > best.total) best = { total: finish, path };
    }
    return best;
  }
}
