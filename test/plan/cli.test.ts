/** The plan command as a user calls it: arguments, the output directory, what it prints. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";

import { multiNodeSettings } from "../../offline/fixtures";
import { main, outputMarker, withLatencyOverrides } from "../../scripts/plan/cli";
import { latencyModel } from "../../scripts/plan/latency";
import { writeStackFile } from "../support/stack-file";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "plan-cli-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** The single-node fixture, its secrets stored encrypted. */
const fixture = writeStackFile({ dir: scratch });

let dirs = 0;
function freshDir(): string {
  const dir = join(scratch, `d${++dirs}`);
  mkdirSync(dir);
  return dir;
}

async function plan(argv: string[], cwd = root) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    cwd,
    projectRoot: root,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

/** Every file under `dir`, relative, without the marker. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return filesUnder(dir, path);
    return path === outputMarker ? [] : [path];
  });
}

/** A stack file of the example's shape with other settings, the secrets stored as `secure:` values. */
function stackFile(settings: Record<string, unknown>): string {
  const path = join(freshDir(), "Pulumi.lab.yaml");
  const config: Record<string, unknown> = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`homelab:${k}`, v]));
  for (const key of ["proxmoxApiToken", "sopsAgeKey", "onePasswordCredentials", "onePasswordConnectToken"]) {
    config[`homelab:${key}`] = { secure: `v1:${key}-ciphertext` };
  }
  writeFileSync(path, stringify({ encryptionsalt: "v1:c2FsdA==:v1:abc:def", config }));
  return path;
}

