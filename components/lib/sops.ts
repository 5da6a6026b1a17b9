/**
 * SOPS files as the real `sops` binary writes them, read without any key: which files are
 * encrypted, their metadata (recipients, key groups, encryption rules) in every format Flux
 * decrypts, and the guardrail that no Secret value is left in plaintext.
 *
 * This is the one reader of SOPS metadata: the program's preflight, `npm run doctor` and the
 * `sops-guard` command (bundled into the GitOps template's pre-commit hook and CI job) use it.
 * It depends on `yaml` only, so the bundle runs with plain `node`.
 */
import type { Dirent } from "node:fs";
import { lstat, readdir, readFile } from "node:fs/promises";
import { basename, extname, join, posix, relative, sep } from "node:path";

import { parseAllDocuments } from "yaml";

import { goRegExp } from "./go-regexp";

/**
 * The store sops picks from a file name (getsops/sops cmd/sops/formats/formats.go, FormatForPath,
 * v3.13.2); kustomize-controller uses the same, reading `.dockerconfigjson` keys as JSON
 * (fluxcd/kustomize-controller internal/decryptor/decryptor.go, formatForPath, v1.9.4, the line Flux 2.9 ships).
 */
export type SopsFormat = "yaml" | "json" | "dotenv" | "ini" | "binary";

export function formatForPath(path: string): SopsFormat {
  if (path.endsWith(".dockerconfigjson")) return "json";
  switch (extname(path)) {
    case ".yaml":
    case ".yml":
      return "yaml";
    case ".json":
      return "json";
    case ".env":
      return "dotenv";
    case ".ini":
      return "ini";
    default:
      return "binary";
  }
}

/**
 * The bytes by which kustomize-controller recognises an encrypted file of each format
 * (decryptor.go, sopsFormatToMarkerBytes, v1.9.4); a binary file is sops' JSON envelope.
 */
const markers: Record<SopsFormat, string> = {
  yaml: "mac: ENC[",
  json: '"mac": "ENC[',
  binary: '"mac": "ENC[',
  dotenv: "sops_mac=ENC[",
  ini: "[sops]",
};

/** kustomize-controller refuses to decrypt files larger than this (decryptor.go, maxEncryptedFileSize). */
const maxEncryptedFileSize = 5 << 20;

export interface AgeStanza {
  recipient: string;
  /** The file's data key (or its Shamir share), age-encrypted and armored. */
  enc: string;
}

export interface KeyGroup {
  age: AgeStanza[];
  /** The group's other master keys, described (`pgp <fingerprint>`, `kms <arn>`, …). */
  others: string[];
}

/** Which values sops encrypts (getsops/sops sops.go, shouldBeEncrypted, v3.13.2). */
export interface EncryptionRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  /** `encrypted_comment_regex` / `unencrypted_comment_regex`: decided by comments, which the parsed data lacks. */
  byComments: boolean;
}

export interface SopsMetadata {
  groups: KeyGroup[];
  /** How many groups must be opened to rebuild the data key. */
  threshold: number;
  rules: EncryptionRules;
}

export interface SopsDocument {
  /** The document without its `sops` metadata. */
  content: unknown;
  metadata: SopsMetadata | undefined;
}

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The master-key lists of a group or of the flat metadata, by the field names of getsops/sops stores/stores.go. */
const otherKeyFields: [field: string, id: string][] = [
  ["pgp", "fp"],
  ["kms", "arn"],
  ["gcp_kms", "resource_id"],
  ["hckms", "key_id"],
  ["azure_kv", "vault_url"],
  ["hc_vault", "vault_address"],
];

function keyGroup(tree: Tree): KeyGroup {
  const age = list(tree["age"])
    .filter(isTree)
    .flatMap((s) => {
      const recipient = text(s["recipient"]);
      const enc = text(s["enc"]);
      return recipient !== undefined && enc !== undefined ? [{ recipient, enc }] : [];
    });
  const others = otherKeyFields.flatMap(([field, id]) =>
    list(tree[field])
      .filter(isTree)
      .map((k) => `${field} ${text(k[id]) ?? "?"}`),
  );
  return { age, others };
}

