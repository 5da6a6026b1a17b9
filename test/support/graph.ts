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
   * Longest path by summed cost, following dependencies: the earliest the
   * last resource could finish if everything else ran as early as it can.
   */
  criticalPath(cost: (r: Registration) => number): { total: number; path: Registration[] } {
    const byUrn = new Map(this.nodes.map((r) => [r.urn, r]));
    const memo = new Map<string, { total: number; path: Registration[] }>();
    const finish = (urn: string): { total: number; path: Registration[] } => {
      const known = memo.get(urn);
      if (known) return known;
      const node = byUrn.get(urn);
      let best = { total: 0, path: [] as Registration[] };
      for (const dep of this.edges.get(urn) ?? []) {
        const candidate = finish(dep);
        if (candidate.total > best.total) best = candidate;
      }
      const result = node ? { total: best.total + cost(node), path: [...best.path, node] } : best;
      memo.set(urn, result);
      return result;
    };
    let best = { total: 0, path: [] as Registration[] };
    for (const urn of this.edges.keys()) {
      const candidate = finish(urn);
      if (candidate.total > best.total) best = candidate;
    }
    return best;
  }
}
