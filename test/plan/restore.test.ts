/** `npm run plan -- --restore`: the modelled time from the backups to a working cluster. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { recoveryIdentityVariable } from "../../components/config/restore";
import { generateRecoveryKey } from "../../offline/fixtures";
import { main } from "../../scripts/plan/cli";
import { latencyModel } from "../../scripts/plan/latency";
import { etcdRecovery, preparation, restoreGoalSeconds } from "../../scripts/plan/restore";
import { writeStackFile } from "../support/stack-file";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "plan-restore-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function plan(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { cwd: root, projectRoot: root, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The printed steps: cumulative time, added seconds, and the text between. */
function steps(stdout: string): { at: number; seconds: number; text: string }[] {
  return [...stdout.matchAll(/^ {2,}(\d+)m(\d\d)s {2}(.*) \(\+(\d+)s: /gm)].map((m) => ({
    at: Number(m[1]) * 60 + Number(m[2]),
    seconds: Number(m[4]),
    text: String(m[3]),
  }));
}

const seconds = (line: string) => {
  const m = /(\d+)m(\d\d)s/.exec(line);
  return Number(m?.[1]) * 60 + Number(m?.[2]);
};

/** The single-node fixture with a backup recipient: what a restore starts from. */
function configWithBackup(): string {
  return writeStackFile({
    dir: scratch,
    name: "Pulumi.backup.yaml",
    encryptedSecrets: false,
    extra: { "homelab:backup": { recipients: [generateRecoveryKey().recipient] } },
  });
}

describe("plan --restore", async () => {
  const before = process.env[recoveryIdentityVariable];
  const withBackup = ["--restore", "--throwaway-secrets", "--config", configWithBackup()];
  const run = await plan(withBackup);

  it("on a config with no backup, says there is nothing to restore from instead of a time (exit 1)", async () => {
    const without = writeStackFile({ dir: scratch, name: "Pulumi.nobackup.yaml" }); // no homelab:backup
    const none = await plan(["--restore", "--config", without]);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/^Nothing to restore from: .*Pulumi\.nobackup\.yaml sets no homelab:backup\.recipients/);
    expect(none.stdout).not.toMatch(/Modelled time|\d+m\d\ds/);
  });
  const printed = steps(run.stdout);

  it("prints the steps in the order of docs/disaster-recovery.md", () => {
    expect(run.code).toBe(0);
    // The documented order, as the headings and commands of the restore section name it.
    const doc = readFileSync(join(root, "docs", "disaster-recovery.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Restore into a fresh stack"), doc.indexOf("## What is lost"));
    const documented = [
      "pulumi stack init",
      "**`pulumi up`**",
      "aws s3 cp",
      "age -d -i",
      "talosctl gen config",
      "service etcd",
      "bootstrap --recover-from=",
      "**`up` finishes**",
    ];
    const positions = documented.map((marker) => section.indexOf(marker));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));

    const index = (pattern: RegExp) => printed.findIndex((s) => pattern.test(s.text));
    const order = [
      index(/^\[by hand\] fresh stack/),
      index(/^ConfigurationApply /), // `pulumi up` installs Talos
      index(/^\[by hand\] aws s3 cp/),
      index(/^\[by hand\] age -d: decrypt/),
      index(/^\[by hand\] age -d \| talosctl gen config/),
      index(/^\[by hand\] talosctl service etcd/),
      index(/^\[by hand\] talosctl bootstrap --recover-from/),
      index(/^Kubeconfig /), // `up` finishes: health, kubeconfig, Flux, ESO
      index(/^ClusterSecretStore /),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(printed.every((s) => !/^Bootstrap /.test(s.text))).toBe(true); // adopted: no Talos call, etcd is recovered by hand
    expect(process.env[recoveryIdentityVariable]).toBe(before);
  });

  it("the total is the sum of the steps along the path, and each time is the running sum", () => {
    let sum = 0;
    for (const step of printed) {
      sum += step.seconds;
      expect(step.at).toBe(sum);
    }
    expect(printed[0]?.seconds).toBe(preparation.seconds);
    const manual = printed.filter((s) => s.text.startsWith("[by hand] ")).reduce((t, s) => t + s.seconds, 0);
    expect(manual).toBe(preparation.seconds + etcdRecovery.reduce((t, s) => t + s.seconds, 0));
    const closing = run.stdout.trimEnd().split("\n").pop() ?? "";
    expect(seconds(closing)).toBe(sum);
    expect(sum < restoreGoalSeconds).toBe(true);
    expect(closing).toMatch(/^Modelled time to a working cluster: \d+m\d\ds; within the 30m00s goal\.$/);
  });

  it("says NOT within the goal when a --latency override pushes the path over 30 minutes", async () => {
    const apply = "talos:machine/configurationApply:ConfigurationApply";
    const applySeconds = latencyModel[apply]?.seconds ?? 0;
    const total = printed.at(-1)?.at ?? 0;
    const slower = applySeconds + (restoreGoalSeconds - total) + 60; // the install alone a minute past the goal
    const file = join(scratch, "latency.json");
    writeFileSync(file, JSON.stringify({ ConfigurationApply: slower }));
    const over = await plan([...withBackup, "--latency", file]);
    expect(over.code).toBe(0);
    const closing = over.stdout.trimEnd().split("\n").pop() ?? "";
    expect(seconds(closing)).toBe(total - applySeconds + slower);
    expect(closing).toMatch(/NOT within the 30m00s goal\.$/);
  }, 120_000);

  it.each([[["--restore", "--compare-last"]], [["--restore", "--out", "/tmp/x"]], [["--restore=yes"]]])(
    "%j is refused in one line, exit 2",
    async (argv) => {
      const { code, stdout, stderr } = await plan(argv);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^plan: [^\n]+ \(see --help\)\n$/);
    },
  );
});
