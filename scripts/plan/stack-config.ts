/**
 * Reads a Pulumi.<stack>.yaml for an offline evaluation. Encrypted values
 * (`secure: …`) cannot be read without the Pulumi CLI and are never needed:
 * every secret is replaced by a throwaway value generated for this run.
 */
import { readFile } from "node:fs/promises";

import { parse as parseYaml } from "yaml";

import { generateSecrets } from "../../offline/fixtures";

export interface OfflineConfig {
  config: Record<string, string>;
  secretKeys: string[];
  /** Secret keys that were given throwaway values. */
  substituted: string[];
}

const secretKeysByMode = {
  connect: ["proxmoxApiToken", "sopsAgeKey", "onePasswordCredentials", "onePasswordConnectToken"],
  sdk: ["proxmoxApiToken", "sopsAgeKey", "onePasswordServiceAccountToken"],
} as const;

export async function readStackConfig(path: string): Promise<OfflineConfig> {
  const file = parseYaml(await readFile(path, "utf8")) as { config?: Record<string, unknown> } | null;
  const entries = Object.entries(file?.config ?? {});
  const config: Record<string, string> = {};
  const encrypted: string[] = [];
  for (const [key, value] of entries) {
    if (typeof value === "object" && value !== null && "secure" in value) encrypted.push(key);
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const onePassword = config["homelab:onePassword"] ? (JSON.parse(config["homelab:onePassword"]) as { mode?: string }) : {};
  const mode = onePassword.mode === "sdk" ? "sdk" : "connect";
  const generated = await generateSecrets();
  const needed = new Set<string>([
    ...secretKeysByMode[mode].map((k) => `homelab:${k}`),
    ...encrypted.filter((k) => k.startsWith("homelab:")),
  ]);
  const substituted: string[] = [];
  for (const key of needed) {
    const value = generated[key.slice("homelab:".length) as keyof typeof generated] as string | undefined;
    if (value === undefined) continue;
    config[key] = value;
    substituted.push(key);
  }
  return { config, secretKeys: substituted, substituted: substituted.sort() };
}
