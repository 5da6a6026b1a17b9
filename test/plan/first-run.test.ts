/**
 * What a newcomer meets on the first `npm run plan` (issue #25): the hint to
 * --throwaway-secrets, flags npm swallowed, keys without the `homelab:` prefix,
 * a file that is not a stack file, a YAML error, the default stack file.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";

import { stackFile } from "../../components/config";
import { main } from "../../scripts/plan/cli";
import { readStackConfig, StackFileError } from "../../scripts/plan/stack-config";
import { stackFileText, writeStackFile } from "../support/stack-file";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "plan-first-run-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

let outs = 0;
async function plan(argv: string[], env: Record<string, string> = {}, projectRoot = root) {
  let stdout = "";
  let stderr = "";
  const out = ["--restore", "--help"].some((a) => argv.includes(a)) ? [] : ["--out", join(scratch, `out${++outs}`)];
  const code = await main([...argv, ...out], {
    cwd: scratch,
    projectRoot,
    env,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

/** The fixture's config with its keys written without the `homelab:` prefix. */
function unprefixed(text: string): string {
  const file = parseYaml(text) as { config: Record<string, unknown> };
  file.config = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k.replace(/^homelab:/, ""), v]));
  return stringify(file);
}

describe("a stack file with no secrets yet", () => {
  it("fails with the missing secrets and points at --throwaway-secrets for an offline plan", async () => {
    const fresh = writeStackFile({ dir: scratch, name: "Pulumi.fresh.yaml", encryptedSecrets: false });
    const { code, stderr } = await plan(["--config", fresh]);
    expect(code).toBe(1);
    expect(stderr).toContain("homelab:proxmoxApiToken: is required");
    expect(stderr).toContain(
      "Only secrets are missing: `npm run plan -- --throwaway-secrets` plans with throwaway values in their place; `pulumi up` needs them set with `pulumi config set --secret <key>`.",
    );
    expect((await plan(["--config", fresh, "--throwaway-secrets"])).code).toBe(0);
  }, 60_000);

  it("gives no such hint when other keys are wrong too", async () => {
    const path = join(scratch, "Pulumi.mixed.yaml");
    writeFileSync(path, stackFileText({ encryptedSecrets: false }).replace("mac: BC:24:11:00:00:01", "mac: nope"));
    const { code, stderr } = await plan(["--config", path]);
    expect(code).toBe(1);
    expect(stderr).toContain("is not a MAC address");
    expect(stderr).not.toContain("--throwaway-secrets");
    expect(stderr).toContain(`Fix them in ${path}; set secrets with \`pulumi config set --secret <key>\``);
  });
});

describe("flags npm took for itself (`npm run plan --flag` without `--`)", () => {
  it.each([
    [{ npm_config_throwaway_secrets: "true" }, [], "--throwaway-secrets"],
    [{ npm_config_config: "true" }, ["Pulumi.mine.yaml"], "--config …"],
    [{ npm_config_restore: "true", npm_config_latency: "true" }, ["t.json"], "--latency … --restore"],
  ])("%j is caught: did you forget `--`?", async (env, argv, flags) => {
    const { code, stderr, stdout } = await plan(argv, { npm_lifecycle_event: "plan", ...env });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^plan: npm took .* for itself: did you forget `--`\? Run `npm run plan -- /);
    expect(stderr).toContain(`npm run plan -- ${flags}`);
  });

  it("leaves npm's own settings alone", async () => {
    const { code } = await plan(["--help"], { npm_lifecycle_event: "plan", npm_config_cache: "/root/.npm", npm_config_yes: "" });
    expect(code).toBe(0);
  });
});

describe("keys without the homelab: prefix", () => {
  it("are read as Pulumi reads them: namespaced to the project (pulumi/pulumi sdk/go/common/workspace/loaders.go)", async () => {
    const prefixed = writeStackFile({ dir: scratch, name: "Pulumi.prefixed.yaml" });
    const bare = join(scratch, "Pulumi.bare.yaml");
    writeFileSync(bare, unprefixed(readFileSync(prefixed, "utf8")));
    const a = await readStackConfig(prefixed);
    const b = await readStackConfig(bare);
    expect(Object.keys(b.config).sort()).toEqual(Object.keys(a.config).sort());
    expect(b.substituted).toEqual(a.substituted);
    expect(b.config["homelab:proxmox"]).toBe(a.config["homelab:proxmox"]);
    const { code, stdout } = await plan(["--config", bare]);
    expect(code).toBe(0);
    expect(stdout).toContain("VmLegacy pve-talos-cp-1");
  }, 60_000);

  it("refuses a key given both with and without the prefix (Pulumi keeps one of them, whichever its map yields last)", async () => {
    const path = join(scratch, "Pulumi.both.yaml");
    writeFileSync(path, stackFileText({ extra: { cluster: { name: "other" } } }));
    await expect(readStackConfig(path)).rejects.toThrow(new StackFileError(`${path} sets both cluster and homelab:cluster; keep one`));
  });
});

describe("a file that is not a stack file", () => {
  it("is named as such in one line, not as seven missing keys", async () => {
    const { code, stderr } = await plan(["--config", join(root, "Pulumi.yaml")]);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n").at(-1)).toMatch(
      /^plan: .*Pulumi\.yaml sets no homelab key under `config:`; is it a Pulumi\.<stack>\.yaml\?/,
    );
    expect(stderr).not.toContain("is required");
  });

  it("a YAML error keeps its reason, line and column", async () => {
    const path = join(scratch, "Pulumi.broken.yaml");
    writeFileSync(path, "config:\n  homelab:proxmox:\n    endpoint: https://pve:8006/\n   node: pve\n");
    const { code, stderr } = await plan(["--config", path]);
    expect(code).toBe(2);
    const line = stderr.trim().split("\n").at(-1) ?? "";
    expect(line).toMatch(/^plan: .*Pulumi\.broken\.yaml is not YAML: .+ at line 4, column \d+: `   node: pve`$/);
  });
});

describe("the default stack file", () => {
  it("is Pulumi.homelab.yaml in the project; without it plan says how to get it back", async () => {
    const project = join(scratch, "project");
    mkdirSync(project);
    const { code, stderr } = await plan([], {}, project);
    expect(code).toBe(2);
    expect(stderr).toContain(`plan: cannot read the stack file ${join(project, stackFile)} (ENOENT)`);
  });
});
