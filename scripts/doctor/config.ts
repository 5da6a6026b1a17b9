/**
 * The stack config check: turn `pulumi config --show-secrets --json` into the
 * raw map the program sees, and run the program's own validation on it.
 */
import { placeholderProblems } from "../../components/config/placeholders";
import { secretKeys } from "../../components/config/schema";
import { ConfigError, namespace, type RawConfig, stackFile, validateConfig, type ValidConfig } from "../../components/config/validate";
import { describeTalosRange, kubernetesMinorsFor, talosMinor } from "../../components/lib/talos-support";
import { type CheckResult, fail, pass } from "./types";

/** One entry of `pulumi config --json`: `"homelab:key": { value, secret, objectValue? }`. */
interface ConfigEntry {
  value?: unknown;
  secret?: unknown;
  objectValue?: unknown;
}

export interface StackConfigJson {
  raw: RawConfig;
  /** Keys the stack stores encrypted (`secret: true`). */
  secretKeys: Set<string>;
}

/** Parses the CLI's JSON; throws an Error whose message says what is wrong with it. */
export function parseConfigJson(text: string): StackConfigJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error('is not the output of `pulumi config --json` (an object of "namespace:key": { value, secret })');
  }
  const raw: RawConfig = {};
  const secretKeys = new Set<string>();
  for (const [key, entry] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof entry !== "object" || entry === null) {
      throw new Error(`has ${key} = ${JSON.stringify(entry)}, not { value, secret }; is it the output of \`pulumi config --json\`?`);
    }
    const { value, secret, objectValue } = entry as ConfigEntry;
    if (secret === true) secretKeys.add(key);
    if (typeof value === "string") raw[key] = value;
    else if (objectValue !== undefined) raw[key] = JSON.stringify(objectValue);
    else if (secret === true) throw new Error(`has no value for the secret ${key}; run \`pulumi config\` with --show-secrets`);
    else if (value !== undefined) raw[key] = JSON.stringify(value);
  }
  return { raw, secretKeys };
}

/**
 * The fix for one problem. A secret goes in only through `pulumi config set --secret` with the value
 * at its prompt or on standard input (pulumi/pulumi pkg/cmd/pulumi/config/config.go, v3.248.0),
 * never typed into the file or onto the command line.
 */
export function configFix(key: string, stack: string): string {
  const name = key.split(" ")[0] ?? key;
  if ((secretKeys as string[]).some((secret) => name === `${namespace}:${secret}`)) {
    return `run \`pulumi config set --secret ${name}\` and give the value at its prompt or on standard input (never on the command line, where shell history keeps it)`;
  }
  return `edit ${name} in Pulumi.${stack}.yaml (${stackFile} as shipped describes every key)`;
}

/** One ok line, or one failing line per problem; the valid config when there is one. */
export function checkConfig(config: StackConfigJson, stack: string): { results: CheckResult[]; valid?: ValidConfig } {
  try {
    const valid = validateConfig(config.raw, (key) => config.secretKeys.has(key));
    const { nodes, onePassword, cluster } = valid.settings;
    const placeholders = placeholderProblems({
      proxmoxEndpoint: valid.settings.proxmox.endpoint,
      clusterEndpoint: cluster.endpoint,
      fluxUrl: valid.settings.flux.url,
    });
    if (placeholders.length > 0) return { results: placeholders.map((p) => fail(`config ${p.key}`, p.message, configFix(p.key, stack))) };
    const hosts = [...new Set(nodes.map((n) => n.proxmoxNode))];
    const minor = talosMinor(cluster.talosVersion) ?? "";
    const kubernetes = kubernetesMinorsFor(minor) ?? [];
    return {
      results: [
        pass(
          "stack config",
          `stack ${stack} validates: ${nodes.length} node${nodes.length === 1 ? "" : "s"} on ${hosts.join(", ")}, 1Password mode ${onePassword.mode}; ` +
            `Talos ${cluster.talosVersion} (supported: ${describeTalosRange()}), Kubernetes ${cluster.kubernetesVersion} (Talos ${minor} runs ${kubernetes[0] ?? ""} to ${kubernetes[kubernetes.length - 1] ?? ""})`,
        ),
      ],
      valid,
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { results: error.problems.map((p) => fail(`config ${p.key}`, p.message, configFix(p.key, stack))) };
  }
}
