/**
 * The SOPS reader (components/lib/sops.ts, used by the preflight, `npm run doctor` and
 * `sops-guard`) held to the real sops (getsops/sops v3.13.2, the version kustomize-controller
 * v1.9.4 of Flux 2.9.4 decrypts with): files of every format sops writes, encrypted by sops itself
 * with keys made at test time, must be read as sops reads them: whether the file is encrypted
 * (`sops filestatus`), its recipients, which values are encrypted, and whether a given key
 * decrypts it (`sops --decrypt`).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { opensFile } from "../../components/config/sops";
import {
  formatForPath,
  guardProblems,
  leaves,
  parseSopsFile,
  scanDirectory,
  type SopsFile,
  sopsGuard,
  valueEncrypted,
} from "../../components/lib/sops";
import {
  type CreationRule,
  pqKey,
  sopsDecrypts,
  sopsEncrypt,
  sopsFileStatus,
  sopsWorkspace,
  sshKey,
  type TestKey,
  x25519Key,
} from "../support/sops-binary";

const dir = sopsWorkspace();
const alice = x25519Key(dir);
const bob = x25519Key(dir);
const carol = x25519Key(dir);
const keys = { alice, bob, carol };

/** A directory holding one file, for the reader's own scan. */
function checkout(name: string, source: string): string {
  const at = mkdtempSync(join(dir, "scan-"));
  writeFileSync(join(at, name), source);
  return at;
}

function read(name: string, source: string): SopsFile {
  const format = formatForPath(name);
  const documents = parseSopsFile(source, format);
  return { name, format, documents, encrypted: documents.some((d) => d.metadata !== undefined) };
}

/** For every value of the file sops wrote: the reader predicts ENC[…] exactly where sops put it. */
function expectEncryptedAsSops(file: SopsFile): void {
  for (const { content, metadata } of file.documents) {
    for (const [path, value] of leaves(content)) {
      expect({ path, encrypted: valueEncrypted(path, value, metadata!.rules) }).toEqual({
        path,
        encrypted: String(value).startsWith("ENC["),
      });
    }
  }
}

interface Case {
  title: string;
  name: string;
  plain: string;
  rule: CreationRule;
}

const secretYaml = `# a Secret and a ConfigMap in one file
apiVersion: v1
kind: Secret
metadata:
  name: app # inline comment
  namespace: apps
stringData:
  password: hunter2
  token: abc
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
`;

