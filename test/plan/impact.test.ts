/**
 * `npm run plan -- --compare`: each kind of config change, evaluated against a
 * running three-control-plane, one-worker cluster, with the impact lines and the
 * exit code the report gives. The rules behind each line are in scripts/plan/rules.ts,
 * unit-tested in rules.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";

import { versions } from "../../components/lib/versions";
import { multiNodeSettings, type Settings } from "../../offline/fixtures";
import { compareStackConfigs, impactReport } from "../../scripts/plan/impact";
import { types } from "../support/program";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const scratch = mkdtempSync(join(tmpdir(), "impact-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

type Node = Record<string, unknown>;
const base = (): Settings => multiNodeSettings(4);
const nodes = (s: Settings) => s["nodes"] as Node[];
const cluster = (s: Settings) => s["cluster"] as Record<string, unknown>;

function configFile(name: string, settings: Settings): string {
  const path = join(scratch, `${name}.yaml`);
  writeFileSync(path, stringify({ config: Object.fromEntries(Object.entries(settings).map(([k, v]) => [`homelab:${k}`, v])) }));
  return path;
}

async function compare(name: string, change: (s: Settings) => void) {
  const after = base();
  change(after);
  const impact = await compareStackConfigs(configFile(`${name}-before`, base()), configFile(name, after));
  const report = impactReport(impact, name);
  return { impact, report: report.join("\n"), summary: report[report.length - 1] };
}

/** The next patch release of a pinned version, as a bump would write it. */
const nextPatch = (version: string) => version.replace(/\d+$/, (patch) => String(Number(patch) + 1));
const kubernetesBump = nextPatch(versions.kubernetes);
const talosBump = nextPatch(versions.talos);

const kinds = (impact: { changes: { kind: string; name: string }[] }) => impact.changes.map((c) => `${c.kind} ${c.name}`).sort();

