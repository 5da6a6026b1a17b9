/**
 * The SOPS preflight and guardrail on files written by the real sops binary (copied verbatim from
 * fluxcd/kustomize-controller v1.9.4 and getsops/sops v3.13.2, see test/fixtures/upstream/README.md),
 * opened with the test keys published beside them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";

import { ageRecipientOf, undecryptableSopsFiles } from "../../components/config/sops";
import { formatForPath, parseSopsFile, sopsGuard } from "../../components/lib/sops";
import { tempCheckouts } from "../support/checkout";

const upstream = join(__dirname, "..", "fixtures", "upstream");
const fixture = (path: string) => readFileSync(join(upstream, path), "utf8");
const identityIn = (keyFile: string) =>
  fixture(`sops/keys/${keyFile}`)
    .split("\n")
    .find((line) => line.startsWith("AGE-SECRET-KEY-"))!;

const ageKey = identityIn("age.txt");
const pqKey = identityIn("age-pq.txt");
const globalKey = identityIn("age-global.txt");
const ageRecipient = "age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29";
const globalRecipient = "age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph";

const checkout = tempCheckouts("upstream-sops-");

/** The real age-encrypted files of the kustomize-controller testdata, in every store Flux decrypts. */
const realAgeFiles = {
  "apps/age.sops.yaml": fixture("sops/algorithms/age.yaml"),
  "apps/merge1.sops.yaml": fixture("sops/patches/merge1.yaml"),
  "apps/env.sops.env": fixture("sops/envs/env.env"),
  "apps/file.txt": fixture("sops/files/file.txt"),
};