const cases: Case[] = [
  {
    title: "YAML, two documents with comments, data/stringData only",
    name: "app.sops.yaml",
    plain: secretYaml,
    rule: { age: [alice.recipient], encrypted_regex: "^(data|stringData)$" },
  },
  {
    title: "YAML, everything but *_unencrypted (the default rule)",
    name: "values.sops.yaml",
    plain: "a: 1\nb: true\nc:\n  - x\n  - 2.5\nname_unencrypted: visible\n",
    rule: { age: [alice.recipient, bob.recipient] },
  },
  {
    title: "JSON",
    name: "config.sops.json",
    plain: JSON.stringify({ user: "me", pass: "secret", nested: { list: [1, "two", { k: "v" }] } }),
    rule: { age: [bob.recipient] },
  },
  { title: "dotenv", name: "secret.sops.env", plain: "USER=me\nPASSWORD=secret\n", rule: { age: [alice.recipient] } },
  {
    title: "INI",
    name: "app.sops.ini",
    plain: "[database]\nuser = me\npassword = secret\n\n[cache]\nsize = 10\n",
    rule: { age: [carol.recipient] },
  },
  { title: "binary (any other extension)", name: "blob.txt", plain: "raw bytes\nnot a manifest\n", rule: { age: [alice.recipient] } },
  // sops leaves an empty value as it is (getsops/sops aes/cipher.go, Encrypt: isEmpty, v3.13.2).
  {
    title: "YAML with empty values, a Secret's among them",
    name: "empty.sops.yaml",
    plain: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\nstringData:\n  set: x\n  unset: ""\nlist:\n  - ""\n  - y\n',
    rule: { age: [alice.recipient] },
  },
  { title: "dotenv with an empty value", name: "empty.sops.env", plain: "SET=x\nUNSET=\n", rule: { age: [alice.recipient] } },
  // Go regular expressions (RE2), matched by sops with regexp.Match (sops.go, shouldBeEncrypted): JavaScript has no `(?i)`.
  {
    title: "encrypted_regex with Go's (?i) flag",
    name: "flags.sops.yaml",
    plain: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: f\nstringData:\n  a: x\nDATA:\n  b: y\nother: z\n",
    rule: { age: [alice.recipient], encrypted_regex: "(?i)^(data|stringdata)$" },
  },
  // Flattened stores keep metadata as strings: shamir_threshold=2 (stores/metadata.go, WeaklyTypedInput); sops needs at least 2.
  {
    title: "dotenv, three key groups, two needed, alice in two of them",
    name: "groups.sops.env",
    plain: "A=1\nB=2\n",
    rule: {
      key_groups: [{ age: [alice.recipient] }, { age: [alice.recipient, bob.recipient] }, { age: [carol.recipient] }],
      shamir_threshold: 2,
    },
  },
  {
    title: "INI, three key groups, two needed, alice in two of them",
    name: "groups.sops.ini",
    plain: "[s]\nk = v\n",
    rule: {
      key_groups: [{ age: [alice.recipient, bob.recipient] }, { age: [alice.recipient, carol.recipient] }, { age: [carol.recipient] }],
      shamir_threshold: 2,
    },
  },
];

describe.each(cases)("$title, encrypted by the real sops", ({ name, plain, rule }) => {
  const encrypted = sopsEncrypt(dir, name, plain, rule);
  const file = read(name, encrypted);

  it("is encrypted for sops and for the reader", () => {
    expect(sopsFileStatus(dir, name, encrypted)).toBe(true);
    expect(file.encrypted).toBe(true);
  });

  it("names the recipients sops encrypted to, group by group", () => {
    const wanted = (rule.key_groups?.map((g) => g.age) ?? [rule.age ?? []]).map((group) => [...group].sort());
    for (const document of file.documents) {
      expect(document.metadata?.groups.map((g) => g.age.map((s) => s.recipient).sort())).toEqual(wanted);
    }
  });

  it("predicts which values sops encrypted", () => {
    expectEncryptedAsSops(file);
  });

  it.each(Object.keys(keys))("opens with %s exactly when sops --decrypt does", async (who) => {
    const key: TestKey = keys[who as keyof typeof keys];
    expect(await opensFile(file, key.identity)).toBe(sopsDecrypts(dir, name, encrypted, key));
  });

  it("leaves the guard nothing to report", () => {
    expect(guardProblems([file])).toEqual([]);
  });

  it("the plaintext file is not encrypted, for sops and for the reader's scan", async () => {
    const scan = await scanDirectory(checkout(name, plain));
    expect(scan.problems).toEqual([]);
    expect(scan.files.filter((f) => f.encrypted)).toEqual([]);
    // sops filestatus fails on a binary file that is not its JSON envelope, rather than say "not encrypted".
    expect(sopsFileStatus(dir, name, plain) ?? false).toBe(false);
  });

  it("the reader's scan finds the encrypted file", async () => {
    const scan = await scanDirectory(checkout(name, encrypted));
    expect(scan.files.map((f) => [f.name, f.encrypted])).toEqual([[name, true]]);
  });
});

/**
 * Go's regexp.Match decides, through sops, which keys a rule matches: one file per pattern, with
 * every key below, encrypted by sops under `encrypted_regex` and under `unencrypted_regex`.
 */