describe("--compare, one kind of change at a time", () => {
  it("a worker added: a VM and a Talos install are created; every other node's firewalls learn its address, live", async () => {
    const { impact, report, summary } = await compare("worker-added", (s) => {
      nodes(s).push({ name: "talos-worker-2", role: "worker", vmId: 804, mac: "BC:24:11:00:00:05", address: "192.168.10.45" });
    });
    expect(kinds(impact)).toEqual([
      "create pve-talos-worker-2",
      "create pve-talos-worker-2-firewall",
      "create pve-talos-worker-2-ipfilter",
      "create pve-talos-worker-2-rules",
      "create pve-talos-worker-2-start",
      "create talos-talos-worker-2",
      // Node-to-node ports (VXLAN, kubelet, trustd) admit only the nodes' own addresses (components/lib/firewall.ts).
      "update pve-talos-cp-1-rules",
      "update pve-talos-cp-2-rules",
      "update pve-talos-cp-3-rules",
      "update pve-talos-worker-1-rules",
      "update talos-talos-cp-1",
      "update talos-talos-cp-2",
      "update talos-talos-cp-3",
      "update talos-talos-worker-1",
    ]);
    expect(report).toContain("+ create  VmLegacy pve-talos-worker-2");
    expect(report).toContain("installs Talos on talos-worker-2 and joins it to the cluster (worker)");
    expect(report).toContain("→ Talos applies without a reboot: NetworkRuleConfig/cni-vxlan");
    expect(summary).toBe("6 created, 8 changed, 0 deleted, 0 replaced, 0 node reboots, safe");
    expect(impact.exitCode).toBe(0);
  }, 30_000);

  it("a control plane's cores changed: that VM alone restarts, or waits for a manual restart, as rebootAfterUpdate says", async () => {
    const { impact, report, summary } = await compare("cores", (s) => {
      (nodes(s)[0] as Node)["cores"] = 8;
    });
    expect(kinds(impact)).toEqual(["update pve-talos-cp-1"]);
    expect(report).toContain("      cpu.cores: 4 → 8");
    // The model reads the registered input; the Proxmox layer decides it.
    const vm = impact.after.ofType(types.vm).find((r) => r.name === "pve-talos-cp-1");
    if (vm?.inputs["rebootAfterUpdate"] === false) {
      expect(report).toContain("cpu.cores wait for a power cycle (rebootAfterUpdate is off)");
      expect(summary).toBe("0 created, 1 changed, 0 deleted, 0 replaced, 0 node reboots, safe");
    } else {
      expect(report).toContain("the provider stops and starts the VM to apply cpu.cores (rebootAfterUpdate is on)");
      expect(report).toContain("! talos-cp-1 (control plane): the VM restarts");
      expect(summary).toBe("0 created, 1 changed, 0 deleted, 0 replaced, 1 node reboot, safe");
    }
    expect(impact.exitCode).toBe(0);
  }, 30_000);

  it("a control plane's memory raised (the documented resize): a pending change, safe", async () => {
    const { impact, report, summary } = await compare("memory", (s) => {
      (nodes(s)[0] as Node)["memoryMiB"] = 16384;
    });
    expect(kinds(impact)).toEqual(["update pve-talos-cp-1"]);
    expect(report).toContain("      memory.dedicated: 8192 → 16384");
    expect(report).not.toContain("    ? ");
    expect(summary).toMatch(/^0 created, 1 changed, 0 deleted, 0 replaced, [01] node reboots?, safe$/);
    expect(impact.exitCode).toBe(0);
  }, 30_000);

  it("talosVersion bumped: new ISO, CD-ROM swapped live, install image updated without a reboot, and the talosctl upgrade steps", async () => {
    const { impact, report, summary } = await compare("talos-bump", (s) => {
      cluster(s)["talosVersion"] = talosBump;
    });
    expect(kinds(impact)).toEqual([
      "replace pve-iso-pve",
      "replace pve-iso-pve2",
      "update pve-talos-cp-1",
      "update pve-talos-cp-2",
      "update pve-talos-cp-3",
      "update pve-talos-worker-1",
      "update talos-talos-cp-1",
      "update talos-talos-cp-2",
      "update talos-talos-cp-3",
      "update talos-talos-worker-1",
    ]);
    expect(report).toContain("applied to the running VM: cdrom.fileId");
    expect(report).toContain("Talos applies without a reboot: machine.install.image");
    expect(report).not.toContain("reboots the node");
    const image = String(impact.after.outputs["installerImage"]?.value);
    expect(image).toMatch(/^factory\.talos\.dev\/metal-installer-secureboot\/[0-9a-f]{64}:v\d+\.\d+\.\d+$/);
    expect(image.endsWith(`:${talosBump}`)).toBe(true);
    // Control planes first, one node at a time, each with the Secure Boot installer.
    const upgrades = report.split("\n").filter((l) => l.includes(" upgrade --image "));
    expect(upgrades.map((l) => /-n (\S+)/.exec(l)?.[1])).toEqual(["192.168.10.41", "192.168.10.42", "192.168.10.43", "192.168.10.44"]);
    for (const line of upgrades) expect(line).toContain(`upgrade --image ${image}`);
    expect(report).toContain(`Upgrade Talos ${versions.talos} → ${talosBump}, one node at a time, control planes first:`);
    expect(summary).toBe("0 created, 8 changed, 0 deleted, 2 replaced, 0 node reboots, safe");
    expect(impact.exitCode).toBe(0);
  }, 30_000);

  it("kubernetesVersion bumped after the documented upgrade-k8s: the images in the configs are what upgrade-k8s already wrote, so it is safe", async () => {
    const { impact, report, summary } = await compare("kubernetes-bump", (s) => {
      cluster(s)["kubernetesVersion"] = kubernetesBump;
    });
    // The upgrade is listed first: `pulumi up` comes after it.
    expect(report).toContain(`talosctl --talosconfig ./talosconfig -n 192.168.10.41 upgrade-k8s --to ${kubernetesBump}`);
    expect(report).toContain("no change on the node once `talosctl upgrade-k8s` has run");
    expect(report).not.toContain("API server, controller manager and scheduler restart");
    expect(impact.concurrentControlPlanes).toEqual([]);
    expect(summary).toBe("0 created, 4 changed, 0 deleted, 0 replaced, 0 node reboots, safe");
    expect(impact.exitCode).toBe(0);
  }, 30_000);

  it("the Flux branch changed: only the FluxInstance, no node is touched", async () => {
    const { impact, report, summary } = await compare("flux-branch", (s) => {
      (s["flux"] as Record<string, unknown>)["branch"] = "staging";
    });
    expect(kinds(impact)).toEqual(["update flux-instance"]);
    expect(report).toContain('      spec.sync.ref: "refs/heads/main" → "refs/heads/staging"');
    expect(report).toContain("custom resource changed; its controller reconciles it");
    expect(summary).toBe("0 created, 1 changed, 0 deleted, 0 replaced, 0 node reboots, safe");
    expect(impact.exitCode).toBe(0);
  }, 30_000);

  it("a node removed: its protected VM cannot be deleted; the report says what to do and what is lost", async () => {
    const { impact, report, summary } = await compare("node-removed", (s) => {
      nodes(s).pop();
    });
    expect(kinds(impact)).toEqual([
      "delete pve-talos-worker-1",
      "delete pve-talos-worker-1-firewall",
      "delete pve-talos-worker-1-ipfilter",
      "delete pve-talos-worker-1-rules",
      "delete pve-talos-worker-1-start",
      "delete talos-talos-worker-1",
      "update pve-talos-cp-1-rules",
      "update pve-talos-cp-2-rules",
      "update pve-talos-cp-3-rules",
      "update talos-talos-cp-1",
      "update talos-talos-cp-2",
      "update talos-talos-cp-3",
    ]);
    expect(report).toContain("✗ REFUSED, protected: `pulumi up` refuses to delete it.");
    expect(report).toContain("kubectl drain talos-worker-1; talosctl -n <its address> reset");
    expect(report).toContain("Lost: its vTPM");
    // With no worker left the control planes take workloads: a field Talos applies live.
    expect(report).toContain("Talos applies without a reboot: cluster.allowSchedulingOnControlPlanes");
    expect(summary).toBe(
      "0 created, 6 changed, 6 deleted, 0 replaced, 0 node reboots, NOT SAFE: 1 protected resource would be replaced or deleted; 9 changes not known to be safe (marked ?)",
    );
    expect(impact.exitCode).toBe(4);
  }, 30_000);

  it("the 1Password mode switched to sdk: Connect is uninstalled, the store and token change; no rule knows that safe, so it needs review", async () => {
    const { impact, report, summary } = await compare("onepassword-sdk", (s) => {
      s["onePassword"] = { mode: "sdk", vault: "homelab" };
    });
    expect(kinds(impact)).toEqual([
      "delete eso-connect",
      "delete eso-connect-credentials",
      "delete eso-connect-namespace",
      "delete eso-connect-policy",
      "update eso-store",
      "update eso-token",
    ]);
    expect(report).toContain("→ Helm uninstall of release connect");
    expect(report).toContain("      stringData.token (secret)");
    expect(report).toContain("      spec.provider.onepasswordSDK");
    expect(report).toContain("    ? deleted: no rule knows deleting a Release to be safe");
    expect(summary).toBe(
      "0 created, 2 changed, 4 deleted, 0 replaced, 0 node reboots, NEEDS REVIEW: 6 changes not known to be safe (marked ?)",
    );
    expect(impact.exitCode).toBe(4);
  }, 30_000);
});

