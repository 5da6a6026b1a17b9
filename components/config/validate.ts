/**
 * Pure validation of the raw `homelab` config: shape first, then the rules that
 * span several keys, then the values derived from them. Every problem is
 * collected and reported at once in a single ConfigError.
 */
import type { z } from "zod";

import { type Cidr, ipv4ToNumber, parseCidr } from "./network";
import {
  base64Pattern,
  type NodeSettings,
  type SecretKey,
  secretKeys,
  secretSchemas,
  type SecretValues,
  type Settings,
  settingsSchema,
} from "./schema";
import { versionProblems } from "./versions";

export const namespace = "homelab";

export interface ConfigProblem {
  /** Full config key with its path, like `homelab:nodes[0].mac`. */
  key: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      [
        `The ${namespace} stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:`,
        ...problems.map((p) => `  - ${p.key}: ${p.message}`),
        "Fix them in Pulumi.<stack>.yaml or with `pulumi config set` (`--secret` for secrets); every key is described in Pulumi.homelab.yaml.",
      ].join("\n"),
    );
    this.name = "ConfigError";
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

const fullKey = (key: string, path: readonly PropertyKey[] = []) =>
  `${namespace}:${key}` + path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");

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

/** Zod's own wording for the checks that carry no message of ours. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    if (issue.message.includes("received undefined"))
      return `is required (expected ${issue.expected}); see Pulumi.homelab.yaml for an example`;
    return issue.expected === "boolean" ? "must be true or false" : `must be a ${issue.expected}`;
  }
  if (issue.code === "too_small" && issue.origin === "string") return "must not be empty";
  return issue.message;
}

function duplicates<T>(nodes: ClusterNode[], pick: (n: ClusterNode) => T): Map<T, number[]> {
  const seen = new Map<T, number[]>();
  nodes.forEach((node, index) => seen.set(pick(node), [...(seen.get(pick(node)) ?? []), index]));
  return new Map([...seen].filter(([, indexes]) => indexes.length > 1));
}

/** Subnet, gateway, VIP and Talos version. */
function clusterProblems({ cluster, nodes }: ValidConfig["settings"]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const subnet = parseCidr(cluster.network.subnet);

  if (subnet.network !== ipv4ToNumber(cluster.network.subnet.split("/")[0] ?? "")) {
    problems.push({
      key: fullKey("cluster", ["network", "subnet"]),
      message: `${cluster.network.subnet} has host bits set; did you mean ${subnet.text}?`,
    });
  }
  const outsideSubnet = (address: string) => !subnet.contains(address);
  if (outsideSubnet(cluster.network.gateway)) {
    problems.push({
      key: fullKey("cluster", ["network", "gateway"]),
      message: `${cluster.network.gateway} is outside the node subnet ${subnet.text}`,
    });
  }
  if (cluster.vip !== undefined) {
    if (outsideSubnet(cluster.vip)) {
      problems.push({
        key: fullKey("cluster", ["vip"]),
        message: `${cluster.vip} is outside the node subnet ${subnet.text}; a Talos VIP must share the nodes' layer-2 network`,
      });
    }
    const clash = nodes.findIndex((n) => n.address === cluster.vip);
    if (clash >= 0) {
      problems.push({
        key: fullKey("cluster", ["vip"]),
        message: `${cluster.vip} is also the address of nodes[${clash}]; pick a free address for the VIP`,
      });
    }
  }
  for (const { field, message } of versionProblems(cluster.talosVersion, cluster.kubernetesVersion)) {
    problems.push({ key: fullKey("cluster", [field]), message });
  }
  return problems;
}

