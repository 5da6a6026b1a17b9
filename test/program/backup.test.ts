/**
 * The encrypted backup of the Talos machine secrets: after every run it is a
 * stack output, age ciphertext for exactly the configured offline recipients,
 * holding the generated secrets in `talosctl gen secrets` format, and the same
 * text on a second run with the same state.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { ConfigError } from "../../components/config";
import { type MachineSecrets, machineSecretsFromBundle, secretsBundle } from "../../components/lib/talos-bundle";
import { connectSecrets, generateRecoveryKey, generateSecrets, singleNodeSettings, stackConfig } from "../../offline/fixtures";
import { runFailingProgram } from "../../offline/harness";
import { runExample, types } from "../support/program";

const scratch = mkdtempSync(join(tmpdir(), "backup-test-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Decrypts with the real age CLI and an identity file of mode 0600. */
function ageDecrypt(identity: string, armored: string): string {
  const file = join(scratch, `${Math.random().toString(36).slice(2)}.key`);
  writeFileSync(file, `${identity}\n`, { mode: 0o600 });
  return execFileSync("age", ["-d", "-i", file], { input: armored, encoding: "utf8" });
}

const withBackup = (recipients: string[]) => ({ ...singleNodeSettings(), backup: { recipients } });

describe("talosSecretsBackup", async () => {
  const recovery = generateRecoveryKey();
  const second = generateRecoveryKey();
  const secrets = connectSecrets(await generateSecrets());
  const run = await runExample({ settings: withBackup([recovery.recipient]), secrets, seed: "backup-a" });
  const output = run.outputs["talosSecretsBackup"];
  const generated = run.one(types.secrets).state["machineSecrets"] as MachineSecrets;

  it("is one of the stack outputs README.md names, each by its key (`pulumi stack output <key>`)", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    const listed = /^5\. Stack outputs \(`pulumi stack output <key>`\):([\s\S]*?)\n\n/m.exec(readme)?.[1] ?? "";
    expect(Object.keys(run.outputs)).toContain("talosSecretsBackup");
    expect(Object.keys(run.outputs).filter((key) => !listed.includes(`\`${key}\``))).toEqual([]);
  });

  it("is a known, non-secret stack output in age armor", () => {
    expect(output?.known).toBe(true);
    expect(output?.secret).toBe(false);
    expect(String(output?.value)).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
  });

  it("decrypts with the recovery identity to the generated machine secrets, as a talosctl secrets bundle", () => {
    const bundle = ageDecrypt(recovery.identity, String(output?.value));
    expect(bundle).toBe(secretsBundle(generated));
    expect(machineSecretsFromBundle(bundle)).toEqual(generated);
    expect(bundle).toContain(`secretboxencryptionsecret: ${generated.secrets.secretboxEncryptionSecret}`);
  });

  it("cannot be opened with the cluster's own sops-age identity", () => {
    expect(() => ageDecrypt(String(secrets.sopsAgeKey), String(output?.value))).toThrow();
  });

  it("is the same text on a second run with the same state", async () => {
    const again = await runExample({ settings: withBackup([recovery.recipient]), secrets, seed: "backup-a" });
    expect(again.outputs["talosSecretsBackup"]?.value).toBe(output?.value);
  });

  it("changes when the recipients or the secrets change", async () => {
    const moreRecipients = await runExample({ settings: withBackup([recovery.recipient, second.recipient]), secrets, seed: "backup-a" });
    const text = String(moreRecipients.outputs["talosSecretsBackup"]?.value);
    expect(text).not.toBe(output?.value);
    expect(ageDecrypt(second.identity, text)).toBe(secretsBundle(generated));

    const otherSecrets = await runExample({ settings: withBackup([recovery.recipient]), secrets, seed: "backup-b" });
    expect(otherSecrets.outputs["talosSecretsBackup"]?.value).not.toBe(output?.value);
  });

  it("is absent when no backup recipients are configured", async () => {
    const without = await runExample({ secrets, seed: "backup-a" });
    expect(without.outputs).not.toHaveProperty("talosSecretsBackup");
  });

  it("refuses the cluster's own sops-age recipient as a backup recipient, before registering anything", async () => {
    const { identityToRecipient } = await import("age-encryption");
    const clusterRecipient = await identityToRecipient(String(secrets.sopsAgeKey));
    const { error, registrations } = await runFailingProgram(stackConfig(withBackup([recovery.recipient, clusterRecipient]), secrets));
    expect(registrations).toEqual([]);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        key: "homelab:backup.recipients[1]",
        message:
          "is the recipient of homelab:sopsAgeKey, which lives in the cluster (Secret flux-system/sops-age); use an offline recovery key (`age-keygen -o recovery.key`) instead",
      },
    ]);
  });
});