const goPatterns = [
  "^(data|stringData)$",
  "(?i)^(data|stringdata)$",
  "(?i:pass)word",
  "\\Apass\\z",
  "^[[:upper:]]+$",
  "[^[:alpha:]]",
  "^\\Qa.b\\E$",
  "(?P<name>tok)en",
  "\\bkey\\b",
  "^.{3}$",
  "x{2,}",
  "a{,3}",
  "^\\pL+\\d$",
  "(?U)^a+b",
  "^(?:secret|token)_[a-z0-9]+$",
  "(?i)SECRET",
  "^\\x41",
  "[\\d\\s]",
];
const probeKeys = [
  "data",
  "stringData",
  "DATA",
  "password",
  "PassWord",
  "pass",
  "a.b",
  "axb",
  "token",
  "key",
  "mykey",
  "my key",
  "abc",
  "ab",
  "xx",
  "a{,3}",
  "éa1",
  "Ω1",
  "secret_1",
  "SECRET",
  "ABC",
  "Ab",
  "aab",
  "x1",
];

describe.each(goPatterns)("the Go expression %s, as sops matches it", (pattern) => {
  const plain = probeKeys.map((key) => `${JSON.stringify(key)}: v`).join("\n");
  it.each(["encrypted_regex", "unencrypted_regex"] as const)("under %s: the reader predicts every key", (rule) => {
    const encrypted = sopsEncrypt(dir, "probe.sops.yaml", plain, { age: [alice.recipient], [rule]: pattern });
    const [document] = read("probe.sops.yaml", encrypted).documents;
    const predicted = probeKeys.map((key) => [key, valueEncrypted([key], "v", document!.metadata!.rules)]);
    const actual = probeKeys.map((key) => [key, String((document!.content as Record<string, unknown>)[key]).startsWith("ENC[")]);
    expect(predicted).toEqual(actual);
  });
});

/**
 * The recipient kinds the pinned sops encrypts to (getsops/sops age/keysource.go, parseRecipient,
 * v3.13.2): X25519 `age1…`, post-quantum hybrid `age1pq1…`, and SSH `ssh-ed25519`/`ssh-rsa`
 * (age plugins need their plugin binary, which nothing here has). The stack's key is an age
 * identity, so the reader opens with X25519 and post-quantum identities; SSH keys open files
 * only for sops itself, which is checked so the SSH cases are real.
 */
describe("every age recipient kind sops supports", async () => {
  const pq = await pqKey(dir);
  const ed25519 = sshKey(dir, "ed25519");
  const rsa = sshKey(dir, "rsa");
  const kinds: [string, CreationRule, TestKey[]][] = [
    ["post-quantum only", { age: [pq.recipient] }, [pq]],
    ["X25519 and ssh-ed25519", { age: [alice.recipient, ed25519.recipient] }, [alice, ed25519]],
    ["ssh-rsa only", { age: [rsa.recipient] }, [rsa]],
    [
      "groups: post-quantum, ssh-ed25519, X25519 (2 needed)",
      { key_groups: [{ age: [pq.recipient] }, { age: [ed25519.recipient] }, { age: [bob.recipient] }], shamir_threshold: 2 },
      [],
    ],
  ];
  describe.each(kinds)("%s", (_title, rule, openers) => {
    const encrypted = sopsEncrypt(dir, "kinds.sops.yaml", "a: 1\n", rule);
    const file = read("kinds.sops.yaml", encrypted);

    it("the reader names every recipient", () => {
      const wanted = (rule.key_groups?.map((g) => g.age) ?? [rule.age ?? []]).map((group) => [...group].sort());
      expect(file.documents[0]?.metadata?.groups.map((g) => g.age.map((s) => s.recipient).sort())).toEqual(wanted);
    });

    it.each([alice, bob, pq, ed25519, rsa])("sops decrypts with the $kind key $recipient only when it is a recipient", (key) => {
      expect(sopsDecrypts(dir, "kinds.sops.yaml", encrypted, key)).toBe(openers.includes(key));
    });

    it.each([alice, bob, pq])("the reader opens with the $kind identity $recipient exactly when sops does", async (key) => {
      expect(await opensFile(file, key.identity)).toBe(sopsDecrypts(dir, "kinds.sops.yaml", encrypted, key));
    });
  });
});

