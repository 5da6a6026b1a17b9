/**
 * The pull-request comments the CI posts: one for the stack preview and one for the config impact report,
 * each starting with its own hidden marker, by which the next run finds and edits it (scripts/ci/github.ts).
 * Pure functions of what happened; every outcome says what it covers and never shows an empty code block.
 */
import type { Problem } from "./backend";

/** The hidden first line of each comment: HTML comments do not render in GitHub Markdown. */
export const marker = {
  preview: (stack: string) => `<!-- homelab-ci:preview stack=${stack} -->`,
  up: (stack: string) => `<!-- homelab-ci:up stack=${stack} -->`,
  impact: "<!-- homelab-ci:impact -->",
} as const;

/** GitHub refuses comment bodies over 65,536 characters; the rest of the comment fits in what this leaves. */
export const maxOutputChars = 60_000;

/**
 * A fenced block of `text`, or "" when there is nothing to show. The fence is longer than any run of backticks
 * in the text, so output cannot close it early; over `max` characters, the start is cut (summaries come last).
 */
export function codeBlock(text: string, max = maxOutputChars): string {
  const trimmed = text.replace(/\s+$/, "").replace(/^\s*\n/, "");
  if (trimmed.trim() === "") return "";
  const shown =
    trimmed.length > max ? `… (${trimmed.length - max} characters cut; the job log has all of it)\n${trimmed.slice(-max)}` : trimmed;
  const longestRun = Math.max(0, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}text\n${shown}\n${fence}`;
}

/** The change counts of the `Resources:` summary the CLI prints last, e.g. "+ 3 to create, ~ 1 to update, 10 unchanged". */
export function resourceSummary(output: string): { line: string; changes: boolean } | undefined {
  const lines = output.split("\n");
  const start = lines.map((l) => l.trim()).lastIndexOf("Resources:");
  if (start < 0) return undefined;
  const counts: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = line.trim();
    if (!/^(\S+\s+)?\d+ /.test(item)) break;
    counts.push(item);
  }
  if (counts.length === 0) return undefined;
  return { line: counts.join(", "), changes: counts.some((c) => !/^\d+ unchanged$/.test(c)) };
}

export interface Run {
  /** The commit the job ran on (for a preview, the one the approving review was for). */
  commit: string;
  /** The job's log, for what a comment cannot hold. */
  url: string;
}

export type Step = "pulumi login" | "pulumi stack select" | "pulumi preview" | "pulumi up";

export type OperationOutcome =
  | { kind: "not run"; problems: Problem[] }
  /** What the comment file says until the script writes the outcome: true if the step never gets that far. */
  | { kind: "stopped" }
  | { kind: "failed"; step: Step; code: number; output: string }
  | { kind: "succeeded"; output: string };

const problemList = (problems: Problem[]) => problems.map((p) => `- ${p.problem}: ${p.fix}`).join("\n");

const joinBlocks = (...blocks: (string | undefined)[]) => `${blocks.filter((b) => b !== undefined && b !== "").join("\n\n")}\n`;

/** The comment on a `pulumi preview` (posted on the pull request) or `pulumi up` (the job summary). */
export function operationComment(command: "preview" | "up", stack: string, backend: string, run: Run, outcome: OperationOutcome): string {
  const head = command === "preview" ? marker.preview(stack) : marker.up(stack);
  const heading = `### \`pulumi ${command}\` of stack \`${stack}\``;
  const where = `Commit ${run.commit.slice(0, 12)}, state in ${backend}. [Job log](${run.url})`;
  const scope =
    command === "preview"
      ? "The preview compares the program with the state as last recorded (no refresh), without reaching the cluster: " +
        "objects that Helm charts render inside the cluster are not listed, and values read from the cluster are unknown (docs/ci.md)."
      : undefined;
  switch (outcome.kind) {
    case "not run":
      return joinBlocks(
        head,
        heading,
        "**Did not run**: the job lacks what the backend or the stack needs.",
        problemList(outcome.problems),
        where,
      );
    case "stopped":
      return joinBlocks(
        head,
        heading,
        `**Did not finish**: the step was cancelled or timed out before \`pulumi ${command}\` ended, so what it would change is unknown. ` +
          'If the stack is left locked, docs/ci.md ("A stuck lock") says how to release it.',
        where,
      );
    case "failed": {
      const block = codeBlock(outcome.output);
      return joinBlocks(
        head,
        heading,
        `**Failed**: \`${outcome.step}\` exited ${outcome.code}.`,
        block === ""
          ? "It printed nothing; the job log may say more."
          : `<details open><summary>Output of ${outcome.step}</summary>\n\n${block}\n</details>`,
        where,
      );
    }
    case "succeeded": {
      const summary = resourceSummary(outcome.output);
      const verdict =
        summary === undefined
          ? "**Succeeded**; the output has no resource summary, so what would change is unknown: read it below."
          : summary.changes
            ? `**Succeeded**, with changes: ${summary.line}.`
            : `**Succeeded**, no resource changes: ${summary.line}.`;
      const block = codeBlock(outcome.output);
      return joinBlocks(
        head,
        heading,
        verdict,
        scope,
        block === "" ? undefined : `<details><summary>Output of pulumi ${command}</summary>\n\n${block}\n</details>`,
        where,
      );
    }
    default: {
      const exhaustive: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(exhaustive)}`);
    }
  }
}

export type ImpactOutcome =
  /** The stack file is byte-identical on both branches: the change is code (or docs) only. */
  | { kind: "config unchanged" }
  | { kind: "no config"; missingOn: "base" | "head" | "both" }
  | { kind: "report"; code: number; output: string };

export function impactComment(configFile: string, baseRef: string, run: Run, outcome: ImpactOutcome): string {
  const heading = `### Stack config impact: \`${configFile}\` on this branch against \`${baseRef}\``;
  const codeNote =
    "This report evaluates changes to the stack config only (`npm run plan -- --compare`); what changes to the program's code do to the cluster only the preview shows, which runs once a collaborator approves this pull request.";
  const where = `Commit ${run.commit.slice(0, 12)}. [Job log](${run.url})`;
  switch (outcome.kind) {
    case "config unchanged":
      return joinBlocks(
        marker.impact,
        heading,
        `**Nothing to evaluate**: \`${configFile}\` is the same on both branches. This is not a verdict on the change.`,
        codeNote,
        where,
      );
    case "no config": {
      const which =
        outcome.missingOn === "both" ? "on neither branch" : outcome.missingOn === "base" ? `not on \`${baseRef}\`` : "not on this branch";
      return joinBlocks(marker.impact, heading, `**Nothing to compare**: \`${configFile}\` is ${which}.`, codeNote, where);
    }
    case "report": {
      const block = codeBlock(outcome.output);
      const verdict = outcome.code === 0 ? "**Report**:" : `**The report failed the check** (exit ${outcome.code}):`;
      return joinBlocks(
        marker.impact,
        heading,
        verdict,
        block === "" ? `\`npm run plan\` printed nothing; the job log may say more.` : block,
        codeNote,
        where,
      );
    }
    default: {
      const exhaustive: never = outcome;
      throw new Error(`unhandled impact outcome ${JSON.stringify(exhaustive)}`);
    }
  }
}
