/**
 * No secret value appears in plaintext in any registered resource's inputs or
 * in a stack output: stack secrets, machine secrets, client keys, kubeconfig,
 * talosconfig. All of them travel as Pulumi secrets.
 */
import { describe, expect, it } from "vitest";

import type { MachineSecrets } from "../../components/lib/talos-bundle";
import { generateKnownHosts, generateRecoveryKey, generateSecrets, multiNodeSettings } from "../../offline/fixtures";
import { plainStrings, type ProgramRun } from "../../offline/harness";
import { knownSecrets } from "../../offline/secrets";
import { runExample, types } from "../support/program";

function leaksIn(run: ProgramRun, secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const r of run.registrations) {
    for (const plain of plainStrings(r.rawInputs)) {
      for (const secret of secrets) if (plain.includes(secret)) leaks.push(`${r.type} ${r.name}: ${secret.slice(0, 12)}…`);
    }
  }
  for (const [key, output] of Object.entries(run.outputs)) {
    if (output.secret) continue;
    const text = JSON.stringify(output.value);
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`output ${key}: ${secret.slice(0, 12)}…`);
  }
  return leaks;
}

describe("secret hygiene over the whole program", async () => {
  const all = await generateSecrets();
  // With the 1Password backup on: the sops-age identity is pushed from the cluster, never written in plaintext here.
  const settings = {
    ...multiNodeSettings(3),
    backup: { recipients: [generateRecoveryKey().recipient], onePasswordVault: "homelab-backup" },
  };
  const run = await runExample({
    settings,
    secrets: { ...all, onePasswordServiceAccountToken: undefined, fluxSshKey: undefined },
  });
  const secrets = knownSecrets(run, { ...all, onePasswordServiceAccountToken: undefined, fluxSshKey: undefined });

  // The same over a repository reached by SSH: the deploy key, whole or any line of its body, never leaks.
  const sshSettings = multiNodeSettings(3);
  sshSettings["flux"] = {
    url: "ssh://git@git.example.lan/homelab/gitops.git",
    knownHosts: generateKnownHosts("git.example.lan"),
  };
  const sshSecrets = { ...all, onePasswordServiceAccountToken: undefined, onePasswordBackupToken: undefined, fluxGitToken: undefined };
  const sshRun = await runExample({ settings: sshSettings, secrets: sshSecrets });
  const keyLines = all.fluxSshKey.split("\n").filter((line) => line !== "" && !line.startsWith("-----"));

  it("knows the secrets it is looking for", () => {
    expect(secrets.length).toBeGreaterThan(15);
    const generated = run.one(types.secrets).state["machineSecrets"] as MachineSecrets;
    expect(secrets).toEqual(
      expect.arrayContaining([generated.certs.os.key, generated.certs.k8sServiceaccount.key, generated.secrets.secretboxEncryptionSecret]),
    );
    // Certificates are public: the CA certificate is also the talosconfig's `ca`.
    expect(secrets).not.toContain(generated.certs.os.cert);
  });

  it("no known secret appears in plaintext in any registered input or stack output", () => {
    expect(leaksIn(run, secrets)).toEqual([]);
  });

  it("nor does the SSH deploy key, which reaches Flux only as a secret", () => {
    expect(keyLines.length).toBeGreaterThan(0);
    expect(leaksIn(sshRun, [...knownSecrets(sshRun, sshSecrets), ...keyLines])).toEqual([]);
    expect(sshRun.one(types.secret, "git-credentials").secretPaths).toContain("stringData");
  });

  it("the scan finds a secret that is registered in plaintext (it can fail)", () => {
    const leaky: ProgramRun = {
      ...run,
      registrations: [{ ...run.registrations[0]!, rawInputs: { note: `token is ${all.onePasswordConnectToken}` } }],
      outputs: {},
    };
    expect(leaksIn(leaky, secrets)).toHaveLength(1);
  });

  it("the machine-secrets backup is a plain output of ciphertext only", () => {
    const backup = run.outputs["talosSecretsBackup"];
    expect(backup?.secret).toBe(false);
    expect(String(backup?.value)).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[A-Za-z0-9+/=\n]+-----END AGE ENCRYPTED FILE-----\n$/);
    const bundle = secrets.find((s) => s.startsWith("cluster:\n    id: "));
    expect(bundle, "the plaintext bundle is among the secrets looked for").toBeDefined();
    expect(leaksIn({ ...run, outputs: { leak: { value: bundle, secret: false, known: true } } }, secrets)).not.toEqual([]);
  });

  it("the 1Password backup carries the sops-age identity and its write token only as Pulumi secrets", () => {
    expect(secrets).toEqual(expect.arrayContaining([all.sopsAgeKey, all.onePasswordBackupToken]));
    expect(run.ofType("kubernetes:external-secrets.io/v1alpha1:PushSecret")).toHaveLength(2);
    expect(run.one(types.secret, "sops-age").secretPaths).toContain("stringData");
    expect(run.one(types.secret, "backup-token").secretPaths).toContain("stringData");
    // The pushed bundle is the ciphertext output, never the plaintext machine secrets.
    expect(run.one(types.secret, "talos-backup").inputs["stringData"]).toEqual({
      "talos-secrets.age": run.outputs["talosSecretsBackup"]?.value,
    });
  });

  it("kubeconfig and talosconfig are secret stack outputs", () => {
    expect(run.outputs["kubeconfig"]?.secret).toBe(true);
    expect(run.outputs["talosconfig"]?.secret).toBe(true);
  });

  it("resources whose outputs hold secrets declare them secret", () => {
    // The provider marks their secret leaves itself; a whole-object additionalSecretOutputs breaks a real run (components/talos/index.ts).
    expect(run.one(types.secrets).additionalSecretOutputs).toEqual([]);
    expect(run.one(types.kubeconfig).additionalSecretOutputs).toContain("kubeconfigRaw");
    for (const apply of run.ofType(types.apply)) {
      expect(apply.additionalSecretOutputs).toEqual(expect.arrayContaining(["machineConfiguration", "machineConfigurationInput"]));
      expect(apply.secretPaths).toEqual(expect.arrayContaining(["clientConfiguration.clientKey", "machineConfigurationInput"]));
    }
  });
});