/** More of what sops writes: suffix rules, nested lists and nulls, comments, INI's default section. */
describe.each([
  {
    title: "JSON, nested lists and null, encrypted_suffix",
    name: "suffix.sops.json",
    plain: JSON.stringify({
      db_secret: { users: [{ name: "a", pw: "x" }, ["y", 2]] },
      public: { list: [1, null, "z"] },
      flag_secret: true,
    }),
    rule: { age: [alice.recipient], encrypted_suffix: "_secret" },
  },
  {
    title: "YAML, unencrypted_suffix of its own",
    name: "plain-suffix.sops.yaml",
    plain: "keep_plain: visible\nnested:\n  also_plain:\n    deep: visible\n  hidden: x\n",
    rule: { age: [alice.recipient], unencrypted_suffix: "_plain" },
  },
  {
    title: "YAML, unencrypted_regex over a Secret's metadata",
    name: "meta.sops.yaml",
    plain: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: m\n  labels:\n    a: b\nstringData:\n  k: v\n",
    rule: { age: [alice.recipient], unencrypted_regex: "^(apiVersion|kind|metadata)$" },
  },
  {
    title: "dotenv with comments and an escaped newline",
    name: "comments.sops.env",
    plain: "# a comment\nKEY=line1\\nline2\n#another\nOTHER=x\n",
    rule: { age: [alice.recipient] },
  },
  {
    title: "INI, keys before any section and a comment",
    name: "default.sops.ini",
    plain: "top = 1\n; a comment\n[section]\nkey = value\n",
    rule: { age: [alice.recipient] },
  },
])("$title, encrypted by the real sops", ({ name, plain, rule }) => {
  const encrypted = sopsEncrypt(dir, name, plain, rule);
  const file = read(name, encrypted);

  it("predicts which values sops encrypted, and the guard agrees", () => {
    expectEncryptedAsSops(file);
    expect(guardProblems([file])).toEqual([]);
  });

  it("opens with alice, as sops --decrypt does", async () => {
    expect(sopsDecrypts(dir, name, encrypted, alice)).toBe(true);
    expect(await opensFile(file, alice.identity)).toBe(true);
  });
});

/** Files that carry a `sops` key but are not encrypted for sops (cmd/sops/subcommand/filestatus, cfs: metadata with a version and a MAC). */
describe("files with incomplete sops metadata", () => {
  const encrypted = sopsEncrypt(dir, "meta.sops.yaml", "a: 1\n", { age: [alice.recipient] });
  it.each([
    ["without its version", encrypted.replace(/^ {4}version: .*\n/m, "")],
    ["without its mac", encrypted.replace(/^ {4}mac: .*\n/m, "")],
    ["intact", encrypted],
  ])("%s: encrypted for the reader exactly when sops filestatus says so", (what, source) => {
    expect(source === encrypted).toBe(what === "intact");
    expect(read("meta.sops.yaml", source).encrypted).toBe(sopsFileStatus(dir, "meta.sops.yaml", source));
  });
});

describe("a rule the guard cannot evaluate", () => {
  // RE2 has no lookbehind; sops matches nothing with it (regexp.Match's error is ignored in shouldBeEncrypted).
  const source = sopsEncrypt(dir, "odd.sops.yaml", "a: 1\n", { age: [alice.recipient] }).replace(
    /^ {4}unencrypted_suffix: .*$/m,
    "    encrypted_regex: (?<=x)a",
  );

  it("is one line naming it, and the file is refused, no crash", async () => {
    const at = checkout("odd.sops.yaml", source);
    const lines = await sopsGuard(at);
    expect(lines).toEqual([
      expect.stringMatching(
        /^odd\.sops\.yaml: cannot tell which values sops encrypts: its encrypted_regex \(\?<=x\)a is not a Go regular expression/,
      ),
    ]);
  });
});