/** Each node inside the subnet, unique names, ids, MACs and addresses, and a workable set of control planes. */
function nodeProblems({ cluster, nodes }: ValidConfig["settings"]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const subnet = parseCidr(cluster.network.subnet);
  const outsideSubnet = (address: string) => !subnet.contains(address);
  nodes.forEach((node, index) => {
    if (outsideSubnet(node.address)) {
      problems.push({ key: fullKey("nodes", [index, "address"]), message: `${node.address} is outside the node subnet ${subnet.text}` });
    } else if (subnet.isNetworkOrBroadcast(node.address)) {
      problems.push({
        key: fullKey("nodes", [index, "address"]),
        message: `${node.address} is the network or broadcast address of ${subnet.text}`,
      });
    }
    if (node.address === cluster.network.gateway) {
      problems.push({ key: fullKey("nodes", [index, "address"]), message: `${node.address} is the gateway's address` });
    }
    const firstOctet = Number.parseInt(node.mac.slice(0, 2), 16);
    if ((firstOctet & 1) === 1) {
      problems.push({
        key: fullKey("nodes", [index, "mac"]),
        message: `${node.mac} is a multicast MAC; the first byte must be even (Proxmox uses BC:24:11:…)`,
      });
    }
  });

  const unique: [keyof NodeSettings, (n: ClusterNode) => string | number, string][] = [
    ["name", (n) => n.name, "node names"],
    ["vmId", (n) => n.vmId, "Proxmox VM ids are cluster-wide"],
    ["mac", (n) => n.mac.toUpperCase(), "each VM needs its own MAC"],
    ["address", (n) => n.address, "each node needs its own address"],
  ];
  for (const [field, pick, why] of unique) {
    for (const [value, indexes] of duplicates(nodes, pick)) {
      const [, ...later] = indexes;
      for (const index of later) {
        problems.push({
          key: fullKey("nodes", [index, field]),
          message: `${JSON.stringify(value)} is already used by nodes[${indexes[0]}] (${why}); pick another`,
        });
      }
    }
  }

  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  if (controlPlanes.length === 0) {
    problems.push({ key: fullKey("nodes"), message: 'no node has role "controlplane"; the first control plane bootstraps etcd' });
  }
  if (controlPlanes.length > 1 && cluster.vip === undefined && cluster.endpoint === undefined) {
    problems.push({
      key: fullKey("cluster", ["vip"]),
      message: `${controlPlanes.length} control planes need a shared endpoint; set cluster.vip to a free address in ${subnet.text}`,
    });
  }
  if (controlPlanes.length > 0 && controlPlanes.length % 2 === 0) {
    problems.push({
      key: fullKey("nodes"),
      message: `${controlPlanes.length} control planes survive no more failures than ${controlPlanes.length - 1} would (etcd needs a majority); use an odd number`,
    });
  }
  return problems;
}

/** The secrets of exactly one 1Password mode, distinct vaults, a readable credentials file, a Git token only for HTTPS. */
function secretProblems(
  { onePassword, flux }: ValidConfig["settings"],
  secrets: Partial<SecretValues>,
  present: (key: SecretKey) => boolean,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  const required = (key: SecretKey, mode: string) => {
    if (!present(key)) {
      problems.push({
        key: fullKey(key),
        message: `is required with onePassword.mode "${mode}"; set it with \`pulumi config set --secret ${fullKey(key)} …\``,
      });
    }
  };
  const forbidden = (key: SecretKey, mode: string, other: string) => {
    if (present(key)) {
      problems.push({
        key: fullKey(key),
        message: `belongs to onePassword.mode "${other}" but the mode is "${mode}"; the two modes are exclusive, so remove it with \`pulumi config rm ${fullKey(key)}\``,
      });
    }
  };
  switch (onePassword.mode) {
    case "connect":
      required("onePasswordCredentials", "connect");
      required("onePasswordConnectToken", "connect");
      forbidden("onePasswordServiceAccountToken", "connect", "sdk");
      break;
    case "sdk":
      required("onePasswordServiceAccountToken", "sdk");
      forbidden("onePasswordCredentials", "sdk", "connect");
      forbidden("onePasswordConnectToken", "sdk", "connect");
      break;
    default: {
      const exhaustive: never = onePassword;
      throw new Error(`unhandled 1Password mode ${JSON.stringify(exhaustive)}`);
    }
  }
  if (onePassword.mode === "connect") {
    const repeated = onePassword.vaults.filter((vault, index) => onePassword.vaults.indexOf(vault) !== index);
    for (const vault of new Set(repeated)) {
      problems.push({
        key: fullKey("onePassword", ["vaults"]),
        message: `vault ${JSON.stringify(vault)} is listed more than once; each vault gets one priority`,
      });
    }
  }
  if (present("fluxGitToken") && !flux.url.startsWith("https://")) {
    problems.push({
      key: fullKey("fluxGitToken"),
      message: `is an HTTPS token but flux.url is ${flux.url}; use an https:// URL, or remove the token and give Flux an SSH deploy key`,
    });
  }
  problems.push(...sshProblems(flux, present));
  if (secrets.onePasswordCredentials !== undefined) {
    const problem = credentialsFileProblem(secrets.onePasswordCredentials);
    if (problem) problems.push({ key: fullKey("onePasswordCredentials"), message: problem });
  }
  return problems;
}