describe("--out never deletes what plan did not write", () => {
  it("refuses a directory holding a file plan did not write, and leaves it as it was", async () => {
    const out = freshDir();
    writeFileSync(join(out, "notes.txt"), "mine");
    const { code, stderr } = await plan(["--config", fixture, "--out", out]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--out ${out} already holds files plan did not write (notes.txt)`);
    expect(readdirSync(out)).toEqual(["notes.txt"]);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine");
  });

  it("refuses `--out .` in a directory with anything in it (the checkout, .git included)", async () => {
    const checkout = freshDir();
    mkdirSync(join(checkout, ".git"));
    writeFileSync(join(checkout, ".git", "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(checkout, "index.ts"), "// code");
    const { code, stderr } = await plan(["--config", fixture, "--out", "."], checkout);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n").at(-1)).toMatch(/^plan: --out .* already holds files plan did not write \(\.git, index\.ts\)/);
    expect(readFileSync(join(checkout, ".git", "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    expect(existsSync(join(checkout, "index.ts"))).toBe(true);
    expect(existsSync(join(checkout, "talos"))).toBe(false);
  });

  it("writes into a new or empty directory, and on the next run replaces only its own files", async () => {
    const out = join(freshDir(), "plan");
    const three = stackFile(multiNodeSettings(3));
    expect((await plan(["--config", three, "--out", out])).code).toBe(0);
    expect(filesUnder(out)).toContain("talos/talos-cp-3/01-install.yaml");
    writeFileSync(join(out, "my-notes.md"), "kept");
    writeFileSync(join(out, "talos", "mine.yaml"), "kept too");

    const one = stackFile(multiNodeSettings(1));
    expect((await plan(["--config", one, "--out", out])).code).toBe(0);
    const files = filesUnder(out);
    // The node the config no longer has is gone with its directory; the user's files stay.
    expect(existsSync(join(out, "talos", "talos-cp-3"))).toBe(false);
    expect(files).toContain("talos/talos-cp-1/01-install.yaml");
    expect(readFileSync(join(out, "my-notes.md"), "utf8")).toBe("kept");
    expect(readFileSync(join(out, "talos", "mine.yaml"), "utf8")).toBe("kept too");
  }, 30_000);
});

describe("what plan prints", () => {
  it("counts the files it writes the same way in the progress line, the summary and on disk", async () => {
    const out = join(freshDir(), "out");
    const { code, stdout, stderr } = await plan(["--config", fixture, "--out", out]);
    expect(code).toBe(0);
    const onDisk = filesUnder(out).length;
    const writing = /writing (\d+) files/.exec(stderr)?.[1];
    const summary =
      /^Files: (\d+) in .*: (\d+) documents .* the graph \(graph\.mmd for Mermaid, graph\.txt\) and plan\.html \(timeline and graph, open it in a browser\)$/m.exec(
        stdout,
      );
    expect(Number(writing)).toBe(onDisk);
    expect(Number(summary?.[1])).toBe(onDisk);
    expect(Number(summary?.[2])).toBe(onDisk - 3); // graph.mmd, graph.txt, plan.html
  });

  it("shows each VM's Proxmox host, id, cores, memory and disk in the resource list", async () => {
    const settings = multiNodeSettings(3);
    const nodes = settings["nodes"] as Record<string, unknown>[];
    nodes[1] = { ...nodes[1], cores: 6, memoryMiB: 12288, diskGiB: 100 };
    const { code, stdout } = await plan(["--config", stackFile(settings), "--out", join(freshDir(), "o")]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/VmLegacy pve-talos-cp-1 \[on pve, vm 800: 4 cores, 8192 MiB, 64 GiB disk on local-lvm\]/);
    expect(stdout).toMatch(/VmLegacy pve-talos-cp-2 \[on pve2, vm 801: 6 cores, 12288 MiB, 100 GiB disk on local-lvm\]/);
  });
});

describe("command-line handling", () => {
  it("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await plan(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run plan -- \[options\]/);
    for (const option of ["--config", "--out", "--latency", "--throwaway-secrets", "--compare", "--compare-last", "--restore", "--help"]) {
      expect(stdout).toContain(option);
    }
  });

  const latencyFile = (content: string) => {
    const path = join(freshDir(), "latency.json");
    writeFileSync(path, content);
    return path;
  };

  it.each([
    [["--bogus"], /^plan: Unknown option '--bogus'/],
    [["extra"], /^plan: Unexpected argument 'extra'/],
    [["--out"], /^plan: Option '--out <value>' argument missing/],
    [["--config", "no-such-file.yaml"], /^plan: cannot read the stack file .*no-such-file\.yaml \(ENOENT\)$/],
    [["--compare", "a.yaml", "--compare-last"], /^plan: give --compare <file> or --compare-last, not both/],
    [["--latency", "no-such.json"], /^plan: cannot read --latency no-such\.json \(ENOENT\)/],
  ])("%j: one line, exit 2", async (argv, message) => {
    const { code, stderr, stdout } = await plan(argv);
    expect(code).toBe(2);
    const lines = stderr.split("\n").filter((l) => l.startsWith("plan:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe("");
  });

  it.each([
    ['{"VmLegacy": "ninety"}', /^plan: --latency .*: VmLegacy must be a number of seconds \(0 or more\), not "ninety"/],
    ['{"VmLegacy": -5}', /VmLegacy must be a number of seconds \(0 or more\), not -5/],
    ['{"Vm": 5}', /"Vm" is not a modelled resource type; use one of .*VmLegacy/],
    ["[90]", /must be a JSON object of seconds per resource type/],
    ["{nope", /is not JSON/],
  ])("--latency %s is refused in one line, exit 2", async (content, message) => {
    const { code, stderr } = await plan(["--config", fixture, "--out", join(freshDir(), "o"), "--latency", latencyFile(content)]);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n").at(-1)).toMatch(message);
  });

  it("--latency takes the type names plan prints and full tokens, and the estimate uses them", async () => {
    const model = withLatencyOverrides(latencyModel, '{"VmLegacy": 90, "talos:machine/bootstrap:Bootstrap": 25}', "t.json");
    expect(model["proxmoxve:index/vmLegacy:VmLegacy"]).toEqual({ seconds: 90, basis: "measured (t.json)" });
    expect(model["talos:machine/bootstrap:Bootstrap"]?.seconds).toBe(25);
    const { code, stdout } = await plan([
      "--config",
      fixture,
      "--out",
      join(freshDir(), "o"),
      "--latency",
      latencyFile('{"VmLegacy": 90}'),
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/VmLegacy pve-talos-cp-1 \(\+90s: measured \(.*latency\.json\)\)/);
  });
});
