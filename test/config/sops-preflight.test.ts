/** The age/SOPS preflight: the recipient is derived and exported, and every *.sops.yaml must open. */
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { ConfigError } from "../../components/config";
import { undecryptableSopsFiles } from "../../components/config/sops";
import { connectSecrets, generateAgeIdentity, generateSecrets, singleNodeSettings, stackConfig } from "../../offline/fixtures";
import { runFailingProgram } from "../../offline/harness";
import { tempCheckouts } from "../support/checkout";
import { runExample } from "../support/program";
import { recipientOf, sopsEncrypt } from "../support/sops";

const checkout = tempCheckouts("gitops-");

const secret = (name: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: { password: "correct horse" } });

describe("SOPS preflight", async () => {
  const cluster = await generateAgeIdentity();
  const recovery = await generateAgeIdentity();
  const stranger = await generateAgeIdentity();
  const [clusterRecipient, recoveryRecipient, strangerRecipient] = await Promise.all([cluster, recovery, stranger].map(recipientOf));

  it("accepts files the cluster key opens, alone or beside a recovery recipient, at any depth; ignores .git", async () => {
    const dir = checkout({
      "infrastructure/storage/ceph.sops.yaml": await sopsEncrypt(secret("ceph"), [clusterRecipient!, recoveryRecipient!]),
      "apps/db.sops.yaml": await sopsEncrypt(secret("db"), [clusterRecipient!]),
      ".git/old.sops.yaml": "not even yaml: [",
      ".sops.yaml": `creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: ${clusterRecipient}\n`,
      "apps/readme.yaml": "plain: file",
    });
    expect(await undecryptableSopsFiles(dir, cluster)).toEqual([]);
  });

  it("names each file the key cannot open, with the recipients it was encrypted for", async () => {
    const dir = checkout({
      "ok.sops.yaml": await sopsEncrypt(secret("ok"), [clusterRecipient!]),
      "infrastructure/cert-manager/ca.sops.yaml": await sopsEncrypt(secret("ca"), [strangerRecipient!, recoveryRecipient!]),
      "apps/plain.sops.yaml": "apiVersion: v1\nkind: Secret\nstringData:\n  password: oops\n",
    });
    expect(await undecryptableSopsFiles(dir, cluster)).toEqual([
      "apps/plain.sops.yaml is not SOPS-encrypted (no sops metadata); encrypt it with `sops --encrypt --in-place apps/plain.sops.yaml`",
      `infrastructure/cert-manager/ca.sops.yaml is encrypted for ${strangerRecipient}, ${recoveryRecipient}, not for this stack's key ${clusterRecipient}; add ${clusterRecipient} to .sops.yaml and run \`sops updatekeys infrastructure/cert-manager/ca.sops.yaml\``,
    ]);
  });

  it("exports the recipient of the stack's key, not as a secret", async () => {
    const run = await runExample();
    expect(run.outputs["ageRecipient"]).toEqual({ value: await recipientOf(String(run.secrets.sopsAgeKey)), secret: false, known: true });
  });

  it("stops the program before any resource when the checkout has a file the key cannot open", async () => {
    const secrets = connectSecrets(await generateSecrets());
    const dir = checkout({ "apps/app.sops.yaml": await sopsEncrypt(secret("app"), [strangerRecipient!]) });
    const settings = singleNodeSettings();
    settings["flux"] = { ...(settings["flux"] as object), localCheckout: dir };
    const { error, registrations } = await runFailingProgram(stackConfig(settings, secrets));
    expect(registrations).toEqual([]);
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems.map((p) => p.key)).toEqual(["homelab:flux.localCheckout"]);
    expect(problems[0]?.message).toContain(`apps/app.sops.yaml is encrypted for ${strangerRecipient}`);
  });

  it("runs when every file in the checkout opens", async () => {
    const secrets = connectSecrets(await generateSecrets());
    const dir = checkout({ "apps/app.sops.yaml": await sopsEncrypt(secret("app"), [await recipientOf(String(secrets.sopsAgeKey))]) });
    const settings = singleNodeSettings();
    settings["flux"] = { ...(settings["flux"] as object), localCheckout: dir };
    const run = await runExample({ settings, secrets });
    expect(run.registrations.length).toBeGreaterThan(10);
  });

  it("accepts a post-quantum age identity (AGE-SECRET-KEY-PQ-1…) and exports its age1pq1 recipient", async () => {
    const age = await import("age-encryption");
    const secrets = { ...connectSecrets(await generateSecrets()), sopsAgeKey: await age.generateHybridIdentity() };
    const run = await runExample({ secrets });
    expect(String(run.outputs["ageRecipient"]?.value)).toMatch(/^age1pq1/);
    expect(run.outputs["ageRecipient"]?.value).toBe(await recipientOf(secrets.sopsAgeKey));
  });

  it("names a checkout that does not exist", async () => {
    const settings = singleNodeSettings();
    settings["flux"] = { ...(settings["flux"] as object), localCheckout: join(tmpdir(), "no-such-gitops-checkout") };
    const { error } = await runFailingProgram(stackConfig(settings, connectSecrets(await generateSecrets())));
    expect((error as ConfigError).problems[0]?.message).toMatch(/^cannot read .*no-such-gitops-checkout/);
  });
});