/**
 * An ssh:// URL needs the deploy key and the server's host keys: source-controller refuses SSH without
 * `identity` and `known_hosts` (fluxcd/pkg git/options.go, AuthOptions.Validate); an https:// URL uses neither.
 */
function sshProblems(flux: Settings["flux"], present: (key: SecretKey) => boolean): ConfigProblem[] {
  const keyName = fullKey("fluxSshKey");
  const hostsName = fullKey("flux", ["knownHosts"]);
  if (!flux.url.startsWith("ssh://")) {
    return [
      ...(present("fluxSshKey")
        ? [
            {
              key: keyName,
              message: `is an SSH deploy key but flux.url is ${flux.url}; use an ssh:// URL, or remove the key with \`pulumi config rm ${keyName}\``,
            },
          ]
        : []),
      ...(flux.knownHosts !== undefined
        ? [{ key: hostsName, message: `is only used with an ssh:// URL, but flux.url is ${flux.url}; remove it` }]
        : []),
    ];
  }
  const host = new URL(flux.url).host;
  const problems: ConfigProblem[] = [];
  if (!present("fluxSshKey") || flux.knownHosts === undefined) {
    const missing = [...(present("fluxSshKey") ? [] : [keyName]), ...(flux.knownHosts === undefined ? [hostsName] : [])];
    for (const key of missing) {
      problems.push({
        key,
        message: `is required with an ssh:// flux.url: Flux needs both ${keyName} (a read-only deploy key: \`pulumi config set --secret ${keyName} < deploy-key\`) and ${hostsName} (\`pulumi config set --path ${hostsName} "$(${keyscan(host)})"\`)`,
      });
    }
  }
  if (flux.knownHosts !== undefined) {
    const problem = knownHostsProblem(flux.knownHosts, host);
    if (problem) problems.push({ key: hostsName, message: problem });
  }
  return problems;
}

/** How known_hosts names a host: `host`, or `[host]:port` when the port is not 22 (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT). */
function knownHostsName(host: string): string {
  const [name = host, port] = host.split(":");
  return port === undefined || port === "22" ? name : `[${name}]:${port}`;
}

/** The command that prints a host's keys in known_hosts form. */
function keyscan(host: string): string {
  const [name = host, port] = host.split(":");
  return port === undefined || port === "22" ? `ssh-keyscan ${name}` : `ssh-keyscan -p ${port} ${name}`;
}