/**
 * A number of the metadata: the dotenv and INI stores keep every value as a string
 * (`sops_shamir_threshold=2`), which sops decodes weakly typed (getsops/sops stores/metadata.go,
 * treeBranchToMetadata: mapstructure WeaklyTypedInput, v3.13.2).
 */
function wholeNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  return typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * Normalises a `sops` metadata tree: a file with one key group keeps its keys at the top level,
 * one with several under `key_groups` (stores.go, metadataFromInternal / internalKeygroups);
 * without `shamir_threshold` every group is needed (sops.go, UpdateMasterKeysWithKeyServices).
 * A file that names no rule encrypts everything but keys ending in `_unencrypted` (stores.go, ToInternal).
 */
export function parseMetadata(sops: unknown): SopsMetadata | undefined {
  // Without a version or a MAC sops itself calls the file not encrypted (cmd/sops/subcommand/filestatus, cfs, v3.13.2).
  if (!isTree(sops) || text(sops["mac"]) === undefined || text(sops["version"]) === undefined) return undefined;
  const flat = keyGroup(sops);
  const groups = flat.age.length > 0 || flat.others.length > 0 ? [flat] : list(sops["key_groups"]).filter(isTree).map(keyGroup);
  const threshold = wholeNumber(sops["shamir_threshold"]) ?? 0;
  const rules: EncryptionRules = {
    ...(text(sops["unencrypted_suffix"]) ? { unencryptedSuffix: text(sops["unencrypted_suffix"]) } : {}),
    ...(text(sops["encrypted_suffix"]) ? { encryptedSuffix: text(sops["encrypted_suffix"]) } : {}),
    ...(text(sops["unencrypted_regex"]) ? { unencryptedRegex: text(sops["unencrypted_regex"]) } : {}),
    ...(text(sops["encrypted_regex"]) ? { encryptedRegex: text(sops["encrypted_regex"]) } : {}),
    byComments: text(sops["encrypted_comment_regex"]) !== undefined || text(sops["unencrypted_comment_regex"]) !== undefined,
  };
  const named = rules.unencryptedSuffix ?? rules.encryptedSuffix ?? rules.unencryptedRegex ?? rules.encryptedRegex;
  return {
    groups,
    threshold: threshold > 0 ? Math.min(threshold, Math.max(groups.length, 1)) : Math.max(groups.length, 1),
    rules: named || rules.byComments ? rules : { ...rules, unencryptedSuffix: "_unencrypted" },
  };
}

/**
 * The file's regular expression this reader cannot evaluate as Go does (components/lib/go-regexp.ts),
 * named for a message; undefined when there is none.
 */
export function unreadableRule(rules: EncryptionRules): string | undefined {
  if (rules.unencryptedRegex !== undefined && goRegExp(rules.unencryptedRegex) === undefined)
    return `unencrypted_regex ${rules.unencryptedRegex}`;
  if (rules.encryptedRegex !== undefined && goRegExp(rules.encryptedRegex) === undefined) return `encrypted_regex ${rules.encryptedRegex}`;
  return undefined;
}

/**
 * Whether sops encrypts the value at `path` (sops.go, shouldBeEncrypted, v3.13.2: the rules are Go
 * regular expressions, matched with regexp.Match); undefined when comments decide or a rule is
 * not a Go expression this reader can evaluate (unreadableRule).
 */
