/**
 * Preflight for SOPS with age: derive the cluster's public recipient from the
 * stack's identity, and prove that every `*.sops.yaml` in a local checkout of
 * the GitOps repository can be opened by it, before Flux ever tries.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

import { parse as parseYaml } from "yaml";

// age-encryption is an ES module; this program is CommonJS, so it is loaded on demand.
const loadAge = () => import("age-encryption");

/** The `age1…` recipient of an `AGE-SECRET-KEY-1…` identity; throws when the identity is malformed. */
export async function ageRecipientOf(identity: string): Promise<string> {
  const age = await loadAge();
  return age.identityToRecipient(identity);
}

interface AgeStanza {
  recipient: string;
  enc: string;
}

function ageStanzas(document: unknown): AgeStanza[] | undefined {
  if (typeof document !== "object" || document === null || !("sops" in document)) return undefined;
  const { sops } = document;
  if (typeof sops !== "object" || sops === null || !("age" in sops) || !Array.isArray(sops.age)) return [];
  return sops.age.filter(
    (s: unknown): s is AgeStanza =>
      typeof s === "object" && s !== null && typeof (s as AgeStanza).recipient === "string" && typeof (s as AgeStanza).enc === "string",
  );
}

async function opens(stanza: AgeStanza, identity: string): Promise<boolean> {
  const age = await loadAge();
  const decrypter = new age.Decrypter();
  decrypter.addIdentity(identity);
  try {
    await decrypter.decrypt(age.armor.decode(stanza.enc));
    return true;
  } catch {
    return false;
  }
}

async function sopsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return [".git", "node_modules"].includes(entry.name) ? [] : sopsFiles(path);
      // `.sops.yaml` itself is the SOPS config file, not an encrypted one.
      return entry.isFile() && entry.name.endsWith(".sops.yaml") && entry.name !== ".sops.yaml" ? [path] : [];
    }),
  );
  return nested.flat().sort();
}

/**
 * One message per `*.sops.yaml` under `checkout` that `identity` cannot
 * decrypt, naming the file and the recipients it was encrypted for.
 */
export async function undecryptableSopsFiles(checkout: string, identity: string): Promise<string[]> {
  const recipient = await ageRecipientOf(identity);
  const problems: string[] = [];
  for (const path of await sopsFiles(checkout)) {
    const name = relative(checkout, path);
    const stanzas = ageStanzas(parseYaml(await readFile(path, "utf8")));
    if (stanzas === undefined) {
      problems.push(`${name} is not SOPS-encrypted (no sops metadata); encrypt it with \`sops --encrypt --in-place ${name}\``);
      continue;
    }
    const results = await Promise.all(stanzas.map((s) => opens(s, identity)));
    if (!results.includes(true)) {
      const recipients = stanzas.map((s) => s.recipient).join(", ") || "no age recipient";
      problems.push(
        `${name} is encrypted for ${recipients}, not for this stack's key ${recipient}; add ${recipient} to .sops.yaml and run \`sops updatekeys ${name}\``,
      );
    }
  }
  return problems;
}
