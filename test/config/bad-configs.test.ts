/**
 * Every file in test/fixtures/bad-configs is one bad stack config and the
 * exact problems it must produce. Adding a case is adding a file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { ConfigError, type ConfigProblem } from "../../components/config";
import { validateConfig } from "../../components/config/validate";
import {
  connectSecrets,
  type GeneratedSecrets,
  generateSecrets,
  type Settings,
  singleNodeSettings,
  stackConfig,
} from "../../offline/fixtures";
import { runFailingProgram } from "../../offline/harness";
import { deepMerge, isPlainObject, type Plain } from "../../offline/merge";

interface BadConfig {
  description: string;
  /** Deep-merged over the single-node example; null removes a key; arrays replace. */
  settings?: Settings;
  /** Secret values to replace; null removes; "__GENERATED__" adds the generated value; "__DOUBLE__" encodes the credentials file twice. */
  secrets?: Partial<Record<keyof GeneratedSecrets, string | null>>;
  /** Secrets set without --secret. */
  plaintext?: (keyof GeneratedSecrets)[];
  problems: ConfigProblem[];
}

const dir = join(__dirname, "..", "fixtures", "bad-configs");
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((file) => ({ file, ...(parseYaml(readFileSync(join(dir, file), "utf8")) as BadConfig) }));

/** The example with the fixture's settings merged over it; a null value removes the key. */
function overlay(base: Settings, patch: Settings): Settings {
  const dropNulls = (value: Plain): Plain =>
    Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, isPlainObject(v) ? dropNulls(v) : v]),
    );
  return dropNulls(deepMerge(base, patch));
}

async function build(fixture: BadConfig) {
  const generated = await generateSecrets();
  const replaced = new Map(Object.entries(fixture.secrets ?? {}) as [keyof GeneratedSecrets, string | null][]);
  const value = (key: keyof GeneratedSecrets, current: string | undefined): string | undefined => {
    const wanted = replaced.get(key);
    if (wanted === undefined) return current;
    if (wanted === null) return undefined;
    if (wanted === "__GENERATED__") return generated[key];
    if (wanted === "__DOUBLE__") return Buffer.from(generated.onePasswordCredentials).toString("base64");
    return wanted;
  };
  const connect = connectSecrets(generated);
  const secrets = Object.fromEntries(
    (Object.keys(generated) as (keyof GeneratedSecrets)[]).map((key) => [key, value(key, connect[key])]),
  ) as Partial<GeneratedSecrets>;
  return stackConfig(overlay(singleNodeSettings(), fixture.settings ?? {}), secrets, fixture.plaintext ?? []);
}

describe("bad stack configs", () => {
  it("has at least 25 cases", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(25);
  });

  it("the unmodified example is valid, so each case fails for its own reason", async () => {
    const { config, secretKeys } = await build({ description: "none", problems: [] });
    expect(() => validateConfig(config, (k) => secretKeys.includes(k))).not.toThrow();
  });

  describe.each(fixtures)("$file: $description", (fixture) => {
    it("reports exactly its problems, each naming the key", async () => {
      const { config, secretKeys } = await build(fixture);
      let error: unknown;
      try {
        validateConfig(config, (k) => secretKeys.includes(k));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual(fixture.problems);
    });

    it("registers no resource and fails with one message listing every problem", async () => {
      const { error, registrations } = await runFailingProgram(await build(fixture));
      expect(registrations).toEqual([]);
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const problem of fixture.problems) expect(message).toContain(`${problem.key}: ${problem.message}`);
    });
  });
});