/**
 * The changes issue #21 found called safe: each is now judged from the allowlist of
 * scripts/plan/rules.ts, so anything no rule knows is "needs review" (exit 4).
 */
describe("--compare fails closed on what no rule knows to be safe", () => {
  const worker = (s: Settings) => nodes(s)[3] as Node;
  const proxmox = (s: Settings) => s["proxmox"] as Record<string, unknown>;

  it.each([
    ["vmDatastore moved", (s: Settings) => void (proxmox(s)["vmDatastore"] = "fast"), "disks[0].datastoreId"],
    ["stateDatastore set", (s: Settings) => void (proxmox(s)["stateDatastore"] = "secure"), "tpmState.datastoreId"],
  ])(
    "%s: the provider must move the TPM state or disks of running VMs, which it refuses: needs review",
    async (name, change, field) => {
      const { impact, report, summary } = await compare(name.replace(/ /g, "-"), change);
      expect(report).toContain(`    ? ${field}: no rule knows this change of VmLegacy to be safe`);
      expect(report).toContain("the provider moves the volume to another datastore, which needs the VM powered off");
      expect(summary).toMatch(/NEEDS REVIEW: 4 changes not known to be safe \(marked \?\)$/);
      expect(impact.exitCode).toBe(4);
    },
    30_000,
  );

  it("diskGiB shrunk: the provider refuses to shrink a disk", async () => {
    const { impact, report, summary } = await compare("disk-shrink", (s) => {
      worker(s)["diskGiB"] = 32;
    });
    expect(report).toContain("the provider refuses to shrink a disk (disks[0].size)");
    expect(report).toContain(
      "    ? disks[0].size: known safe only when it grows, and no other change of the same VM waits for a restart while rebootAfterUpdate is off, and that does not hold",
    );
    expect(summary).toBe(
      "0 created, 1 changed, 0 deleted, 0 replaced, 0 node reboots, NEEDS REVIEW: 1 change not known to be safe (marked ?)",
    );
    expect(impact.exitCode).toBe(4);
  }, 30_000);

  it("a disk grown alone is safe; grown together with a CPU change while reboots are off, the provider refuses the resize", async () => {
    const alone = await compare("disk-grow", (s) => {
      worker(s)["diskGiB"] = 128;
    });
    expect(alone.summary).toBe("0 created, 1 changed, 0 deleted, 0 replaced, 0 node reboots, safe");
    expect(alone.impact.exitCode).toBe(0);
    const { impact, report, summary } = await compare("disk-and-cpu", (s) => {
      worker(s)["diskGiB"] = 128;
      worker(s)["cores"] = 8;
    });
    const vm = impact.after.ofType(types.vm).find((r) => r.name === "pve-talos-worker-1");
    expect(vm?.inputs["rebootAfterUpdate"]).toBe(false);
    expect(report).toContain("the provider refuses to resize the disk while a restart is pending and reboots are off");
    expect(report).not.toContain("applied to the running VM: disks[0].size");
    expect(summary).toMatch(/NEEDS REVIEW: 1 change not known to be safe/);
    expect(impact.exitCode).toBe(4);
  }, 30_000);

  it("a node's address changed: the config apply would dial the new address while the firewall drops the old one", async () => {
    const { impact, report, summary } = await compare("address", (s) => {
      worker(s)["address"] = "192.168.10.60";
    });
    expect(report).toContain("    ? node: no rule knows this change of ConfigurationApply to be safe");
    expect(report).toContain("    ? cidrs[0].name: no rule knows this change of IpsetLegacy to be safe");
    expect(summary).toMatch(/, NEEDS REVIEW: \d+ changes not known to be safe \(marked \?\)$/);
    expect(impact.exitCode).toBe(4);
  }, 30_000);

  it("the VIP changed: the network path of every control plane changes at once, never safe", async () => {
    const { impact, report, summary } = await compare("vip", (s) => {
      cluster(s)["vip"] = "192.168.10.39";
    });
    expect(impact.unsafe).toContain(
      "the network path of every control plane changes at once (VIP, endpoint or addresses): every API server restarts together and the kubeconfig keeps the old endpoint",
    );
    expect(report).toContain(
      "    ? machineConfigurationInput.cluster.controlPlane.endpoint: no rule knows this change of ConfigurationApply to be safe",
    );
    expect(summary).toMatch(/, NOT SAFE: the network path of every control plane changes at once/);
    expect(impact.exitCode).toBe(4);
  }, 30_000);

  it("a worker named like a control plane (talos-cp-1 beside cp-1) is reported as the worker it is", async () => {
    const controlPlanes = (): Settings => {
      const s = base();
      s["nodes"] = nodes(s)
        .slice(0, 3)
        .map((n, i) => ({ ...n, name: `cp-${i + 1}` }));
      return s;
    };
    const after = controlPlanes();
    nodes(after).push({ name: "talos-cp-1", role: "worker", vmId: 810, mac: "BC:24:11:00:00:10", address: "192.168.10.50" });
    const impact = await compareStackConfigs(configFile("cp-named-before", controlPlanes()), configFile("cp-named-after", after));
    const report = impactReport(impact, "cp-named").join("\n");
    expect(report).toContain("installs Talos on talos-cp-1 and joins it to the cluster (worker)");
    expect(report).toContain("new VM for talos-cp-1, boots the Talos ISO into maintenance mode");
    expect(report).not.toContain("(controlplane)");
    expect(report).not.toContain("(control plane)");
  }, 30_000);
});

