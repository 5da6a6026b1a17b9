/**
 * Restore into a fresh stack: decrypt a saved `talosSecretsBackup` with a
 * recovery identity given at restore time, check it is a secrets bundle of
 * the cluster the stack config names, and hand the Talos provider a path to
 * import it from.
 *
 * The provider imports `talos:machine/secrets:Secrets` from the path of a
 * secrets bundle file (`ImportState` in siderolabs/terraform-provider-talos
 * pkg/talos/talos_machine_secrets_resource.go, v0.11.0: os.Stat(id), then
 * os.ReadFile(id) and yaml.Unmarshal into secrets.Bundle); it has no input that
 * takes the secrets themselves. The plaintext never touches a disk: the path
 * is a named pipe (FIFO), 0600 in a 0700 directory of this user, and this
 * process writes the bundle into it each time the provider opens it. A pipe
 * holds its data in kernel memory only while both ends are open, so nothing
 * readable outlives this process, even when SIGKILL leaves the empty pipe
 * behind (SIGINT, SIGTERM, SIGHUP and a normal exit remove it).
 *
 * The path is derived from the backup's content, so a later `up` with the same
 * key set sends the same import id, which the engine treats as already imported
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go: an import happens only
 * when the old resource's ImportID differs); a different backup would be a
 * replacement, which `protect` on the Secrets resource refuses.
 *
 * Authentication: age encrypts to a public recipient, so whoever can write the
 * backup (a pull request to the GitOps repository, the 1Password item through
 * the backup token) could plant another bundle encrypted to it. The bundle is
 * accepted only when its identity (components/lib/talos-bundle.ts,
 * secretsIdentity) equals `homelab:backup.clusterIdentity`, which lives in the
 * stack config of this repository, out of reach of both (docs/disaster-recovery.md,
 * "Authenticated backups").
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { machineSecretsFromBundle, secretsIdentity } from "../lib/talos-bundle";
import { resolveProjectPath } from "./paths";

/** Environment variable naming the age identity file of one of the backup's recipients. */
export const recoveryIdentityVariable = "HOMELAB_RECOVERY_IDENTITY_FILE";

export interface Restore {
  /** Path of the named pipe serving the decrypted bundle: the import id of the Secrets resource. */
  secretsImportId: string;
  /** Stops serving the bundle and removes the pipe; safe to call more than once. */
  removeBundle(): void;
}

/** A restore refused, with the stack config key to look at. */
export class RestoreProblem extends Error {
  constructor(
    readonly key: "restoreFrom" | "clusterIdentity",
    message: string,
  ) {
    super(message);
  }
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

/** How often the pipe is offered to a reader: the provider's open waits for a writer, so this bounds its wait. */
const servePollMs = 20;

/**
 * Serves `content` through a new named pipe at `path` until the returned
 * function is called. No thread ever blocks: the pipe is opened for writing
 * without blocking, which fails (ENXIO) while no reader has it open; once one
 * has, the whole content goes into the pipe (a bundle is a few KiB, far below
 * the 64 KiB pipe buffer) and the end is closed, which the reader sees as the
 * end of the file. A reader gets the content once: while it keeps the pipe
 * open, later ticks write nothing; the next reader is served after it has
 * closed it (the provider reads the path once per run: os.Stat, then
 * os.ReadFile). The timer is unref'd, so serving never keeps the process alive.
 */
function servePipe(path: string, content: string): () => void {
  rmSync(path, { force: true });
  // Node has no mkfifo; the coreutils one creates it with the mode given, before anyone can open it.
  execFileSync("mkfifo", ["-m", "600", path]);
  const data = Buffer.from(content, "utf8");
  let servedCurrentReader = false;
  const timer = setInterval(() => {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      servedCurrentReader = false; // no reader (ENXIO), or the pipe is gone
      return;
    }
    try {
      if (!servedCurrentReader) writeSync(fd, data);
    } catch {
      // the reader left before reading (EPIPE): it opens again if it wants the data
    } finally {
      servedCurrentReader = true;
      closeSync(fd);
    }
  }, servePollMs);
  timer.unref();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    rmSync(path, { force: true });
    process.removeListener("exit", stop);
    for (const signal of forwardedSignals) process.removeListener(signal, onSignal);
  };
  // A signal's default action would end the process without the "exit" event: remove the pipe, then let the
  // signal take its course (the handler is gone, so the re-sent signal does what it would have done).
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once("exit", stop);
  for (const signal of forwardedSignals) process.once(signal, onSignal);
  return stop;
}

const forwardedSignals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Decrypts and checks the backup at `restoreFrom` (relative to the project)
 * against the expected cluster identity, and serves the bundle for the
 * import; throws a RestoreProblem naming the fix.
 */
export async function prepareRestore(
  restoreFrom: string,
  projectRoot: string,
  identityFile: string | undefined,
  expectedIdentity: string | undefined,
): Promise<Restore> {
  if (identityFile === undefined || identityFile === "") {
    throw new RestoreProblem(
      "restoreFrom",
      `needs the recovery identity: set ${recoveryIdentityVariable} to the age identity file of one of the backup's recipients`,
    );
  }
  if (expectedIdentity === undefined) {
    throw new RestoreProblem(
      "clusterIdentity",
      "needs the identity of the cluster to restore: set it to the old stack's talosClusterIdentity output, from your own record (this repository's history, the copy kept with the recovery key), never from the backup itself; without it a backup planted by whoever can write it would be accepted",
    );
  }
  const path = resolveProjectPath(restoreFrom, projectRoot);
  let armored: string;
  try {
    armored = readFileSync(path, "utf8");
  } catch (error) {
    throw new RestoreProblem("restoreFrom", `cannot read ${path} (${String(error)}); save the old stack's talosSecretsBackup output there`);
  }
  let bundle: string;
  try {
    bundle = await decrypt(armored, identityFile);
  } catch (error) {
    throw new RestoreProblem(
      "restoreFrom",
      `cannot decrypt ${path} with ${recoveryIdentityVariable}=${identityFile} (${String(error)}); use the identity of one of its recipients`,
    );
  }
  let identity: string;
  try {
    identity = secretsIdentity(machineSecretsFromBundle(bundle));
  } catch (error) {
    throw new RestoreProblem("restoreFrom", `${path} decrypts, but not to a Talos secrets bundle (${String(error)})`);
  }
  if (identity !== expectedIdentity) {
    throw new RestoreProblem(
      "restoreFrom",
      `${path} holds the machine secrets of another cluster (identity ${identity}, homelab:backup.clusterIdentity is ${expectedIdentity}): anyone who can write the backup can encrypt a bundle to the recovery recipient, so do not restore it. Check where this copy came from (git log of the file in the GitOps repository, the 1Password item's history) and restore from a copy whose identity matches; change clusterIdentity only from your own record of the old stack's talosClusterIdentity`,
    );
  }
  const file = join(privateDirectory(), `${createHash("sha256").update(armored).digest("hex").slice(0, 32)}.yaml`);
  return { secretsImportId: file, removeBundle: servePipe(file, bundle) };
}
