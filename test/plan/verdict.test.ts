/**
 * `npm run plan` reaches the verdict `pulumi up` would on the same stack file.
 *
 * The program path reads a stack file as the Pulumi CLI hands it to the
 * program: plain values in PULUMI_CONFIG, `secure:` values decrypted and their
 * keys in PULUMI_CONFIG_SECRET_KEYS (what runtime.isConfigSecret reads,
 * @pulumi/pulumi runtime/config.js), and index.ts evaluated under the harness,
 * which gives it the project directory the language host passes as
 * --root-directory (@pulumi/pulumi cmd/run/index.js). The plan path is the
 * command itself. Each stack file must get the same verdict from both.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";

import { ConfigError } from "../../components/config";
import { generateSecrets } from "../../offline/fixtures";
import { runProgram } from "../../offline/harness";
import { exitCodes } from "../../scripts/lib/exit-codes";
import { main } from "../../scripts/plan/cli";
import { stackFileText } from "../support/stack-file";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "plan-verdict-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

type Verdict = { ok: true } | { problems: string[] };

/** The stack file as the Pulumi CLI gives it to the program, `secure:` values decrypted with `plaintexts`. */
function engineConfig(path: string, plaintexts: Map<string, string>): { config: Record<string, string>; secretKeys: string[] } {
  const file = parseYaml(readFileSync(path, "utf8")) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(file.config)) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      const plaintext = plaintexts.get(String(value.secure));
      if (plaintext === undefined) throw new Error(`no plaintext for ${key}`);
      config[key] = plaintext;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

async function programVerdict(path: string, plaintexts: Map<string, string>): Promise<Verdict> {
  try {
    await runProgram(engineConfig(path, plaintexts));
    return { ok: true };
  } catch (error) {
    // A ConfigError is thrown before anything is registered, so nothing is left in flight.
    if (!(error instanceof ConfigError)) throw error;
    return { problems: error.problems.map((p) => `${p.key}: ${p.message}`) };
  }
}

async function planVerdict(path: string): Promise<Verdict> {
  let stderr = "";
  const code = await main(["--config", path, "--out", mkdtempSync(join(scratch, "out-"))], {
    cwd: root,
    projectRoot: root,
    stdout: () => undefined,
    stderr: (t) => (stderr += t),
  });
  // 5: planned, with the decryption of flux.localCheckout not run (no real age key offline).
  if (code === exitCodes.ok || code === exitCodes.incomplete) return { ok: true };
  expect(code, stderr).toBe(1);
  return { problems: stderr.split("\n").flatMap((l) => (l.startsWith("  - ") ? [l.slice(4)] : [])) };
}

interface Case {
  name: string;
  /** Changes to the example's settings. */
  change?: (config: Record<string, unknown>) => void;
  /** Secrets written in plaintext instead of `secure:`. */
  plaintext?: string[];
  /** Secrets left out of the file. */
  unset?: string[];
  expected: "ok" | RegExp;
}

const emptyCheckout = join(scratch, "homelab-gitops");
mkdirSync(emptyCheckout);
const flux = (config: Record<string, unknown>) => config["homelab:flux"] as Record<string, unknown>;

const cases: Case[] = [
  { name: "the example with its secrets encrypted", expected: "ok" },
  {
    name: "flux.localCheckout relative to the project directory, as documented (../…)",
    change: (c) => {
      flux(c)["localCheckout"] = relative(root, emptyCheckout);
    },
    expected: "ok",
  },
  {
    name: "flux.localCheckout pointing at a directory that does not exist",
    change: (c) => {
      flux(c)["localCheckout"] = relative(root, join(scratch, "no-such-checkout"));
    },
    expected: /^homelab:flux\.localCheckout: cannot read .*no-such-checkout/,
  },
  { name: "a secret stored in plaintext", plaintext: ["proxmoxApiToken"], expected: /^homelab:proxmoxApiToken: is stored in plaintext/ },
  { name: "a required secret not set", unset: ["onePasswordConnectToken"], expected: /^homelab:onePasswordConnectToken: is required/ },
  {
    name: "a typo and a bad MAC",
    change: (c) => {
      const nodes = c["homelab:nodes"] as Record<string, unknown>[];
      nodes[0] = { ...nodes[0], mac: "nope", memory: 1 };
    },
    expected: /^homelab:nodes\[0\]\.(mac|memory) \(talos-cp-1\): /,
  },
];