describe("--compare with what plan cannot read", () => {
  const upstreamSops = join(root, "test", "fixtures", "upstream", "sops", "algorithms", "age.yaml");

  it.each([
    ["a checkout whose SOPS files need the real age key", true],
    ["a checkout that is not on this machine (CI)", false],
  ])(
    "flux.localCheckout set to %s: both configs are still compared",
    async (_name, exists) => {
      const checkout = mkdtempSync(join(scratch, "checkout-"));
      if (exists) writeFileSync(join(checkout, "secret.sops.yaml"), readFileSync(upstreamSops, "utf8"));
      const withCheckout = (s: Settings) => {
        (s["flux"] as Record<string, unknown>)["localCheckout"] = exists ? checkout : join(checkout, "absent");
        return s;
      };
      const after = withCheckout(base());
      (after["flux"] as Record<string, unknown>)["branch"] = "next";
      const impact = await compareStackConfigs(
        configFile(`checkout-before-${String(exists)}`, withCheckout(base())),
        configFile(`checkout-${String(exists)}`, after),
      );
      expect(impact.changes.map((c) => c.name)).toEqual(["flux-instance"]);
      expect(impact.exitCode).toBe(0);
    },
    30_000,
  );
});

describe("README.md's --compare example", () => {
  it("is what the command prints for the change it describes (the cores of three control planes, Flux on a branch)", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const example = /For example, raising the cores of three control planes and moving Flux to a branch[\s\S]*?```\n([\s\S]*?)```/.exec(
      readme,
    )?.[1];
    expect(example).toBeDefined();
    const { report, summary } = await compare("readme-example", (s) => {
      for (const node of nodes(s).filter((n) => n["role"] === "controlplane")) node["cores"] = 6;
      (s["flux"] as Record<string, unknown>)["branch"] = "next";
    });
    const shown = (example ?? "").split("\n").filter((line) => line.trim() !== "" && !line.includes("…"));
    const printed = report.split("\n");
    for (const line of shown) expect(printed).toContain(line);
    expect(shown[shown.length - 1]).toBe(summary);
  }, 30_000);
});

