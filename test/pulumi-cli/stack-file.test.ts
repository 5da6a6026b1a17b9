/**
 * The real Pulumi CLI (the locked @pulumi/pulumi's version, built from pulumi/pulumi pkg/cmd/pulumi)
 * writes the stack files; the tests check what it writes and that `npm run plan` and
 * `npm run doctor` read them as the CLI does. Nothing here needs a provider plugin or a network.
 */
import { writeFileSync } from "node:fs";

import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";

import { generateSecrets, singleNodeSettings } from "../../offline/fixtures";
import { parseConfigJson, type StackConfigJson } from "../../scripts/doctor/config";
import { runDoctor } from "../../scripts/doctor/run";
import { readStackConfig } from "../../scripts/plan/stack-config";
import { lockedVersion } from "../../tools/registry";
import { type PulumiSandbox, pulumiSandbox } from "../support/pulumi-cli";

const timeout = 120_000;

/** The config as the CLI hands it to the program: `pulumi config --show-secrets --json`, parsed as the doctor parses it. */
function cliConfig(sandbox: PulumiSandbox, stack: string): StackConfigJson {
  return parseConfigJson(sandbox.ok(["config", "--show-secrets", "--json", "--stack", stack]));
}

/** A config value as the program reads it: JSON when it is JSON (objects, lists), else the string. */
function parsed(value: string | undefined): unknown {
  try {
    return JSON.parse(value ?? "");
  } catch {
    return value;
  }
}

type StackYaml = { encryptionsalt?: string; config?: Record<string, unknown> };
const readYaml = (sandbox: PulumiSandbox, stack: string) => parseYaml(sandbox.readStackFile(stack)) as StackYaml;

describe("pulumi login and stack init", () => {
  const sandbox = pulumiSandbox();

  it(
    "logs in to the file backend and creates a stack whose file carries the passphrase's encryptionsalt",
    () => {
      expect(sandbox.ok(["whoami", "--verbose"])).toContain(`Backend URL: ${sandbox.backendUrl}`);
      sandbox.ok(["stack", "init", "homelab"]);
      expect(readYaml(sandbox, "homelab").encryptionsalt).toMatch(/^v1:[A-Za-z0-9+/=]+:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
      const stacks = JSON.parse(sandbox.ok(["stack", "ls", "--json"])) as { name: string }[];
      expect(stacks.map((s) => s.name)).toEqual(["homelab"]);
    },
    timeout,
  );

  it(
    "refuses to create a passphrase stack without PULUMI_CONFIG_PASSPHRASE when it cannot prompt",
    () => {
      const result = sandbox.run(["stack", "init", "nopass", "--non-interactive"], { passphrase: null });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/PULUMI_CONFIG_PASSPHRASE/);
    },
    timeout,
  );
});

describe("pulumi config set --secret", () => {
  const sandbox = pulumiSandbox();

  it(
    "stores a value given as an argument as secure: ciphertext that only the passphrase opens",
    () => {
      sandbox.ok(["stack", "init", "homelab"]);
      sandbox.ok(["config", "set", "--secret", "homelab:proxmoxApiToken", "pulumi@pve!homelab=argument-value"]);
      const stored = readYaml(sandbox, "homelab").config?.["homelab:proxmoxApiToken"];
      expect(stored).toEqual({ secure: expect.stringMatching(/^v1:/) as unknown });
      expect(sandbox.readStackFile("homelab")).not.toContain("argument-value");
      expect(sandbox.ok(["config", "get", "homelab:proxmoxApiToken"]).trim()).toBe("pulumi@pve!homelab=argument-value");
      const wrong = sandbox.run(["config", "get", "homelab:proxmoxApiToken"], { passphrase: "not the passphrase" });
      expect(wrong.status).not.toBe(0);
      expect(wrong.stderr).toMatch(/incorrect passphrase/);
    },
    timeout,
  );

  it(
    "reads the value from standard input (nothing on the command line) and strips one trailing newline",
    () => {
      // pulumi/pulumi pkg/cmd/pulumi/config/config.go (v3.248.0), configSetCmd.Run: a non-terminal stdin is read
      // whole and cmdutil.RemoveTrailingNewline applied unless --raw.
      sandbox.ok(["config", "set", "--secret", "homelab:onePasswordConnectToken"], { input: "from-stdin\n" });
      expect(sandbox.readStackFile("homelab")).not.toContain("from-stdin");
      expect(sandbox.ok(["config", "get", "homelab:onePasswordConnectToken"])).toBe("from-stdin\n");
      const json = cliConfig(sandbox, "homelab");
      expect(json.raw["homelab:onePasswordConnectToken"]).toBe("from-stdin");
      expect(json.secretKeys.has("homelab:onePasswordConnectToken")).toBe(true);

      // A multi-line value (an SSH deploy key) keeps its inner newlines.
      sandbox.ok(["config", "set", "--secret", "homelab:fluxSshKey"], { input: "line one\nline two\n" });
      expect(cliConfig(sandbox, "homelab").raw["homelab:fluxSshKey"]).toBe("line one\nline two");
    },
    timeout,
  );
});

