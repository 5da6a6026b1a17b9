/**
 * `npm run plan -- --restore`: the modelled time from the backups to a working
 * cluster, following docs/disaster-recovery.md ("Restore into a fresh stack")
 * in order. The program is evaluated as the restore drill does it
 * (test/program/restore.test.ts): once to take the `talosSecretsBackup` output,
 * then as a fresh stack with `homelab:backup.restoreFrom` pointing at it. The
 * critical path of that second run is costed with the latency model, and the
 * manual steps the program does not do are added, each with its own figure and
 * basis. The adopted bootstrap (an import, no Talos call) is where the person
 * recovers etcd from the snapshot: `up` waits for it in the health check.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { recoveryIdentityVariable } from "../../components/config/restore";
import { generateRecoveryKey } from "../../offline/fixtures";
import { type ProgramRun, runProgram } from "../../offline/harness";
import { type Latency, withHealthWait } from "./latency";
import { estimate, minutes } from "./report";

/** The restore goal of docs/disaster-recovery.md: a working cluster within 30 minutes of starting. */
export const restoreGoalSeconds = 30 * 60;

const bootstrapType = "talos:machine/bootstrap:Bootstrap";

export interface ManualStep {
  title: string;
  seconds: number;
  basis: string;
}

/** Documented step 1, before `pulumi up`. */
export const preparation: ManualStep = {
  title: "fresh stack with backup.restoreFrom and the recovery identity; npm ci; npm run doctor",
  seconds: 120,
  basis:
    "docs/disaster-recovery.md step 1: a clone, `npm ci` (a few hundred MiB of packages, cached or over 100 Mbit/s), `pulumi stack init`, two config commands and the doctor",
};

/** Documented step 3, done while `up` waits in the health check; replaces the adopted bootstrap. */
export const etcdRecovery: ManualStep[] = [
  {
    title: "aws s3 cp: download the latest age-encrypted etcd snapshot",
    seconds: 20,
    basis: "a homelab etcd snapshot is tens of MiB (etcd's default 2 GiB quota is the ceiling), over the 100 Mbit/s link the model assumes",
  },
  {
    title: "age -d: decrypt the snapshot",
    seconds: 2,
    basis: "age streams ChaCha20-Poly1305 at hundreds of MB/s: bound by the local disk",
  },
  {
    title: "age -d | talosctl gen config --with-secrets: a talosconfig for the restored identity",
    seconds: 2,
    basis: "local only: signs one client certificate with the restored CA",
  },
  {
    title: "talosctl service etcd: check the first control plane waits for a bootstrap (Preparing)",
    seconds: 5,
    basis: "one Talos API call; the node is installed and up once ConfigurationApply has finished",
  },
  {
    title: "talosctl bootstrap --recover-from: upload the snapshot and bootstrap etcd from it",
    seconds: 60,
    basis:
      "the snapshot over the Talos API on the LAN, its hash check, the restore into the etcd data directory and etcd starting as a one-member cluster (siderolabs/talos cmd/talosctl/cmd/talos/bootstrap.go, v1.13.9)",
  },
];

export interface RestoreStep {
  /** Seconds from the start of the restore when this step is done. */
  at: number;
  seconds: number;
  title: string;
  basis: string;
  manual: boolean;
}

export interface RestoreEstimate {
  steps: RestoreStep[];
  totalSeconds: number;
  withinGoal: boolean;
}

/** The recipients `config` backs the machine secrets up to; none, nothing a restore could start from. */
export function backupRecipients(config: Record<string, string>): string[] {
  const backup = JSON.parse(config["homelab:backup"] ?? "{}") as { recipients?: unknown };
  return Array.isArray(backup.recipients) ? backup.recipients.filter((r): r is string => typeof r === "string") : [];
}

/** What `plan --restore` says, instead of a time, for a config that makes no backup. */
export function nothingToRestoreReport(configName: string): string[] {
  return [
    `Nothing to restore from: ${configName} sets no homelab:backup.recipients, so \`pulumi up\` makes no talosSecretsBackup.`,
    "Without it the machine secrets (CAs, service-account key, secretbox key) exist only in the Pulumi state, and a lost",
    "stack cannot be restored, nor can an etcd snapshot be used. Set backup.recipients (docs/disaster-recovery.md).",
  ];
}

