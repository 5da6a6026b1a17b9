/**
 * The stack config split into the parts that passed their own shape checks,
 * for the cross-field rules (`rules/`). A field that failed its check is left
 * out (its problem is already reported), so a typo or a bad value in one key
 * never hides the cross-field problems of the others.
 */
import type { z } from "zod";

import {
  backupSchema,
  type BackupSettings,
  clusterSchema,
  fluxSchema,
  networkSchema,
  nodeSchema,
  type NodeSettings,
  onePasswordSchema,
  proxmoxSchema,
  type SecretKey,
  type SecretValues,
  type Settings,
} from "./schema";

export const namespace = "homelab";

/**
 * The project's stack file, for stack homelab: as shipped it describes every key, with its default and
 * example values. The user edits it (and `pulumi config set` writes into it), so no test reads it.
 */
export const stackFile = "Pulumi.homelab.yaml";

export interface ConfigProblem {
  /** Full config key with its path, like `homelab:nodes[0].mac`; a node's name follows its path: `homelab:nodes[3].address (talos-wk-2)`. */
  key: string;
  message: string;
}

/** The fields of one config object that passed their own checks, and the names of those that did not. */
export interface Part<T> {
  valid: Partial<T>;
  /** Fields with a shape problem (already reported); an optional field absent from `valid` and not here is simply unset. */
  invalid: ReadonlySet<string>;
}

export interface ParsedNode extends Part<NodeSettings> {
  index: number;
}

export interface Parsed {
  proxmox: Part<Settings["proxmox"]>;
  cluster: Part<Settings["cluster"]>;
  /** `cluster.network` field by field. */
  network: Part<Settings["cluster"]["network"]>;
  /** Every listed node, field by field; undefined when `homelab:nodes` is not a list. */
  nodes: ParsedNode[] | undefined;
  flux: Part<Settings["flux"]>;
  /** The fields of the selected 1Password mode; undefined when the mode itself is wrong. */
  onePassword: Part<Settings["onePassword"]> | undefined;
  /** `homelab:backup` field by field; undefined when the block is not set. */
  backup: Part<BackupSettings> | undefined;
  /** The secrets that passed their checks. */
  secrets: Partial<SecretValues>;
  /** Whether a secret key is set at all (valid or not). */
  present: (key: SecretKey) => boolean;
  /** The full key of a path, with the node's name after a node path: `homelab:nodes[3].address (talos-wk-2)`. */
  key: (top: string, path?: readonly PropertyKey[]) => string;
  /** A node as messages name it: `nodes[3] (talos-wk-2)`. */
  nodeRef: (index: number) => string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Checks each field of an object schema on its own. */
export function part<T>(schema: z.ZodObject<Record<string, z.ZodType>>, input: unknown): Part<T> {
  const valid: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const [field, fieldSchema] of Object.entries(schema.shape)) {
    const result = isRecord(input) ? fieldSchema.safeParse(input[field]) : undefined;
    if (result?.success) valid[field] = result.data;
    else invalid.add(field);
  }
  return { valid: valid as Partial<T>, invalid };
}

/** Names of the listed nodes, where they are strings, for naming nodes in keys and messages. */
function nodeNames(nodes: unknown): (string | undefined)[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node: unknown) =>
    isRecord(node) && typeof node["name"] === "string" && node["name"] !== "" ? node["name"] : undefined,
  );
}

export function keyNamer(nodes: unknown): Pick<Parsed, "key" | "nodeRef"> {
  const names = nodeNames(nodes);
  const nodeRef = (index: number) => {
    const name = names[index];
    return name === undefined ? `nodes[${index}]` : `nodes[${index}] (${name})`;
  };
  const key = (top: string, path: readonly PropertyKey[] = []) => {
    const text = `${namespace}:${top}` + path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    const [index] = path;
    const name = top === "nodes" && typeof index === "number" ? names[index] : undefined;
    return name === undefined ? text : `${text} (${name})`;
  };
  return { key, nodeRef };
}

/** Splits the settings (`homelab:<key>` to parsed value) into checked parts. */
export function parseParts(values: Record<string, unknown>, secrets: Partial<SecretValues>, present: (key: SecretKey) => boolean): Parsed {
  const cluster = values["cluster"];
  const nodes = values["nodes"];
  const onePassword = values["onePassword"];
  const mode = isRecord(onePassword) ? onePassword["mode"] : undefined;
  const option = onePasswordSchema.options.find((o) => o.shape.mode.value === mode);
  return {
    proxmox: part(proxmoxSchema, values["proxmox"]),
    cluster: part(clusterSchema, cluster),
    network: part(networkSchema, isRecord(cluster) ? cluster["network"] : undefined),
    nodes: Array.isArray(nodes) ? nodes.map((node: unknown, index) => ({ index, ...part<NodeSettings>(nodeSchema, node) })) : undefined,
    flux: part(fluxSchema, values["flux"]),
    onePassword: option === undefined ? undefined : part(option, onePassword),
    backup: values["backup"] === undefined ? undefined : part(backupSchema, values["backup"]),
    secrets,
    present,
    ...keyNamer(nodes),
  };
}

/**
 * A rule that spans several keys. It sees only the parts that passed their
 * shape checks, so it must check that each field it reads is there.
 */
export type Rule = (config: Parsed) => ConfigProblem[];
