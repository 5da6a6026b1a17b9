/**
 * The optional disaster-recovery copy in 1Password: with `homelab:backup.onePasswordVault`, ESO
 * PushSecrets copy the sops-age identity and the encrypted Talos bundle into that vault through a
 * namespaced store holding only it, after the ClusterSecretStore, with nothing earlier waiting on them.
 */
import { describe, expect, it } from "vitest";

import { connectSecrets, generateRecoveryKey, generateSecrets, singleNodeSettings } from "../../offline/fixtures";
import { Graph } from "../../offline/graph";
import type { Registration } from "../../offline/harness";
import { runExample, types } from "../support/program";
import { crdValidator } from "../support/schemas";

const pushSecretType = "kubernetes:external-secrets.io/v1alpha1:PushSecret";
const secretStoreType = "kubernetes:external-secrets.io/v1:SecretStore";

describe("backup to 1Password through an ESO PushSecret", async () => {
  const all = await generateSecrets();
  const recipients = [generateRecoveryKey().recipient];
  const run = await runExample({
    settings: { ...singleNodeSettings(), backup: { recipients, onePasswordVault: "homelab-backup" } },
    secrets: { ...connectSecrets(all), onePasswordBackupToken: all.onePasswordBackupToken },
  });
  const without = await runExample({ settings: { ...singleNodeSettings(), backup: { recipients } } });
  const graph = Graph.of(run);
  const pushes = run.ofType(pushSecretType);
  const store = run.one(secretStoreType);
  const metadata = (r: Registration) => r.inputs["metadata"] as { name: string; namespace: string };

  it("turns on PushSecret processing only when a backup vault is named", () => {
    expect(run.one(types.release, "external-secrets").inputs["values"]).toMatchObject({
      processPushSecret: true,
      processClusterPushSecret: false,
    });
    expect(without.one(types.release, "external-secrets").inputs["values"]).toMatchObject({ processPushSecret: false });
    expect(without.ofType(pushSecretType)).toEqual([]);
    expect(without.ofType(secretStoreType)).toEqual([]);
  });

  it("the store and both PushSecrets validate against the ESO v2.9.0 CRDs", () => {
    expect(crdValidator("eso-secretstore.crd.yaml", "v1")(store.inputs)).toEqual([]);
    expect(pushes).toHaveLength(2);
    for (const push of pushes) expect(crdValidator("eso-pushsecret.crd.yaml", "v1alpha1")(push.inputs)).toEqual([]);
  });

  it("the store is namespaced beside sops-age, holds only the backup vault and its own token", () => {
    expect(metadata(store)).toMatchObject({ name: "onepassword-backup", namespace: "flux-system" });
    expect(store.inputs["spec"]).toMatchObject({
      provider: {
        onepassword: {
          vaults: { "homelab-backup": 1 },
          auth: { secretRef: { connectTokenSecretRef: { name: "onepassword-backup-token", key: "token" } } },
        },
      },
    });
    const token = run.one(types.secret, "backup-token");
    expect(metadata(token)).toMatchObject({ name: "onepassword-backup-token", namespace: "flux-system" });
    expect(token.inputs["stringData"]).toEqual({ token: all.onePasswordBackupToken });
    expect(token.secretPaths).toContain("stringData");
  });

  it("pushes the sops-age identity and the ciphertext bundle, both read from the store's namespace", () => {
    const pushed = pushes.map((p) => {
      const spec = p.inputs["spec"] as {
        selector: { secret: { name: string } };
        data: { match: { secretKey: string; remoteRef: { remoteKey: string } } }[];
        secretStoreRefs: unknown;
      };
      expect(metadata(p).namespace).toBe("flux-system");
      expect(spec.secretStoreRefs).toEqual([{ name: "onepassword-backup", kind: "SecretStore" }]);
      return [spec.selector.secret.name, spec.data.map((d) => [d.match.secretKey, d.match.remoteRef.remoteKey])];
    });
    expect(pushed).toEqual(
      expect.arrayContaining([
        ["sops-age", [["age.agekey", "homelab-sops-age"]]],
        ["talos-secrets-backup", [["talos-secrets.age", "homelab-talos-secrets"]]],
      ]),
    );
    const bundle = run.one(types.secret, "talos-backup");
    expect(metadata(bundle)).toMatchObject({ name: "talos-secrets-backup", namespace: "flux-system" });
    expect(bundle.inputs["stringData"]).toEqual({ "talos-secrets.age": run.outputs["talosSecretsBackup"]?.value });
    expect(String(run.outputs["talosSecretsBackup"]?.value)).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
  });

  it("runs after the ClusterSecretStore, and nothing else waits on the backup", () => {
    const clusterStore = run.one(types.clusterSecretStore);
    const backup = [store, ...pushes, run.one(types.secret, "backup-token"), run.one(types.secret, "talos-backup")];
    const backupUrns = new Set(backup.map((r) => r.urn));
    for (const r of backup) expect(graph.waitsFor(r, clusterStore), r.name).toBe(true);
    for (const push of pushes) expect(graph.waitsFor(push, store)).toBe(true);
    for (const r of run.registrations.filter((x) => x.custom && !backupUrns.has(x.urn))) {
      const waitsOnBackup = [...graph.ancestors(r.urn)].filter((a) => backupUrns.has(a));
      expect(waitsOnBackup, `${r.type} ${r.name}`).toEqual([]);
    }
    expect(graph.findCycle()).toBeUndefined();
  });
});