/**
 * Evaluates the program as a restore of `config` (a backup for a throwaway
 * recovery key, then a fresh stack restoring it) and returns the second run.
 */
export async function restoreRun(config: Record<string, string>, secretKeys: string[]): Promise<ProgramRun> {
  const recovery = generateRecoveryKey();
  const backup = { ...(JSON.parse(config["homelab:backup"] ?? "{}") as Record<string, unknown>), recipients: [recovery.recipient] };
  const original = await runProgram({ config: { ...config, "homelab:backup": JSON.stringify(backup) }, secretKeys, seed: "restore-a" });
  const saved = original.outputs["talosSecretsBackup"]?.value;
  const clusterIdentity = original.outputs["talosClusterIdentity"]?.value;
  if (typeof saved !== "string" || typeof clusterIdentity !== "string")
    throw new Error("the program gave no talosSecretsBackup and talosClusterIdentity outputs with backup.recipients set");
  const scratch = await mkdtemp(join(tmpdir(), "plan-restore-"));
  const previousIdentity = process.env[recoveryIdentityVariable];
  try {
    const restoreFrom = join(scratch, "talos-secrets.age");
    await writeFile(restoreFrom, saved);
    const identityFile = join(scratch, "recovery.key");
    await writeFile(identityFile, `${recovery.identity}\n`, { mode: 0o600 });
    process.env[recoveryIdentityVariable] = identityFile;
    const restoring = { ...config, "homelab:backup": JSON.stringify({ ...backup, restoreFrom, clusterIdentity }) };
    return await runProgram({ config: restoring, secretKeys, seed: "restore-b" });
  } finally {
    if (previousIdentity === undefined) Reflect.deleteProperty(process.env, recoveryIdentityVariable);
    else process.env[recoveryIdentityVariable] = previousIdentity;
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The restore in documented order: preparation, the critical path of `up` with etcd recovered at the adopted bootstrap. */
export function restoreEstimate(run: ProgramRun, model: Record<string, Latency>, onePasswordMode: "connect" | "sdk"): RestoreEstimate {
  if (!run.ofType(bootstrapType).every((r) => r.importId !== ""))
    throw new Error("the restore run bootstraps etcd instead of adopting the bootstrap");
  const recoverySeconds = etcdRecovery.reduce((sum, s) => sum + s.seconds, 0);
  const restoreModel = { ...model, [bootstrapType]: { seconds: recoverySeconds, basis: "etcd recovered by hand" } };
  const est = estimate(run, restoreModel, onePasswordMode);
  const charged = withHealthWait(restoreModel);
  const steps: RestoreStep[] = [{ at: preparation.seconds, ...preparation, manual: true }];
  let at = preparation.seconds;
  for (const r of est.path) {
    if (r.type === bootstrapType) {
      for (const s of etcdRecovery) steps.push({ at: (at += s.seconds), ...s, manual: true });
      continue;
    }
    const latency = charged[r.type];
    if (latency === undefined || latency.seconds === 0) continue;
    steps.push({
      at: (at += latency.seconds),
      seconds: latency.seconds,
      title: `${r.type.split(":").pop() ?? r.type} ${r.name}`,
      basis: latency.basis,
      manual: false,
    });
  }
  return { steps, totalSeconds: at, withinGoal: at < restoreGoalSeconds };
}

export function restoreReport(est: RestoreEstimate, configName: string): string[] {
  return [
    `Restore of ${configName} from its backups into a fresh stack (docs/disaster-recovery.md), critical path:`,
    ...est.steps.map((s) => `  ${minutes(s.at).padStart(7)}  ${s.manual ? "[by hand] " : ""}${s.title} (+${s.seconds}s: ${s.basis})`),
    "",
    `Modelled time to a working cluster: ${minutes(est.totalSeconds)}; ${
      est.withinGoal ? "within" : "NOT within"
    } the ${minutes(restoreGoalSeconds)} goal.`,
  ];
}