export function shouldBeEncrypted(path: string[], rules: EncryptionRules): boolean | undefined {
  if (rules.byComments || unreadableRule(rules) !== undefined) return undefined;
  let encrypted = true;
  const { unencryptedSuffix, encryptedSuffix, unencryptedRegex, encryptedRegex } = rules;
  const anyMatch = (pattern: string) => {
    const expression = goRegExp(pattern);
    return path.some((p) => expression?.test(p) === true);
  };
  if (unencryptedSuffix !== undefined && path.some((p) => p.endsWith(unencryptedSuffix))) encrypted = false;
  if (encryptedSuffix !== undefined) encrypted = path.some((p) => p.endsWith(encryptedSuffix));
  if (unencryptedRegex !== undefined && anyMatch(unencryptedRegex)) encrypted = false;
  if (encryptedRegex !== undefined) encrypted = anyMatch(encryptedRegex);
  return encrypted;
}

/**
 * Whether sops writes the value at `path` encrypted: as its rules say, but an empty value stays as
 * it is (getsops/sops aes/cipher.go, Encrypt: isEmpty, v3.13.2).
 */
export function valueEncrypted(path: string[], value: unknown, rules: EncryptionRules): boolean | undefined {
  return value === "" ? false : shouldBeEncrypted(path, rules);
}

/**
 * Rebuilds the tree that the dotenv and INI stores flatten (`age__list_0__map_recipient`;
 * getsops/sops stores/flatten.go), unescaping the newlines they escape.
 */
export function unflatten(entries: [string, string][]): Tree {
  const root: Tree = {};
  for (const [key, value] of entries) {
    const tokens = key.split(/__(?=(?:list|map)_)/);
    let node: unknown[] | Tree = root;
    tokens.forEach((token, index) => {
      const name = index === 0 ? token : token.replace(/^(list|map)_/, "");
      const next = tokens[index + 1];
      const slot: string | number = Array.isArray(node) ? Number(name) : name;
      const container = node as Record<string | number, unknown>;
      if (next === undefined) {
        container[slot] = value.replace(/\\n/g, "\n");
        return;
      }
      container[slot] ??= next.startsWith("list_") ? [] : {};
      node = container[slot] as unknown[] | Tree;
    });
  }
  return root;
}

function splitLine(line: string): [string, string] | undefined {
  const at = line.indexOf("=");
  return at < 0 ? undefined : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
}

function parseDotenv(source: string): SopsDocument {
  const values: Tree = {};
  const sops: [string, string][] = [];
  for (const line of source.split(/\r?\n/)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const pair = splitLine(line);
    if (pair === undefined) throw new Error(`line ${JSON.stringify(line)} is not KEY=value`);
    if (pair[0].startsWith("sops_")) sops.push([pair[0].slice("sops_".length), pair[1]]);
    else values[pair[0]] = pair[1];
  }
  return { content: values, metadata: sops.length > 0 ? parseMetadata(unflatten(sops)) : undefined };
}

function parseIni(source: string): SopsDocument {
  const sections: Record<string, Tree> = {};
  const sops: [string, string][] = [];
  let section: string | undefined;
  for (const line of source.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith(";") || trimmed.startsWith("#")) continue;
    const header = /^\[(.*)\]$/.exec(trimmed);
    if (header) {
      section = header[1] ?? "";
      continue;
    }
    const pair = splitLine(trimmed);
    if (pair === undefined) throw new Error(`line ${JSON.stringify(line)} is not key = value`);
    if (section === "sops") sops.push(pair);
    else (sections[section ?? "DEFAULT"] ??= {})[pair[0]] = pair[1];
  }
  return { content: sections, metadata: sops.length > 0 ? parseMetadata(unflatten(sops)) : undefined };
}

function withoutSops(value: unknown): SopsDocument {
  if (!isTree(value)) return { content: value, metadata: undefined };
  const { sops, ...content } = value;
  return { content, metadata: parseMetadata(sops) };
}

