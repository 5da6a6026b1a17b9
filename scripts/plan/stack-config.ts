/**
 * Reads a Pulumi.<stack>.yaml for an offline evaluation, with the config
 * semantics of `pulumi up`: a value stored as `secure: …` reaches the program
 * as a secret key (PULUMI_CONFIG_SECRET_KEYS, read back by
 * runtime.isConfigSecret in @pulumi/pulumi runtime/config.js), and every other
 * value as plain config, so a secret stored in plaintext is refused by the
 * program's own check exactly as under `up`. (`Config.requireSecret` itself
 * would accept it: its plaintext warning is disabled, @pulumi/pulumi config.js,
 * pulumi/pulumi#7127.) Encrypted values cannot be read without the Pulumi CLI,
 * so each is replaced by a throwaway value of the right form.
 */
import { readFile } from "node:fs/promises";

import { parse as parseYaml, YAMLError } from "yaml";

import { namespace, stackFile } from "../../components/config";
import { generateSecrets } from "../../offline/fixtures";

export interface OfflineConfig {
  config: Record<string, string>;
  secretKeys: string[];
  /** Secret keys that were given throwaway values. */
  substituted: string[];
  /** Of those, the keys that were not set at all (the others are encrypted in the file). */
  unset: string[];
}

const secretKeysByMode = {
  connect: ["proxmoxApiToken", "sopsAgeKey", "onePasswordCredentials", "onePasswordConnectToken"],
  sdk: ["proxmoxApiToken", "sopsAgeKey", "onePasswordServiceAccountToken"],
} as const;

export interface ReadOptions {
  /**
   * Also give the secrets of the selected 1Password mode that are not set at
   * all a throwaway value (`up` would refuse them as missing). Default true.
   */
  fillMissingSecrets?: boolean;
}

export class StackFileError extends Error {}

/**
 * A key as Pulumi reads it: one without a namespace belongs to the project (`proxmox` is
 * `homelab:proxmox`), pulumi/pulumi sdk/go/common/workspace/loaders.go,
 * stackConfigNamespacedWithProject, v3.248.0 (the locked @pulumi/pulumi). The project name is
 * Pulumi.yaml's `name`, which a test holds equal to the program's namespace.
 */
export function namespaced(key: string): string {
  return key.includes(":") ? key : `${namespace}:${key}`;
}

/** The parser's reason with the line and column, and the line itself: all of it, not cut at its colon. */
function yamlProblem(error: unknown, text: string): string {
  if (!(error instanceof YAMLError)) return String(error);
  const before = text.slice(0, error.pos[0]).split("\n");
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  return `${error.message.trim()} at line ${line}, column ${column}: \`${text.split(/\r?\n/)[line - 1] ?? ""}\``;
}

export async function readStackConfig(path: string, options: ReadOptions = {}): Promise<OfflineConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new StackFileError(`cannot read the stack file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let file: unknown;
  try {
    file = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    throw new StackFileError(`${path} is not YAML: ${yamlProblem(error, text)}`);
  }
  const configSection = typeof file === "object" && file !== null ? (file as { config?: unknown }).config : undefined;
  if (configSection !== undefined && (typeof configSection !== "object" || configSection === null || Array.isArray(configSection))) {
    throw new StackFileError(`${path} has no \`config:\` mapping; is it a Pulumi.<stack>.yaml?`);
  }
  const config: Record<string, string> = {};
  const encrypted: string[] = [];
  for (const [written, value] of Object.entries((configSection ?? {}) as Record<string, unknown>)) {
    const key = namespaced(written);
    if (key !== written && Object.hasOwn(configSection as object, key)) {
      throw new StackFileError(`${path} sets both ${written} and ${key}; keep one`);
    }
    if (typeof value === "object" && value !== null && "secure" in value) encrypted.push(key);
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  if (![...Object.keys(config), ...encrypted].some((key) => key.startsWith(`${namespace}:`))) {
    throw new StackFileError(
      `${path} sets no ${namespace} key under \`config:\`; is it a Pulumi.<stack>.yaml? (${stackFile} is the project's)`,
    );
  }
  let mode: keyof typeof secretKeysByMode = "connect";
  try {
    const onePassword = JSON.parse(config[`${namespace}:onePassword`] ?? "{}") as { mode?: unknown } | null;
    if (onePassword?.mode === "sdk") mode = "sdk";
  } catch {
    // A malformed onePassword is reported by the program's own validation.
  }
  const generated = await generateSecrets();
  const missing =
    (options.fillMissingSecrets ?? true)
      ? secretKeysByMode[mode].map((k) => `homelab:${k}`).filter((k) => config[k] === undefined && !encrypted.includes(k))
      : [];
  const substituted: string[] = [];
  for (const key of [...encrypted.filter((k) => k.startsWith("homelab:")), ...missing]) {
    const value = generated[key.slice("homelab:".length) as keyof typeof generated] as string | undefined;
    if (value === undefined) continue;
    config[key] = value;
    substituted.push(key);
  }
  return { config, secretKeys: substituted, substituted: substituted.sort(), unset: missing.filter((k) => substituted.includes(k)).sort() };
}
