/**
 * The real sops binary (getsops/sops at the version of components/lib/versions.ts, built by
 * tools/build.ts) and throwaway keys made at test time: the oracle the SOPS reader is held to.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll } from "vitest";
import { stringify } from "yaml";

import { toolPath } from "../../tools/registry";

export interface TestKey {
  /** The identity (`AGE-SECRET-KEY-…`) or, for SSH keys, the private key file's text. */
  identity: string;
  /** What `.sops.yaml` names: `age1…`, `age1pq1…` or `ssh-ed25519 …`. */
  recipient: string;
  /** A file holding the identity, for SOPS_AGE_KEY_FILE or SOPS_AGE_SSH_PRIVATE_KEY_FILE. */
  file: string;
  kind: "x25519" | "pq" | "ssh-ed25519" | "ssh-rsa";
}

/** A directory removed after the test file; every key and file of the oracle lives in it. */
export function sopsWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "sops-oracle-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

let counter = 0;
const fresh = (dir: string, name: string) => join(dir, `${String(++counter)}-${name}`);

/** An X25519 key made by the real age-keygen. */
export function x25519Key(dir: string): TestKey {
  const file = fresh(dir, "age.key");
  execFileSync("age-keygen", ["-o", file], { stdio: "pipe" });
  const identity = execFileSync("grep", ["^AGE-SECRET-KEY-", file], { encoding: "utf8" }).trim();
  const recipient = execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim();
  return { identity, recipient, file, kind: "x25519" };
}

/**
 * A post-quantum hybrid key (`age1pq1…`, which sops 3.12+ accepts: getsops/sops age/keysource.go,
 * parseRecipient, v3.13.2). The machines' age-keygen (1.1) predates them, so the age-encryption
 * package makes it.
 */
export async function pqKey(dir: string): Promise<TestKey> {
  const age = await import("age-encryption");
  const identity = await age.generateHybridIdentity();
  const recipient = await age.identityToRecipient(identity);
  const file = fresh(dir, "pq.key");
  writeFileSync(file, `${identity}\n`, { mode: 0o600 });
  return { identity, recipient, file, kind: "pq" };
}

/** An SSH key made by ssh-keygen: sops encrypts to `ssh-ed25519`/`ssh-rsa` recipients through agessh (parseRecipient). */
export function sshKey(dir: string, type: "ed25519" | "rsa"): TestKey {
  const file = fresh(dir, `id_${type}`);
  execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "2048"] : []), "-N", "", "-C", "", "-f", file], {
    stdio: "pipe",
  });
  const recipient = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
  return { identity: "", recipient, file, kind: type === "rsa" ? "ssh-rsa" : "ssh-ed25519" };
}

export interface SopsRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real sops with a clean environment: no key but the one given, no config found by walking up. */
export function sops(args: string[], options: { key?: TestKey; cwd?: string } = {}): SopsRun {
  const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"], HOME: options.cwd ?? tmpdir() };
  if (options.key !== undefined) {
    if (options.key.kind.startsWith("ssh-")) env["SOPS_AGE_SSH_PRIVATE_KEY_FILE"] = options.key.file;
    else env["SOPS_AGE_KEY_FILE"] = options.key.file;
  }
  const result = spawnSync(toolPath("sops"), args, { cwd: options.cwd, env, encoding: "utf8", timeout: 60_000 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** What a `.sops.yaml` creation rule says: recipients (one group) or key groups, a threshold, one encryption rule. */
export interface CreationRule {
  age?: string[];
  key_groups?: { age: string[] }[];
  shamir_threshold?: number;
  encrypted_regex?: string;
  unencrypted_regex?: string;
  encrypted_suffix?: string;
  unencrypted_suffix?: string;
  mac_only_encrypted?: boolean;
}

/**
 * Encrypts `content` as the file `name` with the real sops under `rule` (written as the
 * `.sops.yaml` beside it) and returns what sops wrote; throws with sops' own message when it refuses.
 */
export function sopsEncrypt(dir: string, name: string, content: string | Buffer, rule: CreationRule): string {
  const caseDir = mkdtempSync(join(dir, "case-"));
  const { age, ...rest } = rule;
  const config = { creation_rules: [{ ...rest, ...(age ? { age: age.join(",") } : {}) }] };
  writeFileSync(join(caseDir, ".sops.yaml"), stringify(config));
  writeFileSync(join(caseDir, name), content);
  const run = sops(["--config", join(caseDir, ".sops.yaml"), "--encrypt", name], { cwd: caseDir });
  if (run.status !== 0) throw new Error(`sops --encrypt ${name}: ${run.stderr.trim()}`);
  return run.stdout;
}

/** Whether the real sops decrypts the file (`sops --decrypt` with only this key). */
export function sopsDecrypts(dir: string, name: string, encrypted: string, key: TestKey): boolean {
  const caseDir = mkdtempSync(join(dir, "decrypt-"));
  writeFileSync(join(caseDir, name), encrypted);
  return sops(["--decrypt", name], { key, cwd: caseDir }).status === 0;
}

/** `sops filestatus`: whether sops sees the file as encrypted (cmd/sops/subcommand/filestatus, cfs, v3.13.2). */
export function sopsFileStatus(dir: string, name: string, content: string): boolean | undefined {
  const caseDir = mkdtempSync(join(dir, "status-"));
  writeFileSync(join(caseDir, name), content);
  const run = sops(["filestatus", name], { cwd: caseDir });
  if (run.status !== 0) return undefined;
  return (JSON.parse(run.stdout) as { encrypted: boolean }).encrypted;
}