/** Every document of a file with its metadata: sops writes metadata into each YAML document. */
export function parseSopsFile(source: string, format: SopsFormat): SopsDocument[] {
  switch (format) {
    case "yaml":
      return parseAllDocuments(source).flatMap((document) => {
        if (document.errors.length > 0) throw new Error(document.errors[0]?.message.split("\n")[0]);
        const value: unknown = document.toJS();
        return value === null || value === undefined ? [] : [withoutSops(value)];
      });
    case "json":
    case "binary":
      return [withoutSops(JSON.parse(source))];
    case "dotenv":
      return [parseDotenv(source)];
    case "ini":
      return [parseIni(source)];
    default: {
      const exhaustive: never = format;
      throw new Error(`unhandled format ${String(exhaustive)}`);
    }
  }
}

export interface SopsFile {
  /** Path relative to the scanned directory, with `/` separators. */
  name: string;
  format: SopsFormat;
  documents: SopsDocument[];
  /** At least one document carries sops metadata. */
  encrypted: boolean;
  /** Set for an editor's backup or swap file: the file it copies (see `copiedFile`). */
  copyOf?: string;
}

/**
 * The file an editor's backup or swap file copies: `x~` and `#x#` (Emacs), `.x.swp`, `.x.swo`, …
 * (Vim), `x.bak`, `x.orig`, `x.old`, `x.save`, `x.tmp`. Kustomize and Flux never read these names,
 * but `git add` commits them, and a file in Git is exposed whatever its name: the guard judges them
 * by the file they copy.
 */
export function copiedFile(name: string): string | undefined {
  const file = posix.basename(name);
  const original =
    /^(.+)~$/.exec(file)?.[1] ??
    /^#(.+)#$/.exec(file)?.[1] ??
    /^\.(.+)\.sw[a-p]$/.exec(file)?.[1] ??
    /^(.+)\.(bak|orig|old|save|tmp)$/.exec(file)?.[1];
  if (original === undefined) return undefined;
  const dir = posix.dirname(name);
  return dir === "." ? original : `${dir}/${original}`;
}

/** A file sops is meant to encrypt by name (`*.sops.yaml`, `secret.sops.env`, …), not the `.sops.yaml` config. */
export function namedEncrypted(name: string): boolean {
  const file = basename(name);
  return file !== ".sops.yaml" && /\.sops\.[^.]+$/.test(file);
}

const manifestFormats: SopsFormat[] = ["yaml", "json", "dotenv", "ini"];

async function walk(dir: string): Promise<string[]> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return [".git", "node_modules"].includes(entry.name) ? [] : walk(path);
      return entry.isFile() ? [path] : [];
    }),
  );
  return nested.flat();
}

/** What a scan found: the files it read, and the ones it could not parse. */
export interface Scan {
  files: SopsFile[];
  problems: string[];
}

/**
 * Reads every file under `dir` that may hold a manifest or an encrypted value: YAML, JSON, dotenv
 * and INI files, files named `*.sops.*`, and any file with the JSON envelope kustomize-controller
 * decrypts (a binary file in a secretGenerator). A file that cannot be parsed is a problem, not
 * the end of the scan.
 */
export async function scanDirectory(dir: string): Promise<Scan> {
  const files: SopsFile[] = [];
  const problems: string[] = [];
  for (const path of (await walk(dir)).sort()) {
    const name = relative(dir, path).split(sep).join("/");
    if (basename(name) === ".sops.yaml") continue;
    const copyOf = copiedFile(name);
    const original = copyOf ?? name;
    // `Kustomization` has no extension but is YAML to kustomize.
    const format = basename(original) === "Kustomization" ? "yaml" : formatForPath(original);
    const candidate = manifestFormats.includes(format) || namedEncrypted(original);
    if (!candidate && (await lstat(path)).size > maxEncryptedFileSize) continue;
    const source = await readFile(path, "utf8");
    if (!candidate && !source.includes(markers[format])) continue;
    try {
      const documents = parseSopsFile(source, format);
      const encrypted = documents.some((d) => d.metadata !== undefined);
      files.push({ name, format, documents, encrypted, ...(copyOf === undefined ? {} : { copyOf }) });
    } catch (error) {
      if (copyOf !== undefined) {
        // A swap file is binary: what it holds cannot be read, so it is refused, never skipped.
        problems.push(
          `${name} is an editor's swap or backup file of ${copyOf} that cannot be read as ${format}, so whether it holds plaintext is unknown: delete it (and ignore the pattern in .gitignore)`,
        );
        continue;
      }
      // A binary file that merely contains the marker bytes (a script, say) is not sops' JSON envelope.
      if (format === "yaml" || namedEncrypted(name) || (format !== "binary" && source.includes(markers[format]))) {
        problems.push(`${name} cannot be read as ${format}: ${(error as Error).message}; fix its syntax`);
      }
    }
  }
  return { files, problems };
}

