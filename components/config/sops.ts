/**
 * Preflight for SOPS with age: derive the cluster's public recipient from the stack's identity,
 * and prove that every encrypted file in a local checkout of the GitOps repository can be opened
 * by it and holds no plaintext secret, before Flux ever tries. The metadata is read by
 * components/lib/sops.ts, the same reader `npm run doctor` and the template's sops-guard use.
 */
import { guardProblems, type KeyGroup, scanDirectory, type SopsFile, type SopsMetadata } from "../lib/sops";

// age-encryption is an ES module; this program is CommonJS, so it is loaded on demand.
const loadAge = () => import("age-encryption");

/**
 * The `age1…` (or post-quantum `age1pq1…`) recipient of an `AGE-SECRET-KEY-1…` /
 * `AGE-SECRET-KEY-PQ-1…` identity; throws when the identity is malformed.
 */
export async function ageRecipientOf(identity: string): Promise<string> {
  const age = await loadAge();
  return age.identityToRecipient(identity);
}

/** The age recipients a `.sops.yaml` creation rule names: `age` (comma-separated string or list) and `key_groups[].age`. */
export function ruleRecipients(rule: unknown): string[] {
  if (typeof rule !== "object" || rule === null) return [];
  const split = (value: unknown): string[] =>
    typeof value === "string" ? value.split(/[,\s]+/).filter((s) => s !== "") : Array.isArray(value) ? value.flatMap(split) : [];
  const { age, key_groups: groups } = rule as { age?: unknown; key_groups?: unknown };
  const fromGroups = Array.isArray(groups)
    ? groups.flatMap((g: unknown) => (typeof g === "object" && g !== null ? split((g as { age?: unknown }).age) : []))
    : [];
  return [...split(age), ...fromGroups];
}

async function opensGroup(group: KeyGroup, identity: string): Promise<boolean> {
  const age = await loadAge();
  for (const stanza of group.age) {
    const decrypter = new age.Decrypter();
    decrypter.addIdentity(identity);
    try {
      await decrypter.decrypt(age.armor.decode(stanza.enc));
      return true;
    } catch {
      // not this stanza's recipient; try the next
    }
  }
  return false;
}

/** Which of the document's key groups `identity` opens. */
const groupsOpened = (metadata: SopsMetadata, identity: string): Promise<boolean[]> =>
  Promise.all(metadata.groups.map((group) => opensGroup(group, identity)));

/** Whether `identity` alone decrypts every document of `file`: enough of each document's key groups for its threshold. */
export async function opensFile(file: SopsFile, identity: string): Promise<boolean> {
  for (const { metadata } of file.documents) {
    if (metadata === undefined) continue;
    if ((await groupsOpened(metadata, identity)).filter(Boolean).length < metadata.threshold) return false;
  }
  return true;
}

const describeGroup = (group: KeyGroup) => [...group.age.map((s) => s.recipient), ...group.others].join(", ") || "no key";

/** Why `identity` cannot open `file`, naming its recipients, or undefined when it can. */
async function undecryptable(file: SopsFile, identity: string, recipient: string): Promise<string | undefined> {
  const many = file.documents.length > 1;
  for (const [index, { metadata }] of file.documents.entries()) {
    if (metadata === undefined) continue;
    const opened = await groupsOpened(metadata, identity);
    if (opened.filter(Boolean).length >= metadata.threshold) continue;
    const where = many ? `${file.name} (document ${index + 1})` : file.name;
    const fix = `add ${recipient} to .sops.yaml and run \`sops updatekeys ${file.name}\``;
    if (metadata.groups.length <= 1) {
      const keys = metadata.groups[0] ? describeGroup(metadata.groups[0]) : "no key";
      const listed = metadata.groups[0]?.age.length ? keys : `${keys} and no age recipient`;
      return `${where} is encrypted for ${listed}, not for this stack's key ${recipient}; ${fix}`;
    }
    const groups = metadata.groups.map((g, i) => `[${i + 1}] ${describeGroup(g)}`).join("; ");
    return `${where} needs ${metadata.threshold} of its ${metadata.groups.length} key groups (${groups}), and this stack's key ${recipient} opens ${opened.filter(Boolean).length}; Flux holds only that age key, so ${fix} in every group, or use one key group`;
  }
  return undefined;
}

/**
 * One message per problem in the checkout: a file the identity cannot decrypt (YAML, JSON, dotenv,
 * INI or binary, every document, key groups with their Shamir threshold), a file that cannot be
 * read, and everything the guardrail finds (plaintext values, stray Secrets, unencrypted
 * `*.sops.*` files).
 */
export async function undecryptableSopsFiles(checkout: string, identity: string): Promise<string[]> {
  const recipient = await ageRecipientOf(identity);
  const scan = await scanDirectory(checkout);
  const locked: string[] = [];
  for (const file of scan.files.filter((f) => f.encrypted)) {
    const problem = await undecryptable(file, identity, recipient);
    if (problem !== undefined) locked.push(problem);
  }
  return [...scan.problems, ...locked, ...guardProblems(scan.files)].sort();
}