/**
 * The user's stack file as they have it before `pulumi stack init`: the fixture's settings (never the
 * repository's own stack file, which the user edits), hosts of this machine instead of placeholders.
 */
function userStackFile(): StackYaml & { config: Record<string, unknown> } {
  const fixture = singleNodeSettings() as Record<string, Record<string, unknown>>;
  const settings = {
    ...fixture,
    proxmox: { ...fixture["proxmox"], endpoint: "https://127.0.0.1:8006/" },
    flux: { ...fixture["flux"], url: "https://git.home.arpa/homelab/homelab-gitops.git" },
  };
  return { config: Object.fromEntries(Object.entries(settings).map(([key, value]) => [`homelab:${key}`, value])) };
}

describe("the README's path: the user's stack file, then pulumi stack init", async () => {
  const sandbox = pulumiSandbox();
  const secrets = await generateSecrets();
  const user = userStackFile();

  it(
    "stack init keeps every key the file had and adds the passphrase's encryptionsalt",
    () => {
      writeFileSync(sandbox.stackFile("homelab"), stringify(user));
      sandbox.ok(["stack", "init", "homelab"]);
      const after = readYaml(sandbox, "homelab");
      expect(after.config).toEqual(user.config);
      expect(after.encryptionsalt).toMatch(/^v1:/);
    },
    timeout,
  );

  it(
    "the secrets set with pulumi config set --secret are read by plan as the CLI reads them",
    async () => {
      for (const key of ["proxmoxApiToken", "sopsAgeKey", "onePasswordCredentials", "onePasswordConnectToken"] as const) {
        sandbox.ok(["config", "set", "--secret", `homelab:${key}`], { input: secrets[key] });
      }
      const cli = cliConfig(sandbox, "homelab");
      const plan = await readStackConfig(sandbox.stackFile("homelab"), { fillMissingSecrets: false });
      expect(Object.keys(plan.config).sort()).toEqual(Object.keys(cli.raw).sort());
      expect(new Set(plan.secretKeys)).toEqual(cli.secretKeys);
      // The CLI prints an object's JSON with its keys sorted (Go's encoding/json): compare values, not text.
      for (const key of Object.keys(cli.raw).filter((k) => !cli.secretKeys.has(k))) {
        expect(parsed(plan.config[key]), key).toEqual(parsed(cli.raw[key]));
      }
      for (const key of cli.secretKeys) expect(cli.raw[key], key).toBe(secrets[key.slice("homelab:".length) as keyof typeof secrets]);
    },
    timeout,
  );

  it(
    "npm run doctor -- --stack-file validates it, with the real CLI found and the secret checks named as not run",
    async () => {
      const report = await runDoctor(
        { stack: "homelab", stackFile: sandbox.stackFile("homelab"), timeoutMs: 1000, help: false },
        { runner: sandbox.runner, projectRoot: sandbox.projectDir, cwd: sandbox.projectDir, write: () => undefined },
      );
      const result = (name: string) => report.results.find((r) => r.name === name);
      expect(result("pulumi cli")).toMatchObject({
        ok: true,
        detail: expect.stringMatching(`^Pulumi CLI ${lockedVersion("@pulumi/pulumi")} `) as unknown,
      });
      expect(result("stack config")).toMatchObject({ ok: true });
      expect(report.skipped.join("; ")).toMatch(/homelab:proxmoxApiToken encrypted in --stack-file/);
    },
    timeout,
  );
});
