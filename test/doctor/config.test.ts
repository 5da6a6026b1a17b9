/** The Pulumi CLI and stack-config checks, the command line, and the 1Password check: no Proxmox needed. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";

import { ageRecipientOf } from "../../components/config/sops";
import { describeTalosRange } from "../../components/lib/talos-support";
import { fakeCredentialsFile, generateSecrets } from "../../offline/fixtures";
import { parseDoctorArgs } from "../../scripts/doctor/args";
import { parseConfigJson } from "../../scripts/doctor/config";
import { checkOnePassword } from "../../scripts/doctor/onepassword";
import { checkPulumiCli, MIN_PULUMI_CLI, type RunResult } from "../../scripts/doctor/pulumi";
import { main, runDoctor } from "../../scripts/doctor/run";
import { UsageError } from "../../scripts/lib/args";
import { exitCodes } from "../../scripts/lib/exit-codes";
import { closedPort, doctorStack, fakePulumi, pulumiConfigJson } from "./harness";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "doctor-"));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

const options = { stack: "homelab", timeoutMs: 200, help: false };

describe("pulumi cli check", () => {
  const runner = (result: RunResult) => () => Promise.resolve(result);

  it("accepts a CLI at or above the minimum", async () => {
    expect(await checkPulumiCli(runner({ kind: "exited", code: 0, stdout: "v3.248.0\n", stderr: "" }))).toEqual({
      name: "pulumi cli",
      ok: true,
      detail: `Pulumi CLI 3.248.0 (>= ${MIN_PULUMI_CLI})`,
    });
    expect((await checkPulumiCli(runner({ kind: "exited", code: 0, stdout: "v3.207.0", stderr: "" }))).ok).toBe(true);
    expect((await checkPulumiCli(runner({ kind: "exited", code: 0, stdout: "v4.0.1-alpha.1", stderr: "" }))).ok).toBe(true);
  });

  it("takes a pre-release of the minimum for an older CLI, as semver orders it", async () => {
    // semver.org §11: 3.207.0-alpha.1 < 3.207.0. A build made before the 3.207.0 release may lack replaceWith.
    const prerelease = await checkPulumiCli(runner({ kind: "exited", code: 0, stdout: "v3.207.0-alpha.1762345678\n", stderr: "" }));
    expect(prerelease.ok).toBe(false);
    expect(prerelease.detail).toContain("Pulumi CLI 3.207.0-alpha.1762345678 is older than 3.207.0");
    expect((await checkPulumiCli(runner({ kind: "exited", code: 0, stdout: "3.207.1-alpha.1+g1234abc", stderr: "" }))).ok).toBe(true);
  });

  it("fails on a CLI that is too old, naming the reason", async () => {
    // 3.206 lacks the replaceWith option: the SDK would throw at the first config apply.
    const result = await checkPulumiCli(runner({ kind: "exited", code: 0, stdout: "v3.206.0\n", stderr: "" }));
    const reason =
      "its engine is the first to honour the replaceWith resource option; older ones fail the program at its first config apply";
    expect(result).toEqual({
      name: "pulumi cli",
      ok: false,
      detail: `Pulumi CLI 3.206.0 is older than 3.207.0, which this program needs (${reason})`,
      fix: `install Pulumi CLI 3.207.0 or newer (${reason}): https://www.pulumi.com/docs/install/`,
    });
  });

  it("notes a missing CLI with what it means for up and the install link, without failing; fails on one that hangs", async () => {
    const missing = await checkPulumiCli(runner({ kind: "missing" }));
    expect(missing).toMatchObject({ name: "pulumi cli", ok: true, note: true });
    expect(missing.detail).toMatch(/^the pulumi command is not installed \(not found on PATH\), so `pulumi up` cannot run here yet; /);
    expect(missing.detail).toContain("https://www.pulumi.com/docs/install/");
    expect((await checkPulumiCli(runner({ kind: "timeout", timeoutMs: 10000 }))).detail).toBe(
      "`pulumi version` gave no answer within 10000 ms",
    );
  });
});

describe("stack config check", () => {
  it("reads the config from the CLI for the chosen stack", async () => {
    // A closed port on 127.0.0.1: the Proxmox checks fail fast and stay local.
    const stack = await doctorStack(`https://127.0.0.1:${await closedPort()}/`);
    const pulumi = fakePulumi({ configJson: pulumiConfigJson(stack) });
    const report = await runDoctor({ ...options, stack: "staging" }, { runner: pulumi });
    expect(pulumi.calls).toContainEqual(["pulumi", "config", "--show-secrets", "--json", "--non-interactive", "--stack", "staging"]);
    expect(report.results.find((r) => r.name === "stack config")).toEqual({
      name: "stack config",
      ok: true,
      detail: `stack staging validates: 1 node on pve, 1Password mode connect; Talos v1.13.9 (supported: ${describeTalosRange()}), Kubernetes 1.36.3 (Talos 1.13 runs 1.31 to 1.36)`,
    });
  });

  it("prints each validation problem on its own failing line, skips the rest, and exits non-zero", async () => {
    const stack = await doctorStack("https://127.0.0.1:1/");
    const nodes = stack.settings["nodes"] as Record<string, unknown>[];
    nodes[0] = { ...nodes[0], mac: "not-a-mac", vmId: 50 };
    stack.settings["proxmox"] = { ...(stack.settings["proxmox"] as object), endpoint: "http://pve.example.lan:8006/" };
    const lines: string[] = [];
    const code = await main(["--config-json", tempFile("config.json", pulumiConfigJson(stack, ["proxmoxApiToken"]))], {
      runner: fakePulumi({}),
      write: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    const configLines = lines.filter((l) => l.startsWith("FAIL config "));
    expect(configLines).toHaveLength(4);
    expect(configLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FAIL config homelab:proxmoxApiToken: is stored in plaintext; [^]*\n {5}fix: /),
        expect.stringMatching(/^FAIL config homelab:proxmox\.endpoint: "http:\/\/pve\.example\.lan:8006\/" is not an https URL/),
        expect.stringMatching(/^FAIL config homelab:nodes\[0\]\.vmId \(talos-cp-1\): must be at least 100/),
        expect.stringMatching(/^FAIL config homelab:nodes\[0\]\.mac \(talos-cp-1\): "not-a-mac" is not a MAC address/),
      ]),
    );
    expect(lines.some((l) => l.includes("proxmox api"))).toBe(false);
    expect(lines).toContain("not run proxmox, sops recipients and 1password (they need a valid stack config)");
    expect(lines.at(-1)).toBe("Fix the FAIL lines above, then run `npm run doctor` again before `pulumi up`.");
  });

  it("without the CLI, notes it and fails only the config it could not read; with --config-json the rest runs", async () => {
    const stack = await doctorStack(`https://127.0.0.1:${await closedPort()}/`);
    const missing = fakePulumi({ missing: true });
    let report = await runDoctor(options, { runner: missing });
    expect(report.results.map((r) => [r.name, r.ok])).toEqual([
      ["pulumi cli", true],
      ["stack config", false],
    ]);
    expect(report.results[1]!.fix).toContain("--config-json <file>");
    expect(report.results[1]!.fix).toContain("--stack-file Pulumi.homelab.yaml");

    report = await runDoctor({ ...options, configJson: tempFile("c.json", pulumiConfigJson(stack)) }, { runner: missing });
    expect(report.results.find((r) => r.name === "stack config")?.ok).toBe(true);
    expect(report.results[0]).toMatchObject({ name: "pulumi cli", ok: true, note: true });
    // The Proxmox API was tried (and failed on the closed port): the missing CLI stopped nothing.
    expect(report.results.find((r) => r.name === "proxmox api")?.ok).toBe(false);
  });

  it("says what is wrong with a --config-json file that is not the CLI's JSON", async () => {
    const runner = fakePulumi({});
    const notJson = await runDoctor({ ...options, configJson: tempFile("a.json", "homelab:proxmox: {}") }, { runner });
    expect(notJson.results[1]!.detail).toMatch(/^--config-json .*a\.json is not JSON/);
    const hidden = await runDoctor(
      { ...options, configJson: tempFile("b.json", JSON.stringify({ "homelab:proxmoxApiToken": { secret: true } })) },
      { runner },
    );
    expect(hidden.results[1]!.detail).toContain(
      "has no value for the secret homelab:proxmoxApiToken; run `pulumi config` with --show-secrets",
    );
    const absent = await runDoctor({ ...options, configJson: "/nonexistent/config.json" }, { runner });
    expect(absent.results[1]!.detail).toBe("cannot read --config-json /nonexistent/config.json: ENOENT");
  });

  it("builds the raw map from value or objectValue, and the secret predicate from secret", () => {
    const parsed = parseConfigJson(
      JSON.stringify({
        "homelab:proxmox": { value: '{"node":"pve"}', objectValue: { node: "pve" }, secret: false },
        "homelab:cluster": { objectValue: { name: "x" }, secret: false },
        "homelab:sopsAgeKey": { value: "AGE-SECRET-KEY-1", secret: true },
      }),
    );
    expect(parsed.raw).toEqual({
      "homelab:proxmox": '{"node":"pve"}',
      "homelab:cluster": '{"name":"x"}',
      "homelab:sopsAgeKey": "AGE-SECRET-KEY-1",
    });
    expect([...parsed.secretKeys]).toEqual(["homelab:sopsAgeKey"]);
  });
});

describe("command line", () => {
  it("has defaults and takes every flag", () => {
    expect(parseDoctorArgs([])).toEqual({ stack: "homelab", timeoutMs: 5000, tools: false, help: false });
    expect(parseDoctorArgs(["--stack", "lab", "--config-json", "c.json", "--sops-config", "x/.sops.yaml", "--timeout-ms", "200"])).toEqual({
      stack: "lab",
      configJson: "c.json",
      sopsConfig: "x/.sops.yaml",
      timeoutMs: 200,
      tools: false,
      help: false,
    });
  });

  it("rejects unknown flags and bad timeouts with exit code 2", async () => {
    expect(() => parseDoctorArgs(["--timeout-ms", "soon"])).toThrow(UsageError);
    expect(() => parseDoctorArgs(["--timeout-ms", "0"])).toThrow(UsageError);
    expect(() => parseDoctorArgs(["--insecure"])).toThrow(UsageError);
    const lines: string[] = [];
    expect(await main(["--nope"], { write: (l) => lines.push(l) })).toBe(2);
    expect(lines[0]).toBe("doctor: Unknown option '--nope' (see --help)");
  });
});

describe("1password check", () => {
  it("accepts Connect credentials that decode to a credentials file, with a token", async () => {
    const secrets = await generateSecrets();
    expect(checkOnePassword("connect", secrets)).toEqual([
      {
        name: "1password",
        ok: true,
        detail: "mode connect: the credentials decode to a 1password-credentials.json, and the Connect token is set",
      },
    ]);
  });

  it("names credentials encoded twice and a missing Connect token", () => {
    const twice = Buffer.from(fakeCredentialsFile()).toString("base64");
    const results = checkOnePassword("connect", { onePasswordCredentials: twice });
    expect(results.map((r) => r.detail)).toEqual([
      "homelab:onePasswordCredentials is base64 encoded twice; Connect chart 2.3.0+ takes the file encoded once (`base64 -w0 1password-credentials.json`)",
      "mode connect needs homelab:onePasswordConnectToken, and it is not set",
    ]);
    expect(results.every((r) => !r.ok)).toBe(true);
  });

  it("needs the service-account token in sdk mode", async () => {
    expect(checkOnePassword("sdk", {})[0]).toMatchObject({
      ok: false,
      detail: "mode sdk needs homelab:onePasswordServiceAccountToken, and it is not set",
    });
    expect(
      checkOnePassword("sdk", { onePasswordServiceAccountToken: (await generateSecrets()).onePasswordServiceAccountToken })[0]?.ok,
    ).toBe(true);
  });
});

describe("doctor from the stack YAML, without the CLI", () => {
  /** A Pulumi.<stack>.yaml as `pulumi config set --secret` leaves it: every secret `secure:`. */
  function stackYaml(stack: Awaited<ReturnType<typeof doctorStack>>, plaintext: string[] = []): string {
    const config: Record<string, unknown> = Object.fromEntries(Object.entries(stack.settings).map(([k, v]) => [`homelab:${k}`, v]));
    for (const [key, value] of Object.entries(stack.secrets)) {
      config[`homelab:${key}`] = plaintext.includes(key) ? value : { secure: `v1:${key}` };
    }
    return tempFile("Pulumi.lab.yaml", stringify({ encryptionsalt: "v1:c2FsdA==:v1:abc:def", config }));
  }

  it("validates the config, lists each check that needs an encrypted secret as not run, never says no check failed, and exits 5", async () => {
    const stack = await doctorStack(`https://127.0.0.1:${await closedPort()}/`);
    const lines: string[] = [];
    const code = await main(["--stack-file", stackYaml(stack)], {
      runner: fakePulumi({ missing: true }),
      // On the node subnet: the provisioning network check, which needs no secret, runs and passes.
      localAddresses: ["192.168.10.5"],
      write: (l) => lines.push(l),
    });
    expect(lines.find((l) => l.startsWith("ok   provisioning network: this machine (192.168.10.5)"))).toBeDefined();
    expect(code).toBe(exitCodes.incomplete);
    expect(lines[1]).toMatch(/^note pulumi cli: the pulumi command is not installed/);
    expect(lines[2]).toMatch(/^ok {3}stack config: stack homelab validates/);
    expect(lines).toEqual(
      expect.arrayContaining([
        "not run age recipient, sops recipients and sops decryption (homelab:sopsAgeKey encrypted in --stack-file; the Pulumi CLI or --config-json reads it)",
        "not run proxmox (homelab:proxmoxApiToken encrypted in --stack-file; the Pulumi CLI or --config-json reads it)",
        "not run 1password (homelab:onePasswordCredentials, homelab:onePasswordConnectToken encrypted in --stack-file; the Pulumi CLI or --config-json reads it)",
      ]),
    );
    expect(lines.join("\n")).not.toContain("No check failed");
    expect(lines.at(-1)).toMatch(/^The checks that ran passed, but \d+ did not run/);
    // The summary counts the note apart from the checks that passed; the not-run ones are never counted as passed.
    const passed = lines.filter((l) => l.startsWith("ok ")).length;
    expect(lines).toContain(`${passed + 1} checks: ${passed} ok, 1 noted, 0 failed.`);
  });

  it("runs every check that needs no secret: the provisioning network, the Flux source and the plaintext check of the checkout", async () => {
    const stack = await doctorStack(`https://127.0.0.1:${await closedPort()}/`);
    const checkout = mkdtempSync(join(tmpdir(), "doctor-checkout-"));
    dirs.push(checkout);
    writeFileSync(join(checkout, "leak.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\nstringData:\n  password: hunter2\n");
    stack.settings["flux"] = { ...(stack.settings["flux"] as object), localCheckout: checkout };
    const report = await runDoctor(
      { ...options, stackFile: stackYaml(stack) },
      { runner: fakePulumi({ missing: true }), localAddresses: ["10.99.0.5"] },
    );
    const names = report.results.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["provisioning network", "sops plaintext", "flux source"]));
    expect(report.results.find((r) => r.name === "sops plaintext")).toMatchObject({ ok: false });
    expect(report.results.find((r) => r.name === "sops plaintext")?.detail).toContain(
      "leak.yaml: Secret leak is a plaintext Secret in Git",
    );
    expect(report.exitCode).toBe(exitCodes.failed);
  });

  it("refuses a secret stored in plaintext in the stack file, as `pulumi up` does", async () => {
    const stack = await doctorStack("https://127.0.0.1:1/");
    const report = await runDoctor({ ...options, stackFile: stackYaml(stack, ["proxmoxApiToken"]) }, { runner: fakePulumi({}) });
    expect(report.exitCode).toBe(1);
    expect(report.results.find((r) => !r.ok)?.name).toBe("config homelab:proxmoxApiToken");
  });

  it("never tells the user to put a secret into the stack file: a secret's fix is `pulumi config set --secret` without the value", async () => {
    const stack = await doctorStack("https://127.0.0.1:1/");
    const report = await runDoctor({ ...options, stackFile: stackYaml(stack, ["proxmoxApiToken"]) }, { runner: fakePulumi({}) });
    const secret = report.results.find((r) => r.name === "config homelab:proxmoxApiToken");
    expect(secret?.fix).toBe(
      "run `pulumi config set --secret homelab:proxmoxApiToken` and give the value at its prompt or on standard input (never on the command line, where shell history keeps it)",
    );
    expect(secret?.fix).not.toMatch(/Pulumi\.\w+\.yaml/);
  });

  it("reads a stack file whose keys lack the homelab: prefix as Pulumi does", async () => {
    const stack = await doctorStack("https://127.0.0.1:1/");
    const prefixed = stackYaml(stack);
    const bare = tempFile("Pulumi.bare.yaml", readFileSync(prefixed, "utf8").replace(/^ {2}homelab:(\w+):/gm, "  $1:"));
    expect(readFileSync(bare, "utf8")).not.toContain("homelab:proxmox:");
    const [a, b] = await Promise.all([
      runDoctor({ ...options, stackFile: prefixed }, { runner: fakePulumi({ missing: true }) }),
      runDoctor({ ...options, stackFile: bare }, { runner: fakePulumi({ missing: true }) }),
    ]);
    expect(b.results.find((r) => r.name === "stack config")?.ok).toBe(true);
    expect(b.results).toEqual(a.results);
  });

  it("catches an option npm took for itself (`npm run doctor --stack-file x`, no `--`)", () => {
    expect(() => parseDoctorArgs(["Pulumi.lab.yaml"], { npm_lifecycle_event: "doctor", npm_config_stack_file: "true" })).toThrow(
      new UsageError("npm took --stack-file for itself: did you forget `--`? Run `npm run doctor -- --stack-file …`"),
    );
  });

  it("takes --stack-file or --config-json, not both, and says so in one line", () => {
    expect(() => parseDoctorArgs(["--stack-file", "a.yaml", "--config-json", "b.json"])).toThrow(
      new UsageError("give --config-json <file> or --stack-file <file>, not both"),
    );
  });

  it("wraps FAIL lines to the report width, the fix on its own line", async () => {
    const stack = await doctorStack("https://127.0.0.1:1/");
    const lines: string[] = [];
    await main(["--stack-file", stackYaml(stack, ["proxmoxApiToken", "sopsAgeKey"])], {
      runner: fakePulumi({}),
      write: (l) => lines.push(l),
    });
    const failing = lines.filter((l) => l.startsWith("FAIL "));
    expect(failing.length).toBeGreaterThan(0);
    for (const block of failing) {
      const [first, ...rest] = block.split("\n");
      expect(first!.length).toBeLessThanOrEqual(100);
      for (const line of rest) {
        expect(line.length).toBeLessThanOrEqual(100);
        expect(line).toMatch(/^ {5}\S/);
      }
      expect(rest.some((l) => l.startsWith("     fix: "))).toBe(true);
    }
  });
});

it("prints the cluster's age recipient, which .sops.yaml needs before the first `up`", async () => {
  const stack = await doctorStack(`https://127.0.0.1:${await closedPort()}/`);
  const report = await runDoctor({ ...options, configJson: tempFile("c.json", pulumiConfigJson(stack)) }, { runner: fakePulumi({}) });
  const recipient = await ageRecipientOf(stack.all.sopsAgeKey);
  expect(recipient).toMatch(/^age1/);
  expect(report.results.find((r) => r.name === "age recipient")).toEqual({
    name: "age recipient",
    ok: true,
    detail: `${recipient} (of homelab:sopsAgeKey: the cluster recipient for .sops.yaml and \`npm run gitops-init -- --recipient\`)`,
  });
});