const isEncryptedValue = (value: unknown): boolean => typeof value === "string" && value.startsWith("ENC[");

interface Manifest {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
  data?: unknown;
  stringData?: unknown;
}

function describe(manifest: Manifest): string {
  const name = typeof manifest.metadata?.name === "string" ? manifest.metadata.name : "(unnamed)";
  return typeof manifest.metadata?.namespace === "string" ? `Secret ${manifest.metadata.namespace}/${name}` : `Secret ${name}`;
}

function ruleName(rules: EncryptionRules): string {
  if (rules.encryptedRegex !== undefined) return `encrypted_regex ${rules.encryptedRegex}`;
  if (rules.unencryptedRegex !== undefined) return `unencrypted_regex ${rules.unencryptedRegex}`;
  if (rules.encryptedSuffix !== undefined) return `encrypted_suffix ${rules.encryptedSuffix}`;
  return `unencrypted_suffix ${rules.unencryptedSuffix ?? "_unencrypted"}`;
}

/** Leaves of a tree with their key paths (list positions are not keys: sops matches rules on map keys). */
export function leaves(value: unknown, path: string[] = []): [string[], unknown][] {
  if (Array.isArray(value)) return value.flatMap((item) => leaves(item, path));
  if (isTree(value)) return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]));
  return value === null ? [] : [[path, value]];
}

/**
 * The objects kustomize builds from a document: the items of any `*List` with `items`, nested
 * lists included (kubernetes-sigs/kustomize api/resource/factory.go, inlineAnyEmbeddedLists,
 * api/v0.21.1, the version kustomize-controller v1.9.4 builds with), else the document itself.
 */
function manifestsOf(content: unknown, label = "", prefix: string[] = []): { manifest: Manifest; label: string; prefix: string[] }[] {
  if (!isTree(content)) return [];
  const kind = content["kind"];
  if (typeof kind === "string" && kind.endsWith("List") && Array.isArray(content["items"])) {
    return content["items"].flatMap((item, index) => manifestsOf(item, `${label} (${kind} item ${index + 1})`, [...prefix, "items"]));
  }
  return [{ manifest: content, label, prefix }];
}

