/** The pull-request comments (scripts/ci/comment.ts): own markers, honest verdicts, never an empty code block. */
import { describe, expect, it } from "vitest";

import { codeBlock, impactComment, marker, operationComment, resourceSummary } from "../../scripts/ci/comment";

const run = { commit: "0123456789abcdef0123", url: "https://github.com/o/r/actions/runs/1" };
const emptyBlock = /(`{3,})text\n\s*\n?\1/;

describe("codeBlock", () => {
  it("is empty for blank output instead of an empty block", () => {
    expect(codeBlock("")).toBe("");
    expect(codeBlock(" \n\n  \n")).toBe("");
  });

  it("uses a fence longer than any backtick run in the text, so output cannot end it early", () => {
    expect(codeBlock("a ``` b")).toBe("````text\na ``` b\n````");
  });

  it("keeps the end of a long output (where the summary is) and says what was cut", () => {
    const block = codeBlock(`${"x".repeat(50)}TAIL`, 10);
    expect(block).toContain("(44 characters cut; the job log has all of it)");
    expect(block).toContain("xxxxxxTAIL\n```");
  });
});

describe("resourceSummary", () => {
  it("reads the counts after the last Resources: line", () => {
    const output =
      "Previewing update (homelab):\n...\nResources:\n    + 3 to create\n    ~ 1 to update\n    10 unchanged\n\nDuration: 3s\n";
    expect(resourceSummary(output)).toEqual({ line: "+ 3 to create, ~ 1 to update, 10 unchanged", changes: true });
    expect(resourceSummary("Resources:\n    4 unchanged\n")).toEqual({ line: "4 unchanged", changes: false });
    expect(resourceSummary("no summary here")).toBeUndefined();
  });
});

describe("operationComment", () => {
  it("starts with the preview marker of its stack, which differs from the impact report's", () => {
    const body = operationComment("preview", "homelab", "Pulumi Cloud", run, {
      kind: "succeeded",
      output: "Resources:\n    + 1 to create\n",
    });
    expect(body.split("\n")[0]).toBe(marker.preview("homelab"));
    expect(marker.preview("homelab")).not.toBe(marker.impact);
    expect(marker.preview("homelab")).not.toBe(marker.preview("other"));
    expect(body).toContain("**Succeeded**, with changes: + 1 to create.");
    expect(body).toContain("Commit 0123456789ab, state in Pulumi Cloud.");
  });

  it("a failure with no output says so instead of showing an empty code block", () => {
    const body = operationComment("preview", "homelab", "Pulumi Cloud", run, {
      kind: "failed",
      step: "pulumi login",
      code: 255,
      output: "\n",
    });
    expect(body).toContain("**Failed**: `pulumi login` exited 255.");
    expect(body).toContain("It printed nothing");
    expect(body).not.toMatch(emptyBlock);
    expect(body).not.toContain("```");
  });

  it("a preview without a summary is not called change-free", () => {
    const body = operationComment("preview", "homelab", "x", run, { kind: "succeeded", output: "warning: something\n" });
    expect(body).toContain("what would change is unknown");
    expect(body).not.toContain("no resource changes");
  });

  it("a step that never finished is reported as unknown, pointing at the lock release", () => {
    const body = operationComment("preview", "homelab", "x", run, { kind: "stopped" });
    expect(body).toContain("**Did not finish**");
    expect(body).toContain('docs/ci.md ("A stuck lock")');
  });

  it("a job that lacks its settings lists every problem with its fix", () => {
    const body = operationComment("preview", "homelab", "x", run, {
      kind: "not run",
      problems: [
        { problem: "A is not set", fix: "set A" },
        { problem: "B is not set", fix: "set B" },
      ],
    });
    expect(body).toContain("- A is not set: set A\n- B is not set: set B");
  });
});

describe("impactComment", () => {
  it("a code-only change: nothing to evaluate, no verdict, and the preview named as what shows it", () => {
    const body = impactComment("Pulumi.homelab.yaml", "main", run, { kind: "config unchanged" });
    expect(body.split("\n")[0]).toBe(marker.impact);
    expect(body).toContain(
      "**Nothing to evaluate**: `Pulumi.homelab.yaml` is the same on both branches. This is not a verdict on the change.",
    );
    expect(body).toContain("only the preview shows");
    expect(body).not.toMatch(/\bsafe\b/i);
  });

  it("the heading names the config file it compares, not the cluster", () => {
    const body = impactComment("Pulumi.homelab.yaml", "main", run, { kind: "report", code: 0, output: "No resource changes." });
    expect(body).toContain("### Stack config impact: `Pulumi.homelab.yaml` on this branch against `main`");
    expect(body).toContain("evaluates changes to the stack config only");
  });

  it("a failed report with no output says so instead of an empty code block", () => {
    const body = impactComment("Pulumi.homelab.yaml", "main", run, { kind: "report", code: 3, output: "" });
    expect(body).toContain("**The report failed the check** (exit 3):");
    expect(body).toContain("`npm run plan` printed nothing");
    expect(body).not.toContain("```");
  });

  it("a config missing on one side is named", () => {
    expect(impactComment("Pulumi.homelab.yaml", "main", run, { kind: "no config", missingOn: "base" })).toContain("is not on `main`");
  });
});
