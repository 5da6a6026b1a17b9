/** One line of the doctor's report. */
export interface CheckResult {
  /** Short name, like `pulumi cli` or `proxmox privileges`. */
  name: string;
  ok: boolean;
  /** A passing line that still matters for `pulumi up` (printed `note`), like a missing Pulumi CLI. */
  note?: boolean;
  /** What was found (ok) or what is wrong (failure). */
  detail: string;
  /** How to fix a failure. */
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix });
export const note = (name: string, detail: string): CheckResult => ({ name, ok: true, note: true, detail });

/** Report width: FAIL and note lines wrap to it, continued under their text. */
export const reportWidth = 100;

/** Words of `text` in lines of at most `width` characters (a longer word stands alone), each after `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => indent + l);
}

/**
 * `ok   <name>: <detail>` on one line; `FAIL <name>: <problem>` and `note <name>: <detail>`
 * wrapped to the report width, a failure's fix on its own `fix:` line.
 */
export function formatResult(result: CheckResult): string {
  if (result.ok && result.note !== true) return `ok   ${result.name}: ${result.detail}`;
  const [first = "", ...rest] = wrap(`${result.name}: ${result.detail}`, reportWidth, "     ");
  const lines = [`${result.ok ? "note" : "FAIL"} ${first.slice(5)}`, ...rest];
  if (!result.ok && result.fix) lines.push(...wrap(`fix: ${result.fix}`, reportWidth, "     "));
  return lines.join("\n");
}