describe("the preflight on real sops output", () => {
  it("the test keys are the recipients the files name", async () => {
    expect(await ageRecipientOf(ageKey)).toBe(ageRecipient);
    expect(await ageRecipientOf(globalKey)).toBe(globalRecipient);
    expect(await ageRecipientOf(pqKey)).toMatch(/^age1pq1/);
  });

  it("passes on YAML, dotenv and binary-envelope files with their key", async () => {
    expect(await undecryptableSopsFiles(checkout(realAgeFiles), ageKey)).toEqual([]);
  });

  it("names exactly the file encrypted for another key, with that key's recipient", async () => {
    const dir = checkout({ ...realAgeFiles, "infrastructure/global.sops.yaml": fixture("sops/global/secret.yaml") });
    expect(await undecryptableSopsFiles(dir, ageKey)).toEqual([
      `infrastructure/global.sops.yaml is encrypted for ${globalRecipient}, not for this stack's key ${ageRecipient}; add ${ageRecipient} to .sops.yaml and run \`sops updatekeys infrastructure/global.sops.yaml\``,
    ]);
    expect(await undecryptableSopsFiles(checkout({ "g.sops.yaml": fixture("sops/global/secret.yaml") }), globalKey)).toEqual([]);
  });

  it("opens a post-quantum age file (sops 3.12, age1pq1…) with its AGE-SECRET-KEY-PQ-1 identity", async () => {
    const dir = checkout({ "apps/pq.sops.yaml": fixture("sops/algorithms/age-pq.yaml") });
    expect(await undecryptableSopsFiles(dir, pqKey)).toEqual([]);
    const [problem] = await undecryptableSopsFiles(dir, ageKey);
    expect(problem).toMatch(/^apps\/pq\.sops\.yaml is encrypted for age1pq1\w+, not for this stack's key age1l44x/);
  });

  it("names PGP-only files, whose metadata it reads in the YAML, JSON and INI stores", async () => {
    const dir = checkout({
      "a/pgp.sops.yaml": fixture("sops/algorithms/pgp.yaml"),
      "b/format.sops.json": fixture("sops-functional/format.enc.json"),
      "c/format.sops.ini": fixture("sops-functional/format.enc.ini"),
    });
    const fix = (file: string) => `add ${ageRecipient} to .sops.yaml and run \`sops updatekeys ${file}\``;
    expect(await undecryptableSopsFiles(dir, ageKey)).toEqual([
      `a/pgp.sops.yaml is encrypted for pgp 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1 and no age recipient, not for this stack's key ${ageRecipient}; ${fix("a/pgp.sops.yaml")}`,
      `b/format.sops.json is encrypted for pgp FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 and no age recipient, not for this stack's key ${ageRecipient}; ${fix("b/format.sops.json")}`,
      `c/format.sops.ini is encrypted for pgp FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4 and no age recipient, not for this stack's key ${ageRecipient}; ${fix("c/format.sops.ini")}`,
    ]);
  });

  it("reads metadata from every document of a multi-document file, and names a document added in plaintext", async () => {
    const twoDocuments = `${fixture("sops/algorithms/age.yaml")}---\n${fixture("sops/patches/merge1.yaml")}`;
    expect(await undecryptableSopsFiles(checkout({ "multi.sops.yaml": twoDocuments }), ageKey)).toEqual([]);

    const withForeign = `${twoDocuments}---\n${fixture("sops/global/secret.yaml")}`;
    expect(await undecryptableSopsFiles(checkout({ "multi.sops.yaml": withForeign }), ageKey)).toEqual([
      `multi.sops.yaml (document 3) is encrypted for ${globalRecipient}, not for this stack's key ${ageRecipient}; add ${ageRecipient} to .sops.yaml and run \`sops updatekeys multi.sops.yaml\``,
    ]);

    const appended = `${twoDocuments}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: later\nstringData:\n  token: hunter2\n`;
    expect(await undecryptableSopsFiles(checkout({ "multi.sops.yaml": appended }), ageKey)).toEqual([
      "multi.sops.yaml (document 3) has no sops metadata although the file's other documents do; sops writes it into every document, so this one was added in plaintext: encrypt the file again with sops",
    ]);
  });

  describe("key groups (sops.key_groups[], getsops/sops stores/stores.go)", () => {
    const secret = parseYaml(fixture("sops/algorithms/age.yaml")) as { sops: Record<string, unknown> };
    const pgp = parseYaml(fixture("sops/algorithms/pgp.yaml")) as { sops: { pgp: unknown[] } };
    const grouped = (threshold: number | undefined) => {
      const { age, pgp: _none, ...rest } = secret.sops;
      return stringify({
        ...secret,
        sops: { ...rest, key_groups: [{ age }, { pgp: pgp.sops.pgp }], ...(threshold ? { shamir_threshold: threshold } : {}) },
      });
    };

    it("finds the age recipients inside the groups", async () => {
      expect(await undecryptableSopsFiles(checkout({ "kg.sops.yaml": grouped(1) }), ageKey)).toEqual([]);
    });

    it("needs as many opened groups as the Shamir threshold (every group when it is not set)", async () => {
      const problems = [
        ...(await undecryptableSopsFiles(checkout({ "kg.sops.yaml": grouped(2) }), ageKey)),
        ...(await undecryptableSopsFiles(checkout({ "kg.sops.yaml": grouped(undefined) }), ageKey)),
      ];
      expect(problems).toHaveLength(2);
      for (const problem of problems) {
        expect(problem).toBe(
          `kg.sops.yaml needs 2 of its 2 key groups ([1] ${ageRecipient}; [2] pgp 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1), and this stack's key ${ageRecipient} opens 1; Flux holds only that age key, so add ${ageRecipient} to .sops.yaml and run \`sops updatekeys kg.sops.yaml\` in every group, or use one key group`,
        );
      }
    });
  });
});

describe("the stores, read as sops writes them", () => {
  it("picks the store from the name as sops and kustomize-controller do", () => {
    expect(["a.yaml", "a.yml", "a.json", "a.env", "a.ini", "a.txt", "config.dockerconfigjson"].map(formatForPath)).toEqual([
      "yaml",
      "yaml",
      "json",
      "dotenv",
      "ini",
      "binary",
      "json",
    ]);
  });

  it("unflattens the dotenv and INI metadata (sops_age__list_0__map_recipient, [sops] pgp__list_0__map_fp)", () => {
    const [env] = parseSopsFile(fixture("sops/envs/env.env"), "dotenv");
    expect(env?.metadata?.groups).toEqual([
      { age: [{ recipient: ageRecipient, enc: expect.stringMatching(/^-----BEGIN AGE ENCRYPTED FILE-----\n/) as string }], others: [] },
    ]);
    expect(env?.metadata?.rules).toEqual({ unencryptedSuffix: "_unencrypted", byComments: false });
    expect(env?.content).toEqual({ key: expect.stringMatching(/^ENC\[AES256_GCM,/) as string });
    const [ini] = parseSopsFile(fixture("sops-functional/format.enc.ini"), "ini");
    expect(ini?.metadata?.groups).toEqual([{ age: [], others: ["pgp FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4"] }]);
    expect(ini?.content).toEqual({ foo: { bar: expect.stringMatching(/^ENC\[/) as string } });
  });
});

describe("the guardrail on real sops output", () => {
  it("passes on untouched files", async () => {
    expect(await sopsGuard(checkout({ ...realAgeFiles, "pq.sops.yaml": fixture("sops/algorithms/age-pq.yaml") }))).toEqual([]);
  });

  it("names a Secret value added in plaintext after encryption, and one the file's rules leave unencrypted", async () => {
    const tampered = fixture("sops/algorithms/age.yaml").replace("stringData:\n", "stringData:\n  password: hunter2\n");
    const narrowRule = fixture("sops/patches/merge1.yaml")
      .replace("encrypted_regex: ^(data|stringData)$", "encrypted_regex: ^data$")
      .replace("stringData:\n", "stringData:\n  password: hunter2\n");
    const dir = checkout({ "a/age.sops.yaml": tampered, "b/merge1.sops.yaml": narrowRule });
    expect(await sopsGuard(dir)).toEqual([
      "a/age.sops.yaml: Secret age stringData.password is in plaintext although sops encrypts it: it was added after encryption; edit the file with `sops a/age.sops.yaml` instead",
      "b/merge1.sops.yaml: Secret secret stringData.password is in plaintext: the file's encrypted_regex ^data$ leaves it unencrypted; encrypt every data/stringData value (encrypted_regex: ^(data|stringData)$ in .sops.yaml) and encrypt the file again",
    ]);
  });

  it("honours the unencrypted suffix in a dotenv file and names a value added in plaintext", async () => {
    const env = `${fixture("sops/envs/env.env")}note_unencrypted=visible\nextra=hunter2\n`;
    expect(await sopsGuard(checkout({ "app/env.sops.env": env }))).toEqual([
      "app/env.sops.env: extra is in plaintext although the file's unencrypted_suffix _unencrypted encrypts it: it was added after encryption; edit the file with `sops app/env.sops.env` instead",
    ]);
  });

  it("flags a Secret outside encrypted files, and an encrypted-by-name file that is not", async () => {
    const dir = checkout({
      "apps/config.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2\n",
      "apps/token.sops.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: hunter2\n",
      // A template to copy into a *.sops.yaml is not a manifest (the GitOps template's *.secret.example.yaml).
      "apps/token.secret.example.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: REPLACE_ME\n",
    });
    expect(await sopsGuard(dir)).toEqual([
      "apps/config.yaml (document 2): Secret apps/db is a plaintext Secret in Git; move it to a *.sops.yaml file and encrypt it with sops, or let an ExternalSecret write it from 1Password",
      "apps/token.sops.yaml is not SOPS-encrypted (no sops metadata); encrypt it with `sops --encrypt --in-place apps/token.sops.yaml`",
    ]);
  });

  // kustomize inlines the items of any *List (kubernetes-sigs/kustomize api/resource/factory.go,
  // inlineAnyEmbeddedLists, api/v0.21.1, the version kustomize-controller v1.9.4 builds with).
  it("flags a plaintext Secret inside a List, as kustomize applies the items of any *List", async () => {
    const item = "- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: inlist\n  stringData:\n    password: hunter2\n";
    const dir = checkout({
      "apps/list.yaml": `apiVersion: v1\nkind: List\nitems:\n${item}`,
      "apps/secrets.yaml": `apiVersion: v1\nkind: SecretList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: ok\n${item}`,
    });
    expect(await sopsGuard(dir)).toEqual([
      "apps/list.yaml: Secret inlist (List item 1) is a plaintext Secret in Git; move it to a *.sops.yaml file and encrypt it with sops, or let an ExternalSecret write it from 1Password",
      "apps/secrets.yaml: Secret inlist (SecretList item 2) is a plaintext Secret in Git; move it to a *.sops.yaml file and encrypt it with sops, or let an ExternalSecret write it from 1Password",
    ]);
  });

  it("flags a Secret value inside a List of an encrypted file that the file's rules leave unencrypted", async () => {
    const [body = "", metadata = ""] = fixture("sops/patches/merge1.yaml")
      .replace("encrypted_regex: ^(data|stringData)$", "encrypted_regex: ^data$")
      .replace("stringData:\n", "stringData:\n  password: hunter2\n")
      .split(/^(?=sops:)/m);
    const item = body
      .trimEnd()
      .split("\n")
      .map((line, index) => `${index === 0 ? "- " : "  "}${line}`)
      .join("\n");
    const dir = checkout({ "apps/list.sops.yaml": `apiVersion: v1\nkind: List\nitems:\n${item}\n${metadata}` });
    expect(await sopsGuard(dir)).toEqual([
      "apps/list.sops.yaml: Secret secret (List item 1) stringData.password is in plaintext: the file's encrypted_regex ^data$ leaves it unencrypted; encrypt every data/stringData value (encrypted_regex: ^(data|stringData)$ in .sops.yaml) and encrypt the file again",
    ]);
  });

  // kustomize's secretGenerator writes literals and the contents of envs/files into a Secret;
  // kustomize-controller decrypts only files sops encrypted (fluxcd/kustomize-controller
  // internal/decryptor/decryptor.go, DecryptResource / sopsDecryptWithFormat, v1.9.4).
  it("flags secretGenerator literals and generator files that are not encrypted", async () => {
    const dir = checkout({
      "apps/kustomization.yaml": [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "secretGenerator:",
        "- name: lit",
        "  literals: [password=hunter2]",
        "- name: plain",
        "  envs: [plain.env]",
        "  files: [key=plain.txt]",
        "- name: ok",
        "  envs: [env.sops.env]",
        "  files: [file.txt]",
        "",
      ].join("\n"),
      "apps/plain.env": "password=hunter2\n",
      "apps/plain.txt": "hunter2\n",
      "apps/env.sops.env": fixture("sops/envs/env.env"),
      "apps/file.txt": fixture("sops/files/file.txt"),
    });
    expect(await sopsGuard(dir)).toEqual([
      "apps/kustomization.yaml: secretGenerator lit has plaintext literals in Git; put the values in a sops-encrypted env file (envs: [secret.sops.env]) or let an ExternalSecret write them from 1Password",
      "apps/kustomization.yaml: secretGenerator plain reads apps/plain.env, which is not SOPS-encrypted; encrypt it with `sops --encrypt --in-place apps/plain.env`",
      "apps/kustomization.yaml: secretGenerator plain reads apps/plain.txt, which is not SOPS-encrypted; encrypt it with `sops --encrypt --in-place apps/plain.txt`",
    ]);
  });

  it("reports a file it cannot parse instead of giving up on the checkout", async () => {
    const dir = checkout({ ...realAgeFiles, "broken.yaml": "key: [unclosed\n" });
    const problems = await undecryptableSopsFiles(dir, ageKey);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^broken\.yaml cannot be read as yaml: .+; fix its syntax$/);
  });
});
