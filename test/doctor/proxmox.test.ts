/**
 * The doctor against a fake Proxmox VE API served over HTTPS on 127.0.0.1 with
 * a certificate made at test time: TLS really is verified, against the test CA.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { type DoctorReport, main, runDoctor } from "../../scripts/doctor/run";
import type { CheckResult } from "../../scripts/doctor/types";
import {
  type Certificate,
  closedPort,
  defaultState,
  type DoctorStack,
  doctorStack,
  type FakeProxmox,
  fakePulumi,
  localhostCertificate,
  pulumiConfigJson,
  startFakeProxmox,
} from "./harness";

let certificate: Certificate;
let server: FakeProxmox | undefined;
const dirs: string[] = [];

beforeAll(() => {
  certificate = localhostCertificate();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A running fake API and a stack pointing at it; `configure` edits the settings first. */
async function setup(configure: (stack: DoctorStack) => void = () => {}): Promise<{ fake: FakeProxmox; stack: DoctorStack }> {
  const stack = await doctorStack("https://127.0.0.1:1/");
  const fake = await startFakeProxmox(certificate, defaultState(String(stack.secrets.proxmoxApiToken)));
  server = fake;
  stack.settings["proxmox"] = { ...(stack.settings["proxmox"] as object), endpoint: fake.endpoint };
  configure(stack);
  return { fake, stack };
}

/** A machine on the example's node subnet, as `pulumi up` should run from. */
const onNodeSubnet = ["10.0.0.7", "192.168.10.5"];

async function doctor(stack: DoctorStack, options: { timeoutMs?: number; ca?: string | null } = {}): Promise<DoctorReport> {
  return runDoctor(
    { stack: "homelab", timeoutMs: options.timeoutMs ?? 2000, help: false },
    {
      runner: fakePulumi({ configJson: pulumiConfigJson(stack) }),
      localAddresses: onNodeSubnet,
      ...(options.ca === null ? {} : { ca: options.ca ?? certificate.cert }),
    },
  );
}

const byName = (report: DoctorReport, name: string): CheckResult | undefined => report.results.find((r) => r.name === name);
const failures = (report: DoctorReport) => report.results.filter((r) => !r.ok);