describe("plan and the program under the engine's config semantics agree", async () => {
  const secrets = await generateSecrets();
  const example = parseYaml(stackFileText({ encryptedSecrets: false })) as { config: Record<string, unknown> };

  it.each(cases)(
    "$name",
    async ({ change, plaintext = [], unset = [], expected }) => {
      const config = structuredClone(example.config);
      change?.(config);
      const plaintexts = new Map<string, string>();
      for (const key of ["proxmoxApiToken", "sopsAgeKey", "onePasswordCredentials", "onePasswordConnectToken"] as const) {
        if (unset.includes(key)) continue;
        if (plaintext.includes(key)) {
          config[`homelab:${key}`] = secrets[key];
        } else {
          const ciphertext = `v1:${key}:${plaintexts.size}`;
          plaintexts.set(ciphertext, secrets[key]);
          config[`homelab:${key}`] = { secure: ciphertext };
        }
      }
      const path = join(mkdtempSync(join(scratch, "stack-")), "Pulumi.lab.yaml");
      writeFileSync(path, stringify({ encryptionsalt: "v1:c2FsdA==:v1:abc:def", config }));

      const [program, plan] = [await programVerdict(path, plaintexts), await planVerdict(path)];
      expect(plan).toEqual(program);
      if (expected === "ok") expect(program).toEqual({ ok: true });
      else expect("problems" in program ? program.problems : []).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    },
    30_000,
  );
});

describe("plan with flux.localCheckout and no readable age key", () => {
  const leak = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\nstringData:\n  password: hunter2\n";

  async function plan(sopsAgeKey: "encrypted" | "unset", checkoutFiles: Record<string, string>) {
    const example = parseYaml(stackFileText({ encryptedSecrets: false })) as { config: Record<string, unknown> };
    const config = structuredClone(example.config);
    const checkout = mkdtempSync(join(scratch, "checkout-"));
    for (const [name, text] of Object.entries(checkoutFiles)) writeFileSync(join(checkout, name), text);
    flux(config)["localCheckout"] = checkout;
    for (const key of ["proxmoxApiToken", "sopsAgeKey", "onePasswordCredentials", "onePasswordConnectToken"]) {
      config[`homelab:${key}`] = { secure: `v1:${key}` };
    }
    if (sopsAgeKey === "unset") delete config["homelab:sopsAgeKey"];
    const path = join(mkdtempSync(join(scratch, "stack-")), "Pulumi.lab.yaml");
    writeFileSync(path, stringify({ config }));
    let stdout = "";
    let stderr = "";
    const args = [
      "--config",
      path,
      "--out",
      mkdtempSync(join(scratch, "out-")),
      ...(sopsAgeKey === "unset" ? ["--throwaway-secrets"] : []),
    ];
    const code = await main(args, { cwd: root, projectRoot: root, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }

  it("still refuses plaintext in the checkout (a check that needs no key)", async () => {
    const { code, stderr } = await plan("encrypted", { "leak.yaml": leak });
    expect(code).toBe(exitCodes.failed);
    expect(stderr).toContain("homelab:flux.localCheckout holds plaintext (checked without the age key):");
    expect(stderr).toContain("leak.yaml: Secret leak is a plaintext Secret in Git");
  }, 30_000);

  it("lists the decryption as not run, says why truly, and exits 5", async () => {
    const encrypted = await plan("encrypted", {});
    expect(encrypted.code).toBe(exitCodes.incomplete);
    expect(encrypted.stdout).toContain("decrypts with homelab:sopsAgeKey, which is encrypted in the stack file");
    const unset = await plan("unset", {});
    expect(unset.code).toBe(exitCodes.incomplete);
    expect(unset.stdout).toContain("decrypts with homelab:sopsAgeKey, which is not set (a throwaway key stands in for it)");
    expect(unset.stdout).not.toContain("encrypted in the stack file");
  }, 60_000);
});
