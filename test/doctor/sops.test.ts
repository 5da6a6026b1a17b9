/** The doctor's SOPS checks: recipients in .sops.yaml (keys generated at test time) and the files, as the preflight sees them. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { ruleRecipients, undecryptableSopsFiles } from "../../components/config/sops";
import { runDoctor } from "../../scripts/doctor/run";
import { checkSopsFiles, checkSopsRecipients } from "../../scripts/doctor/sops";
import { closedPort, doctorStack, fakePulumi, pulumiConfigJson } from "./harness";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(sopsYaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "doctor-gitops-"));
  dirs.push(dir);
  mkdirSync(join(dir, "clusters"), { recursive: true });
  writeFileSync(join(dir, ".sops.yaml"), sopsYaml);
  return dir;
}

let identity: string;
let recipient: string;
let other: string;
beforeAll(async () => {
  const age = await import("age-encryption");
  identity = await age.generateX25519Identity();
  recipient = await age.identityToRecipient(identity);
  other = await age.identityToRecipient(await age.generateX25519Identity());
});

describe("sops recipients check", () => {
  it("accepts rules that list the recipient as a comma-separated string, a list, or in key_groups", async () => {
    const dir = repo(
      [
        "creation_rules:",
        "  - path_regex: clusters/.*\\.sops\\.yaml$",
        "    encrypted_regex: ^(data|stringData)$",
        `    age: ${other}, ${recipient}`,
        "  - path_regex: apps/.*\\.sops\\.yaml$",
        "    age:",
        `      - ${recipient}`,
        "  - path_regex: infra/.*",
        "    key_groups:",
        `      - age: [${other}, ${recipient}]`,
      ].join("\n"),
    );
    const result = await checkSopsRecipients(identity, join(dir, ".sops.yaml"), "--sops-config");
    expect(result).toEqual({
      name: "sops recipients",
      ok: true,
      detail: `all 3 creation rules of ${join(dir, ".sops.yaml")} list ${recipient}`,
    });
  });

  it("names every rule that misses the recipient", async () => {
    const dir = repo(
      [
        "creation_rules:",
        `  - path_regex: clusters/.*\\.sops\\.yaml$`,
        `    age: ${recipient}`,
        `  - path_regex: apps/.*\\.sops\\.yaml$`,
        `    age: ${other}`,
        "  - pgp: 0123456789ABCDEF",
      ].join("\n"),
    );
    const path = join(dir, ".sops.yaml");
    const result = await checkSopsRecipients(identity, path, "--sops-config");
    expect(result.ok).toBe(false);
    expect(result.detail).toBe(
      `creation_rules[1] (path_regex apps/.*\\.sops\\.yaml$), creation_rules[2] of ${path} do not list this stack's recipient ${recipient}`,
    );
    expect(result.fix).toContain(`add ${recipient} to the age list of those rules`);
  });

  it("fails on a missing file or one without creation rules", async () => {
    const missing = await checkSopsRecipients(identity, "/nonexistent/.sops.yaml", "homelab:flux.localCheckout");
    expect(missing.detail).toBe("cannot read /nonexistent/.sops.yaml (homelab:flux.localCheckout): ENOENT");
    expect(missing.fix).toContain(recipient);
    const empty = repo("stores: {}\n");
    expect((await checkSopsRecipients(identity, join(empty, ".sops.yaml"), "--sops-config")).detail).toBe(
      `${join(empty, ".sops.yaml")} has no creation_rules`,
    );
  });

  it("parses age lists in every form sops accepts", () => {
    expect(ruleRecipients({ age: "a,b ,\n c" })).toEqual(["a", "b", "c"]);
    expect(ruleRecipients({ age: ["a", "b,c"], key_groups: [{ age: ["d"] }, { pgp: ["x"] }] })).toEqual(["a", "b", "c", "d"]);
    expect(ruleRecipients(null)).toEqual([]);
  });
});

describe("the doctor's sops check", () => {
  async function stackWith(identityKey: string, localCheckout?: string) {
    const stack = await doctorStack(`https://127.0.0.1:${await closedPort()}/`);
    stack.secrets.sopsAgeKey = identityKey;
    if (localCheckout !== undefined) stack.settings["flux"] = { ...(stack.settings["flux"] as object), localCheckout };
    return stack;
  }

  it("reads <flux.localCheckout>/.sops.yaml relative to the project, and fails when the recipient is missing", async () => {
    const dir = repo(`creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: ${other}\n`);
    const projectRoot = join(dir, "clusters");
    const stack = await stackWith(identity, relative(projectRoot, dir));
    const report = await runDoctor(
      { stack: "homelab", timeoutMs: 200, help: false },
      { runner: fakePulumi({ configJson: pulumiConfigJson(stack) }), projectRoot },
    );
    const sops = report.results.find((r) => r.name === "sops recipients");
    expect(sops).toMatchObject({
      ok: false,
      detail: `creation_rules[0] (path_regex .*\\.sops\\.yaml$) of ${join(dir, ".sops.yaml")} does not list this stack's recipient ${recipient}`,
    });
    expect(report.exitCode).toBe(1);
  });

  it("prefers --sops-config, resolved from the caller's directory, and skips the check without either", async () => {
    const dir = repo(`creation_rules:\n  - age: ${recipient}\n`);
    const stack = await stackWith(identity, "/nonexistent");
    const runner = fakePulumi({ configJson: pulumiConfigJson(stack) });
    const report = await runDoctor({ stack: "homelab", timeoutMs: 200, help: false, sopsConfig: ".sops.yaml" }, { runner, cwd: dir });
    expect(report.results.find((r) => r.name === "sops recipients")?.ok).toBe(true);

    const plain = await stackWith(identity);
    const skipped = await runDoctor(
      { stack: "homelab", timeoutMs: 200, help: false },
      { runner: fakePulumi({ configJson: pulumiConfigJson(plain) }) },
    );
    expect(skipped.results.some((r) => r.name === "sops recipients")).toBe(false);
    expect(skipped.notConfigured).toContain("sops recipients (no --sops-config and no homelab:flux.localCheckout)");
  });
});

describe("the doctor's sops files check", () => {
  it("reports exactly what the program's preflight reports, from the same implementation", async () => {
    const upstream = join(__dirname, "..", "fixtures", "upstream", "sops");
    const key = readFileSync(join(upstream, "keys", "age.txt"), "utf8")
      .split("\n")
      .find((line) => line.startsWith("AGE-SECRET-KEY-"))!;
    const dir = repo("creation_rules: []\n");
    writeFileSync(join(dir, "ok.sops.yaml"), readFileSync(join(upstream, "algorithms", "age.yaml")));
    writeFileSync(join(dir, "other.sops.yaml"), readFileSync(join(upstream, "global", "secret.yaml")));
    writeFileSync(join(dir, "env.sops.env"), readFileSync(join(upstream, "envs", "env.env")));
    const preflight = await undecryptableSopsFiles(dir, key);
    expect(preflight).toHaveLength(1);
    const result = await checkSopsFiles(key, dir);
    expect(result).toMatchObject({ name: "sops files", ok: false, detail: preflight.join("; ") });

    rmSync(join(dir, "other.sops.yaml"));
    expect(await checkSopsFiles(key, dir)).toMatchObject({ ok: true });
  });
});
