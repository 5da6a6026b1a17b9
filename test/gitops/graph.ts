/**
 * Pure helpers over a Flux `dependsOn` graph: node → the nodes it depends on.
 * Kept free of I/O so the tests can feed them synthetic graphs and prove that
 * each check actually fails when it should.
 */

export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/** One message per dependsOn entry naming a node that is not in the graph. */
export function missingDependencies(graph: DependencyGraph): string[] {
  const problems: string[] = [];
  for (const [node, deps] of graph) {
    for (const dep of deps) {
      if (!graph.has(dep)) problems.push(`${node} depends on ${dep}, which does not exist`);
    }
  }
  return problems;
}

export type TopologicalResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

/**
 * Dependencies before dependents, or the first cycle found, written as a
 * closed path (`a → b → a`). Missing targets are ignored here; see
 * missingDependencies.
 */
export function topologicalOrder(graph: DependencyGraph): TopologicalResult {
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const stack: string[] = [];

  const visit = (node: string): string[] | undefined => {
    const seen = state.get(node);
    if (seen === "done") return undefined;
    if (seen === "visiting") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "visiting");
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (!graph.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    order.push(node);
    return undefined;
  };

  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle !== undefined) return { ok: false, cycle };
  }
  return { ok: true, order };
}

/** Shortest dependsOn path from `from` to the first node satisfying `target`, both ends included. */
export function pathTo(graph: DependencyGraph, from: string, target: (node: string) => boolean): string[] | undefined {
  const previous = new Map<string, string | undefined>([[from, undefined]]);
  const queue = [from];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    if (node !== from && target(node)) {
      const path = [node];
      for (let step = previous.get(node); step !== undefined; step = previous.get(step)) path.unshift(step);
      return path;
    }
    for (const dep of graph.get(node) ?? []) {
      if (!previous.has(dep)) {
        previous.set(dep, node);
        queue.push(dep);
      }
    }
  }
  return undefined;
}

/** Every node reachable through dependsOn from `node`, not including `node` itself (unless on a cycle). */
export function transitiveDependencies(graph: DependencyGraph, node: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(graph.get(node) ?? [])];
  while (queue.length > 0) {
    const dep = queue.shift() as string;
    if (seen.has(dep)) continue;
    seen.add(dep);
    queue.push(...(graph.get(dep) ?? []));
  }
  return seen;
}

/**
 * The layering rule as a check: none of `protectedNodes` may be forbidden
 * itself or depend, directly or transitively, on a forbidden node. One
 * message per protected node in violation, naming the offending path.
 */
export function layeringViolations(
  graph: DependencyGraph,
  protectedNodes: Iterable<string>,
  isForbidden: (node: string) => boolean,
): string[] {
  const problems: string[] = [];
  for (const node of protectedNodes) {
    if (isForbidden(node)) {
      problems.push(`${node} itself is forbidden for this layer`);
      continue;
    }
    const path = pathTo(graph, node, isForbidden);
    if (path !== undefined) problems.push(`${path.join(" → ")} (${path[path.length - 1]} is forbidden for ${node})`);
  }
  return problems;
}