function encryptedFileProblems(file: SopsFile): string[] {
  const problems: string[] = [];
  const many = file.documents.length > 1;
  file.documents.forEach((document, index) => {
    const where = many ? `${file.name} (document ${index + 1})` : file.name;
    const { metadata } = document;
    if (metadata === undefined) {
      problems.push(
        `${where} has no sops metadata although the file's other documents do; sops writes it into every document, so this one was added in plaintext: encrypt the file again with sops`,
      );
      return;
    }
    const unreadable = unreadableRule(metadata.rules);
    if (unreadable !== undefined) {
      problems.push(
        `${where}: cannot tell which values sops encrypts: its ${unreadable} is not a Go regular expression this guard can evaluate; refusing the file: use a plainer expression (e.g. ^(data|stringData)$) and encrypt it again`,
      );
      return;
    }
    const secretPaths = new Set<string>();
    const manifests = manifestFormats.slice(0, 2).includes(file.format) ? manifestsOf(document.content) : [];
    for (const { manifest, label, prefix } of manifests.filter(({ manifest }) => manifest.kind === "Secret")) {
      for (const section of ["data", "stringData"] as const) {
        const values = manifest[section];
        if (!isTree(values)) continue;
        for (const [key, value] of Object.entries(values)) {
          const path = [...prefix, section, key];
          secretPaths.add(path.join("."));
          if (isEncryptedValue(value) || value === "") continue;
          problems.push(
            shouldBeEncrypted(path, metadata.rules) === false
              ? `${where}: ${describe(manifest)}${label} ${section}.${key} is in plaintext: the file's ${ruleName(metadata.rules)} leaves it unencrypted; encrypt every data/stringData value (encrypted_regex: ^(data|stringData)$ in .sops.yaml) and encrypt the file again`
              : `${where}: ${describe(manifest)}${label} ${section}.${key} is in plaintext although sops encrypts it: it was added after encryption; edit the file with \`sops ${file.name}\` instead`,
          );
        }
      }
    }
    for (const [path, value] of leaves(document.content)) {
      if (secretPaths.has(path.join(".")) || isEncryptedValue(value)) continue;
      if (valueEncrypted(path, value, metadata.rules) === true) {
        problems.push(
          `${where}: ${path.join(".")} is in plaintext although the file's ${ruleName(metadata.rules)} encrypts it: it was added after encryption; edit the file with \`sops ${file.name}\` instead`,
        );
      }
    }
  });
  return problems;
}

/** A template to copy and fill in, never listed in a kustomization: `*.example.yaml`. */
export const isTemplate = (name: string): boolean => /\.example\.(ya?ml|json)$/.test(name);

/** The file names kustomize reads as a kustomization (kustomize api/konfig, RecognizedKustomizationFileNames). */
const kustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/**
 * A kustomization's secretGenerator writes a Secret from its `literals` and from the files its
 * `envs` and `files` name; kustomize-controller decrypts those files only when sops encrypted
 * them (fluxcd/kustomize-controller internal/decryptor/decryptor.go, decryptKustomizationSources
 * and sopsDecryptFile, v1.9.4). So a literal, or a file without sops metadata, is a plaintext
 * Secret in Git.
 */
function generatorProblems(file: SopsFile, encrypted: Set<string>): string[] {
  const dir = posix.dirname(file.name);
  return file.documents.flatMap((document) => {
    const generators = isTree(document.content) ? list(document.content["secretGenerator"]).filter(isTree) : [];
    return generators.flatMap((generator) => {
      const name = text(generator["name"]) ?? "(unnamed)";
      const problems =
        list(generator["literals"]).length > 0
          ? [
              `${file.name}: secretGenerator ${name} has plaintext literals in Git; put the values in a sops-encrypted env file (envs: [secret.sops.env]) or let an ExternalSecret write them from 1Password`,
            ]
          : [];
      const sources = [
        ...list(generator["envs"]),
        // The older single `env` (kustomize api/types/kustomization.go, FixKustomization, api/v0.21.1).
        generator["env"],
        ...list(generator["files"]).map((source) => (typeof source === "string" ? source.slice(source.indexOf("=") + 1) : source)),
      ];
      for (const source of sources) {
        if (typeof source !== "string") continue;
        const path = posix.normalize(posix.join(dir, source));
        if (path.startsWith("../") || encrypted.has(path)) continue;
        problems.push(
          `${file.name}: secretGenerator ${name} reads ${path}, which is not SOPS-encrypted; encrypt it with \`sops --encrypt --in-place ${path}\``,
        );
      }
      return problems;
    });
  });
}

/**
 * Secret values an inline patch writes (`patches[].patch`, and `patchesStrategicMerge` entries
 * that are YAML rather than a path; kustomize api/types/kustomization.go,
 * FixKustomizationPreMarshalling, api/v0.21.1): a plaintext value in Git, whatever it patches.
 */
