/**
 * Reading the gitops/ template repository the way Flux would: every YAML file
 * and document in it, what each kustomization.yaml pulls in, and a strict
 * unknown-field check against a CRD's openAPIV3Schema (ajv alone accepts any
 * extra field, where the API server would prune it silently).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";

import { parse as parseYaml, parseAllDocuments } from "yaml";

export const gitopsRoot = join(__dirname, "..", "..", "gitops");
const schemaDir = join(__dirname, "..", "fixtures", "schemas");

/** Every file under `root`, as sorted POSIX paths relative to it (dotfiles included). */
export function listFiles(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(root, path));
    else if (entry.isFile()) files.push(relative(root, path).split(sep).join("/"));
  }
  return files.sort();
}

export const isYaml = (file: string) => /\.ya?ml$/.test(file);
/** Plaintext secret templates: never applied, never referenced by a kustomization.yaml. */
export const isSecretTemplate = (file: string) => file.endsWith(".secret.example.yaml");
/** SOPS-encrypted files. `.sops.yaml` itself is the SOPS configuration, not one of them. */
export const isSopsFile = (file: string) => file.endsWith(".sops.yaml") && posix.basename(file) !== ".sops.yaml";
export const isKustomizeConfig = (file: string) => posix.basename(file) === "kustomization.yaml";

export interface Manifest {
  file: string;
  index: number;
  object: Record<string, unknown>;
}

export interface ParsedFile {
  file: string;
  errors: string[];
  documents: unknown[];
}

/** Parse every YAML file under the root, keeping per-file parse errors (multi-document aware). */
export function parseYamlFiles(root: string = gitopsRoot): ParsedFile[] {
  return listFiles(root)
    .filter(isYaml)
    .map((file) => {
      const docs = parseAllDocuments(readFileSync(join(root, file), "utf8"));
      const list = Array.isArray(docs) ? docs : [docs];
      const errors = list.flatMap((d) => d.errors.map((e) => `${file}: ${e.message}`));
      return { file, errors, documents: list.map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined) };
    });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The Kubernetes objects among the parsed documents (anything with apiVersion and kind). */
export function manifests(files: ParsedFile[]): Manifest[] {
  return files.flatMap(({ file, documents }) =>
    documents.flatMap((object, index) =>
      isObject(object) && typeof object["apiVersion"] === "string" && typeof object["kind"] === "string" ? [{ file, index, object }] : [],
    ),
  );
}

export const apiGroup = (apiVersion: unknown) =>
  typeof apiVersion === "string" && apiVersion.includes("/") ? apiVersion.split("/")[0] : "";

/**
 * The files a kustomization.yaml directory builds from, following directory
 * entries recursively, as paths relative to `root`. Problems (missing
 * entries, directories without kustomization.yaml, remote bases) are
 * collected instead of thrown.
 */
export function kustomizeInputs(root: string, dir: string): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const walk = (current: string, trail: string[]) => {
    const config = posix.join(current, "kustomization.yaml");
    if (!existsSync(join(root, config))) {
      problems.push(`${current}/ has no kustomization.yaml, so Flux would generate one that applies every YAML file in it`);
      return;
    }
    if (trail.includes(current)) {
      problems.push(`kustomization cycle: ${[...trail, current].join(" → ")}`);
      return;
    }
    files.push(config);
    const parsed = parseYaml(readFileSync(join(root, config), "utf8")) as unknown;
    if (!isObject(parsed)) {
      problems.push(`${config} is not a mapping`);
      return;
    }
    const resources = parsed["resources"] ?? [];
    if (!Array.isArray(resources)) {
      problems.push(`${config}: resources must be a list`);
      return;
    }
    for (const entry of resources) {
      if (typeof entry !== "string" || /^[a-z]+:\/\//.test(entry)) {
        problems.push(`${config}: ${JSON.stringify(entry)} is not a local path`);
        continue;
      }
      const target = posix.normalize(posix.join(current, entry));
      if (target.startsWith("..")) {
        problems.push(`${config}: ${entry} leaves the repository`);
      } else if (!existsSync(join(root, target))) {
        problems.push(`${config}: ${entry} does not exist`);
      } else if (statSync(join(root, target)).isDirectory()) {
        walk(target, [...trail, current]);
      } else {
        files.push(target);
      }
    }
  };
  walk(posix.normalize(dir.replace(/^\.\//, "")), []);
  return { files, problems };
}

interface CrdFile {
  spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
}

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

export function crdSchema(file: string, version: string): Schema {
  const crd = parseYaml(readFileSync(join(schemaDir, file), "utf8")) as CrdFile;
  const served = crd.spec.versions.find((v) => v.name === version);
  if (served === undefined) throw new Error(`${file} has no version ${version}`);
  return served.schema.openAPIV3Schema;
}

/**
 * Fields the schema does not declare, as JSON-pointer-like paths. This is what
 * `kubectl apply --validate=strict` reports and what the API server would
 * otherwise drop without a word (a typo such as `dependOn` would silently
 * remove an ordering guarantee).
 */
export function unknownFields(schema: Schema, value: unknown, path = ""): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"] === true) return [];
  if (Array.isArray(value)) {
    return schema.items === undefined ? [] : value.flatMap((item, i) => unknownFields(schema.items as Schema, item, `${path}/${i}`));
  }
  if (!isObject(value)) return [];
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const declared = schema.properties?.[key];
    if (declared !== undefined) {
      problems.push(...unknownFields(declared, child, `${path}/${key}`));
    } else if (isObject(schema.additionalProperties)) {
      problems.push(...unknownFields(schema.additionalProperties, child, `${path}/${key}`));
    } else if (schema.properties !== undefined && schema.additionalProperties !== true) {
      problems.push(`${path}/${key}`);
    }
  }
  return problems;
}
