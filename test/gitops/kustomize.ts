/**
 * The real `kubectl kustomize` (kustomize v5 built into kubectl) run over a
 * gitops/ directory, once per directory per test process: the builds are the
 * slow part of the gitops tests, so every test reads the cached result.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

import { parseAllDocuments } from "yaml";

import { gitopsRoot, isObject } from "./manifests";

export type Build = { ok: true; objects: Record<string, unknown>[] } | { ok: false; error: string };

const cache = new Map<string, Build>();

/** `kubectl kustomize <root>/<dir>`, parsed; an error carries kustomize's own message. */
export function kustomizeBuild(dir: string, root: string = gitopsRoot): Build {
  const key = join(root, dir);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  let result: Build;
  try {
    const output = execFileSync("kubectl", ["kustomize", key], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const objects = parseAllDocuments(output)
      .map((d) => d.toJS() as unknown)
      .filter(isObject);
    result = { ok: true, objects };
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    result = { ok: false, error: typeof stderr === "string" && stderr !== "" ? stderr.trim() : String(error) };
  }
  cache.set(key, result);
  return result;
}

/** `Kind/namespace/name` (namespace empty when cluster-scoped), for comparing object sets. */
export function objectId(object: Record<string, unknown>): string {
  const metadata = (isObject(object["metadata"]) ? object["metadata"] : {}) as { name?: string; namespace?: string };
  return `${String(object["kind"])}/${metadata.namespace ?? ""}/${metadata.name ?? ""}`;
}
