/** Pulumi.example.yaml is a complete, valid example that holds no secret. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

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
  it("sets every setting key and no secret key", () => {
    expect(Object.keys(stack.config).sort()).toEqual(
      Object.keys(settingsSchema.shape)
        .map((k) => `homelab:${k}`)
        .sort(),
    );
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