/** Why a known_hosts text cannot vouch for `host`, or undefined when it can. */
export function knownHostsProblem(text: string, host: string): string | undefined {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const entries = lines.map((line) => line.split(/\s+/)).map((fields) => (fields[0]?.startsWith("@") ? fields.slice(1) : fields));
  const malformed = entries.findIndex((fields) => fields.length < 3 || !base64Pattern.test(fields[2] ?? ""));
  if (lines.length === 0 || malformed >= 0) {
    return `${lines.length === 0 ? "has no host key line" : `line ${JSON.stringify(lines[malformed])} is not "<host> <key type> <base64 key>"`}; paste the output of \`${keyscan(host)}\``;
  }
  const name = knownHostsName(host);
  // Hashed names (`|1|salt|hash`, ssh-keygen -H) cannot be matched here; Flux matches them itself.
  // Patterns use `*` and `?`, and `!` negates (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT).
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
  const listed = (hosts: string) => {
    const patterns = hosts.split(",");
    const negated = patterns.some((p) => p.startsWith("!") && glob(p.slice(1)).test(name));
    return !negated && patterns.some((p) => !p.startsWith("!") && glob(p).test(name));
  };
  const matches = entries.some(([hosts = ""]) => hosts.startsWith("|1|") || listed(hosts));
  return matches ? undefined : `has no key for ${name}, the host of flux.url; add the output of \`${keyscan(host)}\``;
}

/** Why a base64 value is not a 1password-credentials.json file, or undefined when it is one. */
export function credentialsFileProblem(base64: string): string | undefined {
  const decoded = Buffer.from(base64, "base64").toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    return base64Pattern.test(decoded.trim()) && credentialsFileProblem(decoded.trim()) === undefined
      ? "is base64 encoded twice; Connect chart 2.3.0+ takes the file encoded once (`base64 -w0 1password-credentials.json`)"
      : "decodes from base64 but is not JSON; encode the 1password-credentials.json file itself, once (`base64 -w0 1password-credentials.json`)";
  }
  const fields = ["verifier", "encCredentials", "deviceUuid"];
  const missing = typeof parsed === "object" && parsed !== null ? fields.filter((f) => !(f in parsed)) : fields;
  return missing.length > 0
    ? `decodes to JSON without ${missing.join(", ")}; it must be the 1password-credentials.json downloaded when creating the Connect server`
    : undefined;
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
      problems.push({ key, message: `is not a setting of this program; the keys are ${[...settingKeys, ...secretKeys].join(", ")}` });
    }
  }

  const secrets: Partial<Record<SecretKey, string>> = {};
  for (const key of secretKeys) {
    const value = raw[fullKey(key)];
    const result = secretSchemas[key].safeParse(value);
    if (!result.success) {
      problems.push(
        ...result.error.issues.map((issue) => ({
          key: fullKey(key),
          message: value === undefined ? `is required; set it with \`pulumi config set --secret ${fullKey(key)} …\`` : describeIssue(issue),
        })),
      );
      continue;
    }
    if (value !== undefined && !isStoredSecret(fullKey(key))) {
      problems.push({
        key: fullKey(key),
        message: `is stored in plaintext; set it again with \`pulumi config set --secret ${fullKey(key)} …\``,
      });
    }
    if (result.data !== undefined) secrets[key] = result.data;
  }

  const parsed = settingsSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [top, ...rest] = issue.path;
      if (issue.code === "unrecognized_keys" && top !== undefined) {
        for (const unknown of issue.keys) {
          problems.push({
            key: fullKey(String(top), [...rest, unknown]),
            message: "is not a setting here; remove or rename it (Pulumi.homelab.yaml lists the keys)",
          });
        }
      } else {
        problems.push({ key: top === undefined ? namespace : fullKey(String(top), rest), message: describeIssue(issue) });
      }
    }
    throw new ConfigError(problems);
  }
  const settings: ValidConfig["settings"] = {
    ...parsed.data,
    nodes: parsed.data.nodes.map((n) => ({ ...n, proxmoxNode: n.proxmoxNode ?? parsed.data.proxmox.node })),
  };
  const present = (key: SecretKey) => raw[fullKey(key)] !== undefined;
  problems.push(...clusterProblems(settings), ...nodeProblems(settings), ...secretProblems(settings, secrets, present));
  if (problems.length > 0) throw new ConfigError(problems);
  return { settings, secrets: secrets as SecretValues, derived: derive(settings) };
}
