/**
 * docs/change-impact.md lists every change the impact report calls safe, with its citation: the
 * table is generated from scripts/plan/rules.ts `safeChanges`, and this test fails when the doc
 * and the rules disagree in either direction.
 */
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { begin, docPath, end, withTable } from "../../scripts/plan/change-impact-table";
import { readAgainst, safeChanges } from "../../scripts/plan/rules";

const doc = readFileSync(docPath, "utf8");
const generated = doc.slice(doc.indexOf(begin), doc.indexOf(end) + end.length);

describe("docs/change-impact.md", () => {
  it("holds the table generated from the rules (regenerate: npx tsx scripts/plan/change-impact-table.ts --write)", async () => {
    expect(doc).toBe(await withTable(doc));
  });

  it("has one row per allowlisted change, each citing a repository, a tag and a path, and no other row", () => {
    const rows = generated
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => line.split(" | ").map((cell) => cell.replace(/^\|/, "").trim()));
    expect(rows).toHaveLength(safeChanges.length);
    for (const rule of safeChanges) {
      const row = rows.filter(([type, field]) => type === `\`${rule.type}\`` && field === `\`${rule.field}\``);
      expect(row).toHaveLength(1);
      expect(row[0]?.[4]).toContain(`${rule.source.repo} ${rule.source.tag} \`${rule.source.path}\``);
      expect(rule.source.tag).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(rule.source.path).not.toBe("");
    }
    for (const [, version] of Object.entries(readAgainst)) expect(generated).toContain(`${version.upstream} ${version.tag}`);
  });

  it("is linked from the README", () => {
    expect(readFileSync(docPath.replace(/docs\/change-impact\.md$/, "README.md"), "utf8")).toContain("(docs/change-impact.md)");
  });
});