describe("npm run plan -- --compare (the command)", () => {
  const run = promisify(execFile);

  it("records the last successful plan, and --compare-last exits 4 on an unsafe change with the summary last", async () => {
    const cwd = mkdtempSync(join(scratch, "cwd-"));
    const first = configFile("three-cp", base());
    await run(tsx, [join(root, "scripts/plan.ts"), "--config", first, "--throwaway-secrets", "--out", join(cwd, "out")], {
      cwd,
      timeout: 60_000,
    });
    const recorded = parseYaml(readFileSync(join(cwd, ".plan", "last-config.yaml"), "utf8")) as { config: Record<string, unknown> };
    expect(Object.keys(recorded.config)).toContain("homelab:nodes");
    // The throwaway secrets are not recorded: each stands as encrypted and unreadable.
    expect(recorded.config["homelab:sopsAgeKey"]).toEqual({ secure: "not recorded (a throwaway value stood in)" });

    const changed = base();
    cluster(changed)["vip"] = "192.168.10.39";
    const failure = await run(tsx, [join(root, "scripts/plan.ts"), "--config", configFile("vip", changed), "--compare-last"], {
      cwd,
      timeout: 60_000,
    }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string },
    );
    expect(failure?.code).toBe(4);
    const lines = failure?.stdout.trimEnd().split("\n") ?? [];
    expect(lines[0]).toMatch(/^Impact of changing \.plan\/last-config\.yaml to .*vip\.yaml$/);
    expect(lines[lines.length - 1]).toMatch(
      /^0 created, 7 changed, 0 deleted, 0 replaced, 0 node reboots, NOT SAFE: the network path of every control plane changes at once/,
    );
  }, 90_000);

  it("--compare-last refills the throwaway secrets it did not record: an ssh:// Flux URL's deploy key and the 1Password backup token", async () => {
    const cwd = mkdtempSync(join(scratch, "cwd-"));
    const stackFile = (name: string, branch: string) => {
      const settings = base();
      settings["flux"] = {
        url: "ssh://git@github.com/example/homelab-gitops.git",
        branch,
        path: "clusters/homelab",
        knownHosts: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      };
      settings["backup"] = {
        recipients: ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"],
        onePasswordVault: "homelab-backup",
      };
      const config: Record<string, unknown> = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`homelab:${k}`, v]));
      for (const key of [
        "proxmoxApiToken",
        "sopsAgeKey",
        "onePasswordCredentials",
        "onePasswordConnectToken",
        "fluxSshKey",
        "onePasswordBackupToken",
      ]) {
        config[`homelab:${key}`] = { secure: `v1:${key}` };
      }
      const path = join(scratch, `${name}.yaml`);
      writeFileSync(path, stringify({ config }));
      return path;
    };
    await run(tsx, [join(root, "scripts/plan.ts"), "--config", stackFile("ssh-main", "main"), "--out", join(cwd, "out")], {
      cwd,
      timeout: 60_000,
    });
    const recorded = parseYaml(readFileSync(join(cwd, ".plan", "last-config.yaml"), "utf8")) as { config: Record<string, unknown> };
    expect(recorded.config["homelab:fluxSshKey"]).toEqual({ secure: "not recorded (a throwaway value stood in)" });
    const { stdout } = await run(tsx, [join(root, "scripts/plan.ts"), "--config", stackFile("ssh-next", "next"), "--compare-last"], {
      cwd,
      timeout: 60_000,
    });
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("0 created, 1 changed, 0 deleted, 0 replaced, 0 node reboots, safe");
  }, 120_000);
});
