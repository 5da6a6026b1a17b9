/**
 * Restore into a fresh stack: decrypt a saved `talosSecretsBackup` with a
 * recovery identity given at restore time, check it is a secrets bundle, and
 * hand the Talos provider a file to import it from.
 *
 * The provider imports `talos:machine/secrets:Secrets` from the path of a
 * secrets bundle file (`ImportState` in siderolabs/terraform-provider-talos
 * pkg/talos/talos_machine_secrets_resource.go, v0.11.0: os.ReadFile(id), then
 * yaml.Unmarshal into secrets.Bundle); it has no input that takes the secrets
 * themselves. So the plaintext must exist as a file while the import step runs:
 * it is written 0600 into a 0700 directory of this user and removed once the
 * import is recorded (and at exit, whatever happens).
 *
 * The path is derived from the backup's content, so a later `up` with the same
 * key set sends the same import id, which the engine treats as already imported
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go: an import happens only
 * when the old resource's ImportID differs); a different backup would be a
 * replacement, which `protect` on the Secrets resource refuses.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { machineSecretsFromBundle } from "../lib/talos-bundle";
import { resolveProjectPath } from "./paths";

/** Environment variable naming the age identity file of one of the backup's recipients. */
export const recoveryIdentityVariable = "HOMELAB_RECOVERY_IDENTITY_FILE";

export interface Restore {
  /** Path of the decrypted bundle: the import id of the Secrets resource. */
  secretsImportId: string;
  /** Removes the decrypted bundle; safe to call more than once. */
  removeBundle(): void;
}

const loadAge = () => import("age-encryption");

/** A private directory of this user under the temp dir; refuses one that someone else made or can read. */
function privateDirectory(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `homelab-restore-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a private directory of this user (mode 0700); remove it and retry`);
  }
  return dir;
}

async function decrypt(armored: string, identityFile: string): Promise<string> {
  const age = await loadAge();
  const identities = readFileSync(identityFile, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("AGE-SECRET-KEY-"));
  if (identities.length === 0) throw new Error(`${identityFile} holds no AGE-SECRET-KEY- line`);
  const decrypter = new age.Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  return decrypter.decrypt(age.armor.decode(armored), "text");
}

/**
 * Decrypts and checks the backup at `restoreFrom` (relative to the project)
 * and writes the bundle for the import; throws a message naming the fix.
 */
export async function prepareRestore(restoreFrom: string, projectRoot: string, identityFile: string | undefined): Promise<Restore> {
  if (identityFile === undefined || identityFile === "") {
    throw new Error(
      `needs the recovery identity: set ${recoveryIdentityVariable} to the age identity file of one of the backup's recipients`,
    );
  }
  const path = resolveProjectPath(restoreFrom, projectRoot);
  let armored: string;
  try {
    armored = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${path} (${String(error)}); save the old stack's talosSecretsBackup output there`);
  }
  let bundle: string;
  try {
    bundle = await decrypt(armored, identityFile);
  } catch (error) {
    throw new Error(
      `cannot decrypt ${path} with ${recoveryIdentityVariable}=${identityFile} (${String(error)}); use the identity of one of its recipients`,
    );
  }
  try {
    machineSecretsFromBundle(bundle);
  } catch (error) {
    throw new Error(`${path} decrypts, but not to a Talos secrets bundle (${String(error)})`);
  }
  const file = join(privateDirectory(), `${createHash("sha256").update(armored).digest("hex").slice(0, 32)}.yaml`);
  rmSync(file, { force: true });
  writeFileSync(file, bundle, { mode: 0o600, flag: "wx" });
  const removeBundle = () => {
    rmSync(file, { force: true });
  };
  process.once("exit", removeBundle);
  return { secretsImportId: file, removeBundle };
}