describe("doctor against the Proxmox API", () => {
  it("passes every check against a healthy Proxmox VE 9 and exits 0", async () => {
    const { stack } = await setup();
    const dir = mkdtempSync(join(tmpdir(), "doctor-config-"));
    dirs.push(dir);
    const file = join(dir, "config.json");
    writeFileSync(file, pulumiConfigJson(stack), { mode: 0o600 });
    const lines: string[] = [];

    const code = await main(["--config-json", file, "--timeout-ms", "2000"], {
      runner: fakePulumi({ version: "v3.248.0" }),
      ca: certificate.cert,
      localAddresses: onNodeSubnet,
      write: (line) => lines.push(line),
    });

    expect(lines.filter((l) => l.startsWith("FAIL"))).toEqual([]);
    expect(code).toBe(0);
    const checks = lines.filter((l) => /^(ok {3}|FAIL )/.test(l)).map((l) => l.slice(5, l.indexOf(":")));
    expect(checks).toEqual([
      "pulumi cli",
      "stack config",
      "age recipient",
      "provisioning network",
      "proxmox api",
      "proxmox version",
      "proxmox privileges",
      "proxmox nodes",
      "proxmox storage pve",
      "proxmox bridge pve",
      "proxmox vm 800",
      "1password",
    ]);
    // docs/doctor.md has a row for every check, hosts and ids as placeholders.
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "doctor.md"), "utf8");
    const rows = checks.map((c) =>
      c.replace(/^(proxmox (?:storage|bridge)) \S+$/, "$1 <node>").replace(/^proxmox vm \d+$/, "proxmox vm <id>"),
    );
    expect(rows.filter((row) => !new RegExp(`^\\| \`${row}\` +\\|`, "m").test(doc))).toEqual([]);
    expect(lines).toContain(`ok   proxmox version: Proxmox VE 9.0.3`);
    expect(lines.find((l) => l.startsWith("ok   proxmox api:"))).toContain("(certificate verified)");
    expect(lines).toContain(
      "ok   proxmox privileges: exactly README.md's roles: PulumiTalosVMs on /pool/homelab, PulumiTalosDisks on /storage/local-lvm, " +
        "PulumiTalosISOs on /storage/local, PulumiTalosDownload on /nodes/pve, PulumiTalosBridge on /sdn/zones/localnetwork/vmbr0",
    );
    expect(lines.at(-1)).toBe("Ready for `pulumi up -s homelab`.");
    // The token's secret half never reaches the output.
    const secretHalf = String(stack.secrets.proxmoxApiToken).split("=")[1]!;
    expect(lines.join("\n")).not.toContain(secretHalf);
  });

  it("fails on a self-signed certificate when verification is on, and says how to fix it", async () => {
    const { stack } = await setup();
    const report = await doctor(stack, { ca: null });
    expect(report.exitCode).toBe(1);
    const api = byName(report, "proxmox api")!;
    expect(api.ok).toBe(false);
    expect(api.detail).toMatch(/^TLS verification of 127\.0\.0\.1:\d+ failed: its certificate is self-signed/);
    expect(api.fix).toContain("install a trusted certificate on Proxmox");
    expect(api.fix).toContain("homelab:proxmox.insecureSkipTlsVerify true");
    expect(api.fix).toContain("capture the API token");
    expect(report.results.filter((r) => r.name.startsWith("proxmox"))).toHaveLength(1);
    expect(report.skipped).toContain("the other proxmox checks (no usable answer from the API)");
  });

  it("accepts the self-signed certificate only with insecureSkipTlsVerify true, and says so", async () => {
    const { stack } = await setup((s) => {
      s.settings["proxmox"] = { ...(s.settings["proxmox"] as object), insecureSkipTlsVerify: true };
    });
    const report = await doctor(stack, { ca: null });
    expect(failures(report)).toEqual([]);
    expect(byName(report, "proxmox api")!.detail).toContain("certificate NOT verified: insecureSkipTlsVerify is true");
  });

  it("names a missing privilege by its Proxmox 9 name and the path it is needed on", async () => {
    const { fake, stack } = await setup();
    delete fake.state.permissions["/pool/homelab"]!["VM.Config.CDROM"];
    const report = await doctor(stack);
    expect(report.exitCode).toBe(1);
    expect(failures(report).map((r) => r.name)).toEqual(["proxmox privileges"]);
    expect(byName(report, "proxmox privileges")!.detail).toBe("the token lacks VM.Config.CDROM on /pool/homelab");
    expect(byName(report, "proxmox privileges")!.fix).toContain("grant PulumiTalosVMs on /pool/homelab to the user and the token");
  });

  it("fails a token that holds more than the roles: the old role on / with Sys.Modify", async () => {
    const { fake, stack } = await setup();
    fake.state.permissions["/"] = { "Sys.Modify": 1, "Sys.Audit": 1, "VM.Allocate": 1 };
    const report = await doctor(stack);
    const check = byName(report, "proxmox privileges")!;
    expect(check.ok).toBe(false);
    expect(check.detail).toContain("holds Sys.Audit, Sys.Modify, VM.Allocate on /storage/local-lvm (or a parent)");
    expect(check.detail).toContain("holds Sys.Audit, Sys.Modify on /pool/homelab (or a parent)");
    expect(check.fix).toContain("remove the broader ACLs");
  });

  it("counts a role granted on a parent path (propagated ACLs)", async () => {
    const { fake, stack } = await setup();
    delete fake.state.permissions["/sdn/zones/localnetwork/vmbr0"];
    fake.state.permissions["/sdn/zones"] = { "SDN.Use": 1 };
    expect(failures(await doctor(stack))).toEqual([]);
  });

  it("fails on Proxmox VE 8", async () => {
    const { fake, stack } = await setup();
    fake.state.version = "8.4.1";
    const report = await doctor(stack);
    expect(failures(report)).toEqual([
      expect.objectContaining({ name: "proxmox version", detail: "Proxmox VE 8.4.1 found, this program needs 9.x" }),
    ]);
  });

  it("says it cannot reach a host that refuses connections", async () => {
    const { stack } = await setup();
    const port = await closedPort();
    stack.settings["proxmox"] = { ...(stack.settings["proxmox"] as object), endpoint: `https://127.0.0.1:${port}/` };
    const report = await doctor(stack);
    const api = byName(report, "proxmox api")!;
    expect(api.ok).toBe(false);
    expect(api.detail).toBe(`cannot reach 127.0.0.1:${port} (ECONNREFUSED: connection refused)`);
    expect(api.fix).toContain("homelab:proxmox.endpoint");
  });

  it("gives up on a slow host after --timeout-ms", async () => {
    const { fake, stack } = await setup();
    fake.state.delayMs = 3000;
    const started = Date.now();
    const report = await doctor(stack, { timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(2000);
    const api = byName(report, "proxmox api")!;
    expect(api.detail).toBe(`no answer from 127.0.0.1:${fake.port} within 200 ms (GET /version)`);
    expect(api.fix).toContain("--timeout-ms");
  });

  it("reports a rejected token (401)", async () => {
    const { fake, stack } = await setup();
    fake.state.token = "someone@pve!else=00000000-0000-0000-0000-000000000000";
    const report = await doctor(stack);
    expect(failures(report)).toEqual([
      expect.objectContaining({
        name: "proxmox api",
        detail: "the token was rejected: check homelab:proxmoxApiToken (HTTP 401 invalid token value!)",
      }),
    ]);
  });

  it("names the privilege a 403 reports, or else the call that was forbidden", async () => {
    const { fake, stack } = await setup();
    fake.state.fault = { path: /\/network$/, status: 403, reason: "Permission check failed (/nodes/pve, Sys.Audit)" };
    let report = await doctor(stack);
    expect(failures(report)).toEqual([
      expect.objectContaining({
        name: "proxmox bridge pve",
        detail: "the token lacks Sys.Audit on /nodes/pve (GET /nodes/pve/network was forbidden)",
      }),
    ]);

    fake.state.fault = { path: /\/storage$/, status: 403 };
    report = await doctor(stack);
    expect(failures(report)).toEqual([
      expect.objectContaining({ name: "proxmox storage pve", detail: "GET /nodes/pve/storage was forbidden (HTTP 403)" }),
    ]);
  });

  it("fails when a configured VM id belongs to a VM of someone else", async () => {
    const { fake, stack } = await setup();
    fake.state.resources.push({ id: "qemu/800", vmid: 800, name: "gitlab", node: "pve", type: "qemu", tags: "" });
    const report = await doctor(stack);
    expect(failures(report)).toEqual([
      expect.objectContaining({ name: "proxmox vm 800", detail: 'VM id 800 (for talos-cp-1) is taken by VM "gitlab" on pve' }),
    ]);
    expect(byName(report, "proxmox vm 800")!.fix).toContain("pvesh get /cluster/nextid");
  });

  it("fails when a VM of the same name holds the id without the talos tag", async () => {
    const { fake, stack } = await setup();
    fake.state.resources.push({ id: "lxc/800", vmid: 800, name: "talos-cp-1", node: "pve", type: "lxc", tags: "homelab" });
    expect(failures(await doctor(stack))).toEqual([
      expect.objectContaining({ name: "proxmox vm 800", detail: 'VM id 800 (for talos-cp-1) is taken by container "talos-cp-1" on pve' }),
    ]);
  });

  it("accepts a VM id held by this stack's own VM (same name, tagged talos)", async () => {
    const { fake, stack } = await setup();
    fake.state.resources.push({
      id: "qemu/800",
      vmid: 800,
      name: "talos-cp-1",
      node: "pve",
      type: "qemu",
      tags: "controlplane;homelab;talos",
    });
    const report = await doctor(stack);
    expect(failures(report)).toEqual([]);
    expect(byName(report, "proxmox vm 800")!.detail).toBe("already this stack's VM talos-cp-1 on pve");
    expect(byName(report, "proxmox vm 800 pending")!.detail).toBe("talos-cp-1 runs its configured hardware");
  });

  it("reports a resize still pending on a VM, and how to apply it one node at a time", async () => {
    const { fake, stack } = await setup();
    fake.state.resources.push({ id: "qemu/800", vmid: 800, name: "talos-cp-1", node: "pve", type: "qemu", tags: "talos" });
    // What Proxmox holds after `pulumi up` changed cores and memory with rebootAfterUpdate false.
    fake.state.pending = {
      800: [
        { key: "cores", value: "4", pending: "6" },
        { key: "memory", value: "8192", pending: "16384" },
      ],
    };
    expect(failures(await doctor(stack))).toEqual([
      {
        name: "proxmox vm 800 pending",
        ok: false,
        detail: "talos-cp-1 has changes that apply only when the VM restarts: cores 4 → 6, memory 8192 → 16384",
        fix: 'restart it from Proxmox (`qm reboot 800` on pve) while every other control plane is healthy, one node at a time: docs/operations.md, "Resizing a node"',
      },
    ]);
  });

  it("checks isoDatastoreShared against the storage's shared flag", async () => {
    const { fake, stack } = await setup((s) => {
      s.settings["proxmox"] = { ...(s.settings["proxmox"] as object), isoDatastore: "isos", isoDatastoreShared: true };
    });
    fake.state.storage["pve"]!.push({ storage: "isos", content: "iso", type: "dir", active: 1, enabled: 1, shared: 0 });
    fake.state.permissions["/storage/isos"] = { ...fake.state.permissions["/storage/local"] };
    expect(failures(await doctor(stack))).toEqual([
      expect.objectContaining({
        name: "proxmox storage pve",
        detail: expect.stringContaining(
          "storage isos is not shared, but homelab:proxmox.isoDatastoreShared is true; set it to false, or name shared storage (NFS, CephFS)",
        ) as unknown,
      }),
    ]);
  });

  it("names a missing bridge and a storage without the needed content", async () => {
    const { fake, stack } = await setup();
    fake.state.network["pve"] = [
      { iface: "vmbr1", type: "bridge" },
      { iface: "vmbr0", type: "eth" },
    ];
    fake.state.storage["pve"] = [{ storage: "local", content: "vztmpl,backup", active: 1, enabled: 1 }];
    const report = await doctor(stack);
    expect(failures(report)).toEqual([
      expect.objectContaining({
        name: "proxmox storage pve",
        detail:
          'storage local (homelab:proxmox.isoDatastore) does not hold content "iso" (it holds vztmpl, backup); ' +
          "storage local-lvm (homelab:proxmox.vmDatastore) does not exist on pve or the token cannot see it (Datastore.Audit); pve has local (vztmpl,backup)",
      }),
      expect.objectContaining({ name: "proxmox bridge pve", detail: "vmbr0 on pve is an interface of type eth, not a bridge" }),
    ]);
    expect(byName(report, "proxmox bridge pve")!.fix).toContain("pve has vmbr1");

    fake.state.network["pve"] = [];
    expect(byName(await doctor(stack), "proxmox bridge pve")!.detail).toBe("bridge vmbr0 does not exist on pve");
  });

  it("names a Proxmox node the config uses that the cluster lacks, and skips its storage and bridge", async () => {
    const { fake, stack } = await setup((s) => {
      const nodes = s.settings["nodes"] as Record<string, unknown>[];
      nodes.push({ name: "talos-w-1", role: "worker", proxmoxNode: "pve2", vmId: 801, mac: "BC:24:11:00:00:02", address: "192.168.10.42" });
    });
    // The token is set up for pve2 too; only the node is missing.
    fake.state.permissions["/nodes/pve2"] = { "Sys.AccessNetwork": 1 };
    const report = await doctor(stack);
    expect(failures(report)).toEqual([
      expect.objectContaining({ name: "proxmox nodes", detail: "node pve2 is not in the cluster (the cluster has pve)" }),
    ]);
    expect(report.skipped).toContain("proxmox storage and bridge on pve2 (node not available)");
    expect(fake.requests.some((r) => r.includes("/nodes/pve2"))).toBe(false);
  });
});
