/** The offline plan: estimate, documents, and the command itself. */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { afterAll, describe, expect, it } from "vitest";

import { multiNodeSettings, singleNodeSettings } from "../../offline/fixtures";
import type { ProgramRun } from "../../offline/harness";
import { knownSecrets } from "../../offline/secrets";
import { generatedDocuments, redacted } from "../../scripts/plan/documents";
import { latencyModel, strictChainSeconds, withHealthWait } from "../../scripts/plan/latency";
import { estimate } from "../../scripts/plan/report";
import { readStackConfig } from "../../scripts/plan/stack-config";
import { runExample, types } from "../support/program";
import { stackFileText, writeStackFile } from "../support/stack-file";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "plan-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("the latency model and critical path", async () => {
  const single = await runExample();
  const ten = await runExample({ settings: multiNodeSettings(10) });

  it("cites a basis for every figure", () => {
    for (const [type, latency] of Object.entries(latencyModel)) {
      expect(latency.basis.length, type).toBeGreaterThan(10);
      expect(latency.seconds, type).toBeGreaterThan(0);
    }
  });

  it("the FluxInstance figure counts what its Ready condition waits for, and no more", () => {
    const instance = single.ofType(types.fluxInstance)[0];
    const spec = instance?.inputs["spec"] as { wait?: boolean } | undefined;
    const basis = latencyModel["kubernetes:fluxcd.controlplane.io/v1:FluxInstance"]?.basis ?? "";
    // With spec.wait false the operator reports Ready once the distribution is applied, before any sync.
    expect(spec?.wait).toBe(false);
    expect(basis).not.toMatch(/waits for the first sync/);
    expect(basis).toMatch(/awaits neither their rollout nor the sync/);
  });

  it("one node: the critical path is the strict chain of the layers", () => {
    const est = estimate(single, latencyModel, "connect");
    expect(est.criticalPathSeconds).toBe(strictChainSeconds(withHealthWait(latencyModel), "connect"));
    expect(est.ratio).toBe(1);
    expect(est.path.map((r) => r.type)).toEqual(
      expect.arrayContaining([types.iso, types.vm, types.apply, types.bootstrap, types.kubeconfig, types.clusterSecretStore]),
    );
  });

  it("ten nodes: nodes build in parallel, so the critical path grows by under 10%", () => {
    const one = estimate(single, latencyModel, "connect").criticalPathSeconds;
    expect(estimate(ten, latencyModel, "connect").criticalPathSeconds / one).toBeLessThan(1.1);
  });

  it("a program that built its VMs one after another would show it in the ratio (the measure can fail)", () => {
    const vms = ten.ofType(types.vm);
    const serial: ProgramRun = {
      ...ten,
      registrations: ten.registrations.map((r) => {
        // Each VM waits for the next, so the first control plane's VM (which bootstrap waits for) comes last.
        const index = vms.findIndex((v) => v.urn === r.urn);
        return index >= 0 && index < vms.length - 1 ? { ...r, dependencies: [...r.dependencies, vms[index + 1]!.urn] } : r;
      }),
    };
    const est = estimate(serial, latencyModel, "connect");
    // All ten VM creations now stand on the path, one after another (20 s each: the boot is VmStart's).
    expect(est.path.filter((r) => r.type === types.vm)).toHaveLength(10);
    expect(est.ratio).toBeGreaterThan(1.2);
  });
});

describe("generated documents", async () => {
  const example = await runExample({ settings: multiNodeSettings(3) });
  const secrets = knownSecrets(example, example.secrets);
  const files = generatedDocuments(example, secrets);

  it("writes every node's patches, every release's values and every object", () => {
    const names = [...files.keys()];
    for (const node of ["talos-cp-1", "talos-cp-2", "talos-cp-3"]) {
      for (const patch of ["01-install", "02-network", "03-disk-encryption", "04-secretbox", "05-cluster"])
        expect(names).toContain(`talos/${node}/${patch}.yaml`);
    }
    expect(names).toEqual(
      expect.arrayContaining(["helm/flux-operator.values.yaml", "helm/external-secrets.values.yaml", "helm/connect.values.yaml"]),
    );
    expect(names).toEqual(
      expect.arrayContaining(["manifests/fluxinstance-flux-system-flux.yaml", "manifests/clustersecretstore-onepassword.yaml"]),
    );
  });

  it("redacts every secret", () => {
    for (const [name, content] of files)
      for (const secret of secrets) expect(content.includes(secret), `${name} leaks ${secret.slice(0, 8)}`).toBe(false);
    expect(files.get("talos/talos-cp-1/04-secretbox.yaml")).toContain(`secretboxEncryptionSecret: ${redacted}`);
    expect(files.get("manifests/secret-flux-system-sops-age.yaml")).toContain(`age.agekey: ${redacted}`);
  });
});

describe("npm run plan", () => {
  it("reads an encrypted stack config without decrypting it: every secure value is replaced", async () => {
    const path = join(scratch, "Pulumi.encrypted.yaml");
    writeFileSync(path, stackFileText({ encryptedSecrets: false, extra: { "homelab:sopsAgeKey": { secure: "v1:abc" } } }));
    const offline = await readStackConfig(path);
    expect(offline.substituted).toEqual([
      "homelab:onePasswordConnectToken",
      "homelab:onePasswordCredentials",
      "homelab:proxmoxApiToken",
      "homelab:sopsAgeKey",
    ]);
    expect(offline.config["homelab:sopsAgeKey"]).toMatch(/^AGE-SECRET-KEY-1/);
  });

  it("prints layers, graph and estimate, and writes the documents", async () => {
    const out = join(scratch, "out");
    const { stdout } = await run("npx", ["tsx", "scripts/plan.ts", "--config", writeStackFile({ dir: scratch }), "--out", out], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toContain("Layers, in order:");
    expect(stdout).toMatch(/1\. Proxmox VMs .*\n\s+2\. Talos cluster .*\n\s+3\. Flux with SOPS .*\n\s+4\. External Secrets/);
    expect(stdout).toMatch(/Estimated `pulumi up` on a new stack: \d+m\d\ds \(critical path\)/);
    expect(stdout).toContain("ratio 1.000");
    expect(readdirSync(out).sort()).toEqual([".homelab-plan.json", "graph.mmd", "graph.txt", "helm", "manifests", "plan.html", "talos"]);
    expect(readFileSync(join(out, "graph.mmd"), "utf8")).toMatch(/^graph TD\n/);
  }, 60_000);

  it("exits non-zero with the config problems on a bad config", async () => {
    const path = join(scratch, "Pulumi.bad.yaml");
    const settings = singleNodeSettings();
    settings["nodes"] = [{ ...(settings["nodes"] as object[])[0], mac: "nope" }];
    writeFileSync(path, stackFileText({ settings }));
    const failure = await run("npx", ["tsx", "scripts/plan.ts", "--config", path, "--out", join(scratch, "bad")], {
      cwd: root,
      timeout: 60_000,
    }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('homelab:nodes[0].mac (talos-cp-1): "nope" is not a MAC address');
  }, 60_000);
});
