/**
 * out/plan.html: self-contained (nothing loaded from the network), and what headless Chromium
 * (Debian's `chromium`) shows once the page's script ran: the summary, every layer, every
 * resource on the timeline and in the graph.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

import { afterAll, describe, expect, it } from "vitest";

import { main } from "../../scripts/plan/cli";
import { layers } from "../../scripts/plan/report";
import { writeStackFile } from "../support/stack-file";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "plan-html-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Debian's package installs it as `chromium` (.ci/run installs it when missing); Ubuntu's images name it chromium-browser. */
function chromium(): string {
  try {
    return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("the chromium command is missing: apt-get install chromium (Debian's package; .ci/run installs it)");
  }
}

describe("out/plan.html", async () => {
  const out = join(scratch, "out");
  let stdout = "";
  const code = await main(["--config", writeStackFile({ dir: scratch }), "--out", out], {
    cwd: scratch,
    projectRoot: root,
    stdout: (t) => (stdout += t),
    stderr: () => undefined,
  });
  const page = join(out, "plan.html");
  const html = existsSync(page) ? readFileSync(page, "utf8") : "";
  const resources = [...stdout.matchAll(/^ {2}(\w+ [\w.-]+)(?: \[.*\])?(?: {2}<- .*)?$/gm)].map((m) => m[1] ?? "");

  it("is written by npm run plan", () => {
    expect(code).toBe(0);
    expect(html).toMatch(/^<!doctype html>/);
    expect(resources.length).toBeGreaterThan(20);
  });

  it("loads nothing from elsewhere: no external script, style, font or image, and a policy that forbids them", () => {
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(|@font-face/i);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:\/\//);
  });

  it("shows, after its script ran in headless Chromium, the summary, every layer and every resource", async () => {
    const { stdout: dom } = await promisify(execFile)(
      chromium(),
      ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=2000", "--dump-dom", pathToFileURL(page).href],
      { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(dom).toContain('data-rendered="true"');
    expect(dom).toMatch(/<p id="summary">\d+ resources in 4 layers; modelled pulumi up on a new stack: \d+m\d\ds along a critical path/);
    for (const [index, [, title]] of layers.entries()) {
      expect(dom).toMatch(new RegExp(`<li>${index + 1}\\. ${title.replace("+", "\\+")}: \\d+ resources, done by \\d+m\\d\\ds</li>`));
    }
    const timeline = dom.slice(dom.indexOf('<svg id="timeline"'), dom.indexOf('<svg id="graph"'));
    const graph = dom.slice(dom.indexOf('<svg id="graph"'));
    for (const resource of resources) {
      expect(timeline, resource).toContain(`<text x="8"`);
      expect(timeline.includes(`>${resource}</text>`), `timeline: ${resource}`).toBe(true);
      expect(graph.includes(`<title>${resource}</title>`), `graph: ${resource}`).toBe(true);
    }
    expect(timeline).toMatch(/class="bar critical"/);
  }, 180_000);
});
