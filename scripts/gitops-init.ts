/**
 * `npm run gitops-init`: copies the gitops/ template into the directory that
 * becomes your GitOps repository, with `.sops.yaml` encrypting for the
 * stack's age recipient and your offline recovery recipient.
 *
 *   npm run gitops-init -- --out ../homelab-gitops --recipient age1… --recovery age1…
 *   pulumi stack output --json > stack.json
 *   npm run gitops-init -- --out ../homelab-gitops --stack-outputs stack.json --recovery age1…
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { InitError, initGitopsRepository, nextSteps } from "./gitops-init/init";

const usage = `usage: npm run gitops-init -- --out <dir> (--recipient <age1…> | --stack-outputs <file>) --recovery <age1…>

  --out            directory to create the repository in; must be new, empty, or hold only .git
  --recipient      the cluster's age recipient: age-keygen -y on the homelab:sopsAgeKey identity
                   (after the first pulumi up, also pulumi stack output ageRecipient)
  --stack-outputs  a file written by \`pulumi stack output --json\`; its ageRecipient is the recipient
  --recovery       the public key of your offline recovery age key (age-keygen -y <key file>)`;

async function clusterRecipient(recipient: string | undefined, outputsFile: string | undefined): Promise<string> {
  if (recipient !== undefined && outputsFile !== undefined) throw new InitError("give --recipient or --stack-outputs, not both");
  if (recipient !== undefined) return recipient;
  if (outputsFile === undefined) throw new InitError("missing --recipient (or --stack-outputs)");
  let text: string;
  try {
    text = await readFile(outputsFile, "utf8");
  } catch (error) {
    throw new InitError(`cannot read ${outputsFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    throw new InitError(`${outputsFile} is not JSON; write it with \`pulumi stack output --json\``);
  }
  const value = typeof outputs === "object" && outputs !== null ? (outputs as Record<string, unknown>)["ageRecipient"] : undefined;
  if (typeof value !== "string")
    throw new InitError(`${outputsFile} has no ageRecipient output; was it written by \`pulumi stack output --json\`?`);
  return value;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: "string" },
        recipient: { type: "string" },
        "stack-outputs": { type: "string" },
        recovery: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`gitops-init: ${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (args.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  try {
    if (args.out === undefined) throw new InitError("missing --out");
    if (args.recovery === undefined) throw new InitError("missing --recovery");
    const out = resolve(args.out);
    const result = await initGitopsRepository({
      template: join(__dirname, "..", "gitops"),
      out,
      clusterRecipient: await clusterRecipient(args.recipient, args["stack-outputs"]),
      recoveryRecipient: args.recovery,
    });
    process.stdout.write(`${nextSteps(out, result)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof InitError)) throw error;
    process.stderr.write(`gitops-init: ${error.message}\n${usage}\n`);
    return 2;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
