/**
 * A restore cancelled midway leaves no plaintext behind. The decrypted Talos
 * secrets bundle (every CA key of the cluster) is only ever in this process's
 * memory and in a named pipe's kernel buffer (components/config/restore.ts),
 * so a process killed while it serves the bundle to the provider, by SIGINT
 * (Ctrl-C, which the process handles) or SIGKILL (which it cannot), leaves no
 * file anywhere under its temp dir that holds any of it.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { deterministicAgeEncrypt } from "../../components/lib/age";
import { type MachineSecrets, secretsBundle, secretsIdentity } from "../../components/lib/talos-bundle";
import { generateRecoveryKey } from "../../offline/fixtures";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "restore-signals-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A bundle whose every value is a marker that no other file can hold by chance. */
const marker = (name: string) => Buffer.from(`secret-${name}-${process.pid}-${Date.now()}`).toString("base64");
const pair = (name: string) => ({ cert: marker(`${name}-crt`), key: marker(`${name}-key`) });
const secrets: MachineSecrets = {
  cluster: { id: marker("cluster-id"), secret: marker("cluster-secret") },
  secrets: { bootstrapToken: marker("bootstrap"), secretboxEncryptionSecret: marker("secretbox") },
  trustdinfo: { token: marker("trustd") },
  certs: {
    etcd: pair("etcd"),
    k8s: pair("k8s"),
    k8sAggregator: pair("aggregator"),
    k8sServiceaccount: { key: marker("sa") },
    os: pair("os"),
  },
};
const bundle = secretsBundle(secrets);
const planted = [secrets.certs.os.key, secrets.certs.k8s.key, secrets.secrets.secretboxEncryptionSecret];

const recovery = generateRecoveryKey();
const saved = join(scratch, "talos-secrets.age");
writeFileSync(saved, deterministicAgeEncrypt(bundle, [recovery.recipient]));
const identityFile = join(scratch, "recovery.key");
writeFileSync(identityFile, `${recovery.identity}\n`, { mode: 0o600 });

/** A process that prepares the restore, says where the pipe is, and then waits as the engine would. */
const child = join(scratch, "restoring.ts");
writeFileSync(
  child,
  `import { prepareRestore } from ${JSON.stringify(join(root, "components", "config", "restore"))};
void prepareRestore(${JSON.stringify(saved)}, "/", ${JSON.stringify(identityFile)}, ${JSON.stringify(secretsIdentity(secrets))}).then((r) => {
  process.stdout.write("serving " + r.secretsImportId + "\\n");
  setInterval(() => undefined, 1000);
});
`,
);

/** Every entry under `dir`, recursively, with its kind. */
function entries(dir: string): { path: string; kind: "file" | "fifo" | "dir" | "other" }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isDirectory()) return [{ path, kind: "dir" as const }, ...entries(path)];
    return [{ path, kind: stat.isFIFO() ? ("fifo" as const) : stat.isFile() ? ("file" as const) : ("other" as const) }];
  });
}

/** Runs the restoring process with its own temp dir, reads the bundle from its pipe midway, then sends `signal`. */
async function killMidway(
  signal: NodeJS.Signals,
): Promise<{ temp: string; pipe: string; servedBundle: string; exit: NodeJS.Signals | null }> {
  const temp = join(scratch, signal);
  mkdirSync(temp);
  const proc = spawn(process.execPath, ["--import", "tsx", child], {
    cwd: root,
    env: { ...process.env, TMPDIR: temp },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const pipe = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving (\S+)\n/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.once("exit", (code) => {
      reject(new Error(`the restoring process exited (${String(code)}) before serving: ${out}`));
    });
  });
  // Midway: what the provider does, read the import path while the process serves it.
  const servedBundle = await readFile(pipe, "utf8");
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.once("exit", (_code, s) => {
      resolve(s);
    }),
  );
  proc.kill(signal);
  return { temp, pipe, servedBundle, exit: await exited };
}

/** No regular file anywhere under `dir` (the process's whole temp dir) holds any of the bundle's secrets. */
function expectNoPlaintext(dir: string): void {
  const files = entries(dir).filter((e) => e.kind === "file");
  for (const entry of files) {
    const text = readFileSync(entry.path, "utf8");
    for (const secret of planted) expect(text.includes(secret), entry.path).toBe(false);
  }
}

describe("a restore killed while it serves the decrypted bundle", () => {
  it("SIGINT: the pipe is removed, nothing is left, and the signal still ends the process", async () => {
    const run = await killMidway("SIGINT");
    expect(run.servedBundle).toBe(bundle);
    expect(run.exit).toBe("SIGINT");
    expectNoPlaintext(run.temp);
    expect(entries(dirname(run.pipe))).toEqual([]);
  }, 60_000);

  it("SIGKILL: no file holds the plaintext; the pipe left behind is empty, its buffer gone with the process", async () => {
    const run = await killMidway("SIGKILL");
    expect(run.servedBundle).toBe(bundle);
    expect(run.exit).toBe("SIGKILL");
    expectNoPlaintext(run.temp);
    const left = entries(dirname(run.pipe));
    expect(left.map((e) => e.kind)).toEqual(["fifo"]);
    for (const fifo of left.filter((e) => e.kind === "fifo")) {
      // No writer: a non-blocking read finds end of file at once, not a byte of the bundle.
      const fd = openSync(fifo.path, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        expect(readSync(fd, Buffer.alloc(65536))).toBe(0);
      } finally {
        closeSync(fd);
      }
    }
  }, 60_000);
});