function inlinePatchProblems(file: SopsFile): string[] {
  return file.documents.flatMap((document) => {
    if (!isTree(document.content)) return [];
    const inline = [
      ...list(document.content["patches"]).map((patch) => (isTree(patch) ? patch["patch"] : undefined)),
      ...list(document.content["patchesStrategicMerge"]),
    ].filter((patch): patch is string => typeof patch === "string" && patch.includes("\n"));
    return inline.flatMap((patch) =>
      parseAllDocuments(patch).flatMap((parsed) =>
        manifestsOf(parsed.toJS())
          .filter(({ manifest }) => manifest.kind === "Secret")
          .flatMap(({ manifest, label }) =>
            (["data", "stringData"] as const).flatMap((section) => {
              const values = manifest[section];
              return isTree(values)
                ? Object.entries(values)
                    .filter(([, value]) => !isEncryptedValue(value))
                    .map(
                      ([key]) =>
                        `${file.name}: an inline patch puts ${section}.${key} of ${describe(manifest)}${label} in plaintext into Git; patch it from a *.sops.yaml file instead`,
                    )
                : [];
            }),
          ),
      ),
    );
  });
}

/**
 * The guardrail: every value sops would encrypt is `ENC[…]`, every data/stringData value of a
 * Secret in an encrypted file is, files named `*.sops.*` are encrypted, no `kind: Secret` (alone
 * or in a List) sits in a plaintext manifest other than a `*.example.yaml` template, and no
 * secretGenerator takes literals or plaintext files.
 */
export function guardProblems(files: SopsFile[]): string[] {
  const encrypted = new Set(files.filter((file) => file.encrypted).map((file) => file.name));
  return files.flatMap((file) => {
    if (file.encrypted) return encryptedFileProblems(file);
    if (file.copyOf !== undefined) {
      const plaintext = namedEncrypted(file.copyOf)
        ? file.documents.some((d) => d.content !== null && d.content !== undefined)
        : plaintextProblems({ ...file, name: file.copyOf }, encrypted).length > 0;
      return plaintext
        ? [
            `${file.name} is an editor's backup or swap file of ${file.copyOf}, in plaintext: committed, it exposes what it holds; delete it (and ignore the pattern in .gitignore)`,
          ]
        : [];
    }
    if (namedEncrypted(file.name)) {
      return [`${file.name} is not SOPS-encrypted (no sops metadata); encrypt it with \`sops --encrypt --in-place ${file.name}\``];
    }
    return plaintextProblems(file, encrypted);
  });
}

/** A Secret holds data unless both data and stringData are absent or empty (a Secret without data exposes nothing). */
function holdsData(manifest: Manifest): boolean {
  return [manifest.data, manifest.stringData].some((v) => v !== undefined && v !== null && !(isTree(v) && Object.keys(v).length === 0));
}

/** Plaintext Secrets and secretGenerator inputs of an unencrypted manifest file. */
function plaintextProblems(file: SopsFile, encrypted: Set<string>): string[] {
  // Templates to copy into a *.sops.yaml (the GitOps template's `*.secret.example.yaml`) hold placeholders.
  if (!manifestFormats.slice(0, 2).includes(file.format) || isTemplate(file.name)) return [];
  const generated = kustomizationNames.includes(basename(file.name))
    ? [...generatorProblems(file, encrypted), ...inlinePatchProblems(file)]
    : [];
  return [
    ...generated,
    ...file.documents.flatMap((document, index) => {
      const where = file.documents.length > 1 ? `${file.name} (document ${index + 1})` : file.name;
      return manifestsOf(document.content)
        .filter(({ manifest }) => manifest.kind === "Secret" && holdsData(manifest))
        .map(
          ({ manifest, label }) =>
            `${where}: ${describe(manifest)}${label} is a plaintext Secret in Git; move it to a *.sops.yaml file and encrypt it with sops, or let an ExternalSecret write it from 1Password`,
        );
    }),
  ];
}

/** The whole check for the pre-commit hook and CI: scan, then the guardrail. */
export async function sopsGuard(dir: string): Promise<string[]> {
  const scan = await scanDirectory(dir);
  return [...scan.problems, ...guardProblems(scan.files)].sort();
}
