/** One line of the doctor's report. */
export interface CheckResult {
  /** Short name, like `pulumi cli` or `proxmox privileges`. */
  name: string;
  ok: boolean;
  /** What was found (ok) or what is wrong (failure). */
  detail: string;
  /** How to fix a failure. */
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix });

/** `ok   <name>: <detail>` or `FAIL <name>: <problem> — fix: <how>`. */
export function formatResult(result: CheckResult): string {
  if (result.ok) return `ok   ${result.name}: ${result.detail}`;
  return `FAIL ${result.name}: ${result.detail}${result.fix ? ` — fix: ${result.fix}` : ""}`;
}
