/**
 * Pure validation of the raw `homelab` config, in one pass: the shape of every
 * key, and the rules that span several keys (`rules/`) over every part that
 * passed its shape checks; then the values derived from them. Every problem is
 * collected and reported at once in a single ConfigError.
 */
import { describeIssue, placeAt, sameKeyOtherCase, unknownKeyMessage } from "./messages";
import { type Cidr, parseCidr } from "./network";
import { type ConfigProblem, keyNamer, namespace, parseParts, stackFile } from "./parsed";
import { crossFieldRules } from "./rules";
import { type NodeSettings, type SecretKey, secretKeys, secretSchemas, type SecretValues, type Settings, settingsSchema } from "./schema";

export { type ConfigProblem, namespace, stackFile } from "./parsed";
export { credentialsFileProblem, knownHostsProblem } from "./rules";

export class ConfigError extends Error {
  /** `file`: the stack file the problems are in, named in the closing line (the program knows its stack, plan its --config). */
  constructor(
    readonly problems: ConfigProblem[],
    readonly file?: string,
  ) {
    super(
      [
        `The ${namespace} stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:`,
        ...problems.map((p) => `  - ${p.key}: ${p.message}`),
        `Fix them in ${file ?? "the stack file"}; set secrets with \`pulumi config set --secret <key>\` (it prompts, or reads standard input: never the value on the command line). ${stackFile} as shipped describes every key.`,
      ].join("\n"),
    );
    this.name = "ConfigError";
  }

  /** The same problems, the closing line naming `file`. */
  inFile(file: string): ConfigError {
    return new ConfigError(this.problems, file);
  }
}

/** Raw config as the Pulumi engine hands it over: `namespace:key` to string. */
export type RawConfig = Record<string, string>;

export interface ClusterNode extends NodeSettings {
  proxmoxNode: string;
}

export interface Derived {
  subnet: Cidr;
  controlPlanes: ClusterNode[];
  workers: ClusterNode[];
  /** The control plane etcd is bootstrapped on, exactly once. */
  bootstrapNode: ClusterNode;
  /** Host the Kubernetes and Talos APIs are reached on (VIP, explicit endpoint or the single control plane). */
  endpointHost: string;
  /** `https://<endpointHost>:6443`. */
  clusterEndpoint: string;
  /** Extra names the API server certificate must carry. */
  certSans: string[];
}

export interface ValidConfig {
  settings: Omit<Settings, "nodes"> & { nodes: ClusterNode[] };
  secrets: SecretValues;
  derived: Derived;
}

function parseValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

function derive(settings: ValidConfig["settings"]): Derived {
  const { cluster, nodes } = settings;
  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const workers = nodes.filter((n) => n.role === "worker");
  const [bootstrapNode] = controlPlanes;
  if (bootstrapNode === undefined) throw new Error("derive() needs a validated config with a control plane");
  const endpointHost = cluster.endpoint ?? cluster.vip ?? bootstrapNode.address;
  const certSans = [...new Set([endpointHost, ...(cluster.vip ? [cluster.vip] : []), ...controlPlanes.map((n) => n.address)])];
  return {
    subnet: parseCidr(cluster.network.subnet),
    controlPlanes,
    workers,
    bootstrapNode,
    endpointHost,
    clusterEndpoint: `https://${endpointHost}:6443`,
    certSans,
  };
}

/**
 * Validates the raw config and returns typed settings, plaintext secrets and
 * derived values; throws one ConfigError naming every problem otherwise.
 * `isStoredSecret` tells whether the engine holds a key encrypted.
 */
export function validateConfig(raw: RawConfig, isStoredSecret: (key: string) => boolean): ValidConfig {
  const problems: ConfigProblem[] = [];
  const settingKeys = Object.keys(settingsSchema.shape);
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const [ns, name] = key.split(":", 2) as [string, string | undefined];
    if (ns !== namespace || name === undefined) continue;
    if (settingKeys.includes(name)) values[name] = parseValue(value);
    else if (!(secretKeys as string[]).includes(name)) {
      const meant = sameKeyOtherCase(name, [...settingKeys, ...secretKeys]);
      problems.push({
        key,
        message:
          meant === undefined
            ? `is not a setting of this program; the keys are ${[...settingKeys, ...secretKeys].join(", ")}`
            : `is not a setting of this program; did you mean ${namespace}:${meant}? (keys are case-sensitive)`,
      });
    }
  }
  const { key } = keyNamer(values["nodes"]);

  const secrets: Partial<Record<SecretKey, string>> = {};
  for (const name of secretKeys) {
    const value = raw[key(name)];
    const result = secretSchemas[name].safeParse(value, { reportInput: true });
    if (!result.success) {
      problems.push(
        ...result.error.issues.map((issue) => ({
          key: key(name),
          message: value === undefined ? `is required; set it with \`pulumi config set --secret ${key(name)} …\`` : describeIssue(issue),
        })),
      );
      continue;
    }
    if (value !== undefined && !isStoredSecret(key(name))) {
      problems.push({
        key: key(name),
        message: `is stored in plaintext; set it again with \`pulumi config set --secret ${key(name)} …\``,
      });
    }
    if (result.data !== undefined) secrets[name] = result.data;
  }

  const parsed = settingsSchema.safeParse(values, { reportInput: true });
  for (const issue of parsed.error?.issues ?? []) {
    const [top, ...rest] = issue.path;
    if (issue.code === "unrecognized_keys" && top !== undefined) {
      for (const unknown of issue.keys) {
        problems.push({
          key: key(String(top), [...rest, unknown]),
          message: unknownKeyMessage(unknown, placeAt(settingsSchema, issue.path, values), String(top)),
        });
      }
    } else {
      problems.push({ key: top === undefined ? namespace : key(String(top), rest), message: describeIssue(issue) });
    }
  }

  const parts = parseParts(values, secrets, (name) => raw[key(name)] !== undefined);
  problems.push(...crossFieldRules.flatMap((rule) => rule(parts)));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const settings: ValidConfig["settings"] = {
    ...parsed.data,
    nodes: parsed.data.nodes.map((n) => ({ ...n, proxmoxNode: n.proxmoxNode ?? parsed.data.proxmox.node })),
  };
  return { settings, secrets: secrets as SecretValues, derived: derive(settings) };
}
