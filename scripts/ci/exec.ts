/** Runs a command for the CI script: its output goes to the job log as it comes and is kept for the comment. */
import { spawn } from "node:child_process";

export interface ExecResult {
  code: number;
  /** stdout and stderr interleaved in the order they arrived. */
  output: string;
}

export type Exec = (command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) => Promise<ExecResult>;

/**
 * Spawns without a shell, stdin closed. While the child runs, SIGINT and SIGTERM (a cancelled or timed-out
 * step) are left to the child, which the runner signals too: the Pulumi CLI then ends its operation cleanly,
 * and this script lives on to write what happened.
 */
export function teeExec(echo: (chunk: string) => void): Exec {
  return (command, args, { cwd, env }) =>
    new Promise((resolve) => {
      const chunks: string[] = [];
      const ignore = () => undefined;
      process.on("SIGINT", ignore).on("SIGTERM", ignore);
      const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
      const take = (data: Buffer) => {
        const text = data.toString("utf8");
        chunks.push(text);
        echo(text);
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      let done = false;
      const finish = (code: number) => {
        if (done) return;
        done = true;
        process.off("SIGINT", ignore).off("SIGTERM", ignore);
        resolve({ code, output: chunks.join("") });
      };
      child.on("error", (error: NodeJS.ErrnoException) => {
        chunks.push(error.code === "ENOENT" ? `${command}: not found on PATH\n` : `${command}: ${error.message}\n`);
        finish(127);
      });
      child.on("close", (code, signal) => {
        if (signal !== null) chunks.push(`${command} ended by ${signal}\n`);
        finish(code ?? 128);
      });
    });
}
