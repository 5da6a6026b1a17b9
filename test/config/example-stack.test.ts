/** Pulumi.example.yaml is a complete, valid example that holds no secret. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

import { validateConfig } from "../../components/config";
import { secretKeys, settingsSchema } from "../../components/config/schema";
import { connectSecrets, generateSecrets } from "../../offline/fixtures";

const file = readFileSync(join(__dirname, "..", "..", "Pulumi.example.yaml"), "utf8");
const stack = parseYaml(file) as { config: Record<string, unknown> };

describe("Pulumi.yaml", () => {
  it("declares the homelab project as a TypeScript program with index.ts as entry", () => {
    const project = parseYaml(readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
    expect(project).toMatchObject({ name: "homelab", main: "index.ts", runtime: { name: "nodejs", options: { typescript: true } } });
  });
});

describe("Pulumi.example.yaml", () => {
  it("sets every required setting key, shows every optional one at least commented out, and sets no secret key", () => {
    const set = Object.keys(stack.config);
    expect(set.filter((k) => !Object.keys(settingsSchema.shape).includes(k.replace(/^homelab:/, "")))).toEqual([]);
    for (const [key, schema] of Object.entries(settingsSchema.shape)) {
      if (set.includes(`homelab:${key}`)) continue;
      // An optional block whose values only the user can supply (offline backup recipients) stays a commented example.
      expect(schema.safeParse(undefined).success, `homelab:${key} is required but not set`).toBe(true);
      expect(file).toContain(`# homelab:${key}:`);
    }
  });

  it("names every key of every block, nested keys included, set or commented out", () => {
    const keys = (schema: z.ZodType, path: string): string[] => {
      if (schema instanceof z.ZodObject) {
        return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, inner]) => [
          `${path}.${key}`,
          ...keys(inner, `${path}.${key}`),
        ]);
      }
      if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodNullable) {
        return keys(schema.unwrap() as z.ZodType, path);
      }
      if (schema instanceof z.ZodArray) return keys(schema.element as z.ZodType, path);
      if (schema instanceof z.ZodPipe) return keys(schema.in as z.ZodType, path);
      return [];
    };
    const all = Object.entries(settingsSchema.shape).flatMap(([key, inner]) => keys(inner as z.ZodType, key));
    expect(all.length).toBeGreaterThan(30);
    const missing = all.filter((path) => !new RegExp(`^[\\s#-]*${path.split(".").pop() ?? ""}:`, "m").test(file));
    expect(missing).toEqual([]);
  });

  it("documents how to set every secret with --secret", () => {
    for (const key of secretKeys) expect(file).toContain(`pulumi config set --secret homelab:${key} `);
  });

  it("validates, once the secrets are set", async () => {
    const secrets = connectSecrets(await generateSecrets());
    const raw: Record<string, string> = Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [k, JSON.stringify(v)]));
    for (const [key, value] of Object.entries(secrets)) raw[`homelab:${key}`] = value;
    const config = validateConfig(raw, () => true);
    expect(config.derived.clusterEndpoint).toBe("https://192.168.10.41:6443");
    expect(config.settings.nodes).toHaveLength(1);
  });
});
