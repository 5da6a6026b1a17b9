/**
 * The minimum Pulumi CLI follows from the resource options the program really
 * sets: every option on the recorded registrations has an entry in
 * engineOptionSince (pulumi/pulumi CHANGELOG.md), and the minimum is the
 * newest of them.
 */
import { describe, expect, it } from "vitest";

import { multiNodeSettings } from "../../offline/fixtures";
import { engineOptionSince, MIN_PULUMI_CLI } from "../../scripts/doctor/pulumi";
import { runExample } from "../support/program";

describe("the minimum Pulumi CLI", async () => {
  const run = await runExample({ settings: multiNodeSettings(5) });
  const used = new Set(run.registrations.flatMap((r) => r.engineOptions));

  it("knows, for every engine option the program sets, the first CLI that honours it", () => {
    expect([...used].sort()).toEqual(expect.arrayContaining(["protect", "replaceWith"]));
    const known: Record<string, string> = engineOptionSince;
    // A new option fails here until its first CLI release (pulumi/pulumi CHANGELOG.md) is added to engineOptionSince.
    for (const option of used) expect(known[option], option).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("is the release that introduced replaceWith, the newest option the program uses", () => {
    // pulumi/pulumi CHANGELOG.md, 3.207.0 (2025-11-12): "[engine] Add `ReplaceWith` resource option" (#20693).
    expect(MIN_PULUMI_CLI).toBe(engineOptionSince.replaceWith);
    expect(MIN_PULUMI_CLI).toBe("3.207.0");
  });
});
