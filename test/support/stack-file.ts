/**
 * Stack files written by the tests themselves. No test reads Pulumi.homelab.yaml (the user's
 * stack file, edited and `pulumi config set` into): each writes its own from the program
 * fixtures (offline/fixtures.ts), in the layout of a Pulumi.<stack>.yaml.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { stringify } from "yaml";

import { type Settings, singleNodeSettings } from "../../offline/fixtures";

/** The secrets of 1Password mode connect, as `pulumi config set --secret` leaves them: ciphertext plan cannot read. */
export const connectSecretKeys = ["proxmoxApiToken", "sopsAgeKey", "onePasswordCredentials", "onePasswordConnectToken"] as const;

export interface StackFileOptions {
  /** Default: the single-node fixture. */
  settings?: Settings;
  /** Store the connect secrets as `secure:` values (default true); false leaves them unset, as in a fresh stack file. */
  encryptedSecrets?: boolean;
  /** Keys (with or without the `homelab:` prefix) and values added as they are. */
  extra?: Record<string, unknown>;
  /** Directory to write into; default a new temporary one. */
  dir?: string;
  name?: string;
}

/** The stack file's YAML text. */
export function stackFileText(options: Omit<StackFileOptions, "dir" | "name"> = {}): string {
  const settings = options.settings ?? singleNodeSettings();
  const config: Record<string, unknown> = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`homelab:${k}`, v]));
  if (options.encryptedSecrets ?? true) {
    for (const key of connectSecretKeys) config[`homelab:${key}`] = { secure: `v1:${key}-ciphertext` };
  }
  Object.assign(config, options.extra ?? {});
  return stringify({ ...((options.encryptedSecrets ?? true) ? { encryptionsalt: "v1:c2FsdA==:v1:abc:def" } : {}), config });
}

/** Writes a stack file and returns its path. */
export function writeStackFile(options: StackFileOptions = {}): string {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "stack-file-"));
  const path = join(dir, options.name ?? "Pulumi.test.yaml");
  writeFileSync(path, stackFileText(options));
  return path;
}
