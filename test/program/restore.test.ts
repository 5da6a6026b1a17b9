/**
 * The disaster-recovery drill: stack A is built and its backup output taken;
 * a fresh stack B, with no state and other provider randomness, is built from
 * that backup with `homelab:backup.restoreFrom`. B must adopt A's machine
 * secrets (import, never a new generation), render machine configs with A's
 * CAs, service-account key and secretbox key, sign its talosconfig with A's
 * CA, and adopt the bootstrap instead of bootstrapping a restored etcd again.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

import { ConfigError } from "../../components/config";
import { recoveryIdentityVariable } from "../../components/config/restore";
import { type MachineSecrets, secretsIdentity } from "../../components/lib/talos-bundle";
import { adoptedBootstrapId } from "../../components/talos";
import { connectSecrets, generateRecoveryKey, generateSecrets, multiNodeSettings, stackConfig } from "../../offline/fixtures";
import { plainStrings, type ProgramRun, runFailingProgram } from "../../offline/harness";
import { importedBundles } from "../../offline/mocks";
import { knownSecrets } from "../../offline/secrets";
import { runExample, types } from "../support/program";

const scratch = mkdtempSync(join(tmpdir(), "drill-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  Reflect.deleteProperty(process.env, recoveryIdentityVariable);
});

const pem = (base64: string) => Buffer.from(base64, "base64").toString("utf8");

/** The v1alpha1 main document applied to each control plane, by node address. */
function appliedConfigs(run: ProgramRun): Map<string, { machine: { ca: unknown }; cluster: Record<string, unknown> }> {
  return new Map(
    run.ofType(types.apply).map((apply) => {
      const [main] = parseAllDocuments(String(apply.inputs["machineConfigurationInput"])).map((d) => d.toJS() as Record<string, unknown>);
      return [String(apply.inputs["node"]), main as { machine: { ca: unknown }; cluster: Record<string, unknown> }];
    }),
  );
}

const identityOf = (config: { machine: { ca: unknown }; cluster: Record<string, unknown> }) => ({
  machineCa: config.machine.ca,
  clusterCa: config.cluster["ca"],
  serviceAccount: config.cluster["serviceAccount"],
  secretbox: config.cluster["secretboxEncryptionSecret"],
  aggregatorCa: config.cluster["aggregatorCA"],
  etcdCa: (config.cluster["etcd"] as { ca?: unknown } | undefined)?.ca,
});

describe("disaster-recovery drill: restore stack A's identity into a fresh stack B", async () => {
  const recovery = generateRecoveryKey();
  const secrets = connectSecrets(await generateSecrets());
  const backup = { recipients: [recovery.recipient] };
  const stackA = await runExample({ settings: { ...multiNodeSettings(3), backup }, secrets, seed: "drill-a" });
  const secretsA = stackA.one(types.secrets).state["machineSecrets"] as MachineSecrets;

  // What a person does: save the output, keep the offline identity, point the new stack at both.
  const saved = join(scratch, "talos-secrets.age");
  writeFileSync(saved, String(stackA.outputs["talosSecretsBackup"]?.value));
  const identityFile = join(scratch, "recovery.key");
  writeFileSync(identityFile, `# offline recovery key\n${recovery.identity}\n`, { mode: 0o600 });
  process.env[recoveryIdentityVariable] = identityFile;
  // The identity comes from the person's own record of stack A (its output), never from the backup.
  const clusterIdentity = String(stackA.outputs["talosClusterIdentity"]?.value);
  const restoreSettings = { ...multiNodeSettings(3), backup: { ...backup, restoreFrom: saved, clusterIdentity } };
  const stackB = await runExample({ settings: restoreSettings, secrets, seed: "drill-b" });
  const importsDuringB = [...importedBundles];
  const fresh = await runExample({ settings: { ...multiNodeSettings(3), backup }, secrets, seed: "drill-b" });

  it("B imports the machine secrets from a bundle file and registers no new Secrets generation", () => {
    const registered = stackB.ofType(types.secrets);
    expect(registered).toHaveLength(1);
    expect(registered.every((r) => r.importId !== "")).toBe(true);
    expect(registered[0]?.protect).toBe(true);
    expect(stackA.one(types.secrets).importId).toBe("");
    expect(stackB.one(types.secrets).state["machineSecrets"]).toEqual(secretsA);
  });

  it("the decrypted bundle was private while the provider read it, and is gone afterwards", () => {
    const importId = stackB.one(types.secrets).importId;
    const read = importsDuringB.find((i) => i.path === importId);
    // A named pipe: the plaintext is never on a disk (test/config/restore-signals.test.ts kills a restore midway).
    expect(read).toEqual({ path: importId, mode: 0o600, directoryMode: 0o700, fifo: true });
    expect(existsSync(importId)).toBe(false);
  });

  it("every node of B is configured with A's CAs, service-account key and secretbox key", () => {
    const a = appliedConfigs(stackA);
    const b = appliedConfigs(stackB);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [node, config] of b) {
      expect(identityOf(config), node).toEqual(identityOf(a.get(node)!));
      expect(identityOf(config).secretbox, node).toBe(secretsA.secrets.secretboxEncryptionSecret);
      expect(config.cluster["ca"], node).toEqual({ crt: secretsA.certs.k8s.cert, key: secretsA.certs.k8s.key });
      expect(config.cluster["serviceAccount"], node).toEqual({ key: secretsA.certs.k8sServiceaccount.key });
    }
  });

  it("without the restore key the same fresh stack gets a new identity (the drill can fail)", () => {
    const a = appliedConfigs(stackA);
    for (const [node, config] of appliedConfigs(fresh)) expect(identityOf(config), node).not.toEqual(identityOf(a.get(node)!));
  });

  it("B's talosconfig trusts A's Talos CA and its client certificate is signed by it", () => {
    const talosconfig = parse(String(stackB.outputs["talosconfig"]?.value)) as { contexts: Record<string, { ca: string; crt: string }> };
    const context = Object.values(talosconfig.contexts)[0]!;
    expect(context.ca).toBe(secretsA.certs.os.cert);
    const authorityA = new X509Certificate(pem(secretsA.certs.os.cert));
    expect(new X509Certificate(pem(context.crt)).verify(authorityA.publicKey)).toBe(true);
    const freshContext = Object.values((parse(String(fresh.outputs["talosconfig"]?.value)) as typeof talosconfig).contexts)[0]!;
    expect(new X509Certificate(pem(freshContext.crt)).verify(authorityA.publicKey)).toBe(false);
  });

  it("B adopts the bootstrap (import, no Bootstrap call) instead of bootstrapping the recovered etcd again", () => {
    const bootstrap = stackB.one(types.bootstrap);
    expect(bootstrap.importId).toBe(adoptedBootstrapId);
    // Ignored inputs would be reset to the imported nulls before Check, which refuses them (import-semantics.test.ts).
    expect(bootstrap.ignoreChanges).toEqual([]);
    expect(bootstrap.inputs).toMatchObject({ node: "192.168.10.41", endpoint: "192.168.10.41" });
    expect(stackA.one(types.bootstrap).importId).toBe("");
  });

  it("B keeps backing up the same secrets, and no secret appears in plaintext in B", () => {
    expect(stackB.outputs["talosSecretsBackup"]?.value).toBe(stackA.outputs["talosSecretsBackup"]?.value);
    const known = knownSecrets(stackB, secrets);
    for (const r of stackB.registrations) {
      for (const plain of plainStrings(r.rawInputs))
        for (const secret of known) expect(plain.includes(secret), `${r.type} ${r.name}`).toBe(false);
    }
  });

  it("a second run with the restore key still set sends the same import id, so the engine imports nothing again", async () => {
    const again = await runExample({ settings: restoreSettings, secrets, seed: "drill-b" });
    expect(again.one(types.secrets).importId).toBe(stackB.one(types.secrets).importId);
  }, 120_000);

  it("A's identity is a digest of every secret of the bundle, and B restores exactly it", () => {
    expect(clusterIdentity).toBe(secretsIdentity(secretsA));
    expect(clusterIdentity).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stackB.outputs["talosClusterIdentity"]?.value).toBe(clusterIdentity);
    expect(fresh.outputs["talosClusterIdentity"]?.value).not.toBe(clusterIdentity);
    for (const output of ["talosClusterIdentity", "talosSecretsBackup"]) expect(stackA.outputs[output]?.secret, output).toBe(false);
  });

  it("refuses a tampered bundle: another cluster's secrets encrypted to the same recovery recipient", async () => {
    // What whoever can write the backup (a PR to the GitOps repository, the 1Password item) can make: a valid age
    // file for the public recovery recipient, holding secrets they know.
    const planted = join(scratch, "planted.age");
    writeFileSync(planted, String(fresh.outputs["talosSecretsBackup"]?.value));
    const importsBefore = importedBundles.length;
    const refused = await runFailingProgram(
      stackConfig({ ...restoreSettings, backup: { ...restoreSettings.backup, restoreFrom: planted } }, secrets),
    );
    expect(refused.registrations).toEqual([]);
    expect(importedBundles).toHaveLength(importsBefore);
    const [problem] = (refused.error as ConfigError).problems;
    expect(problem?.key).toBe("homelab:backup.restoreFrom");
    expect(problem?.message).toContain(
      `holds the machine secrets of another cluster (identity ${String(fresh.outputs["talosClusterIdentity"]?.value)}`,
    );
    expect(problem?.message).toContain(`homelab:backup.clusterIdentity is ${clusterIdentity}`);
    expect(problem?.message).toMatch(/Check where this copy came from/);
  });

  it("refuses a restore when the stack config does not say which cluster to expect", async () => {
    const { clusterIdentity: _, ...unpinned } = restoreSettings.backup;
    const refused = await runFailingProgram(stackConfig({ ...restoreSettings, backup: unpinned }, secrets));
    expect(refused.registrations).toEqual([]);
    expect((refused.error as ConfigError).problems[0]?.key).toBe("homelab:backup.clusterIdentity");
  });

  it("refuses to restore without the recovery identity, or with the wrong one, before registering anything", async () => {
    Reflect.deleteProperty(process.env, recoveryIdentityVariable);
    const missing = await runFailingProgram(stackConfig(restoreSettings, secrets));
    expect(missing.registrations).toEqual([]);
    expect((missing.error as ConfigError).problems).toEqual([
      {
        key: "homelab:backup.restoreFrom",
        message: `needs the recovery identity: set ${recoveryIdentityVariable} to the age identity file of one of the backup's recipients`,
      },
    ]);

    const wrong = join(scratch, "wrong.key");
    writeFileSync(wrong, `${generateRecoveryKey().identity}\n`, { mode: 0o600 });
    process.env[recoveryIdentityVariable] = wrong;
    const failed = await runFailingProgram(stackConfig(restoreSettings, secrets));
    expect(failed.error).toBeInstanceOf(ConfigError);
    expect((failed.error as ConfigError).problems[0]?.message).toMatch(
      /^cannot decrypt .*talos-secrets\.age with HOMELAB_RECOVERY_IDENTITY_FILE=.*; use the identity of one of its recipients$/,
    );
    process.env[recoveryIdentityVariable] = identityFile;
  });
});
