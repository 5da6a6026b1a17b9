/**
 * The Kubernetes built-in objects the program registers (Namespaces, Secrets, NetworkPolicies, …)
 * validate against the Kubernetes OpenAPI schema (test/support/kubernetes-models.ts), in both
 * 1Password modes; a built-in kind without a model fails instead of being skipped.
 */
import { describe, expect, it } from "vitest";

import { generateSecrets, singleNodeSettings } from "../../offline/fixtures";
import { builtInProblems, isBuiltInApiVersion } from "../support/kubernetes-models";
import { runExample } from "../support/program";

/** `kubernetes:core/v1:Namespace` → `v1`, `kubernetes:networking.k8s.io/v1:NetworkPolicy` → `networking.k8s.io/v1`. */
function typeMeta(type: string): { apiVersion: string; kind: string } | undefined {
  const match = /^kubernetes:([^/:]+)\/([^/:]+):([A-Za-z]+)$/.exec(type);
  if (match === null) return undefined;
  const [, group = "", version = "", kind = ""] = match;
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

describe("built-in Kubernetes objects the program registers", async () => {
  const secrets = await generateSecrets();
  const settings = singleNodeSettings();
  settings["onePassword"] = { mode: "sdk", vault: "homelab" };
  const runs = {
    connect: await runExample(),
    // SDK mode with a Git token also registers the service-account token Secret and Flux's pull Secret.
    "sdk, Git token": await runExample({
      settings,
      secrets: {
        proxmoxApiToken: secrets.proxmoxApiToken,
        sopsAgeKey: secrets.sopsAgeKey,
        onePasswordServiceAccountToken: secrets.onePasswordServiceAccountToken,
        fluxGitToken: secrets.fluxGitToken,
      },
    }),
  };
  const builtIns = Object.entries(runs).flatMap(([mode, run]) =>
    run.registrations.flatMap((r) => {
      const meta = typeMeta(r.type);
      return meta !== undefined && isBuiltInApiVersion(meta.apiVersion) ? [{ mode, name: r.name, meta, inputs: r.inputs }] : [];
    }),
  );

  it("include Namespaces, Secrets and a NetworkPolicy", () => {
    const kinds = new Set(builtIns.map((b) => `${b.meta.apiVersion} ${b.meta.kind}`));
    expect([...kinds]).toEqual(expect.arrayContaining(["v1 Namespace", "v1 Secret", "networking.k8s.io/v1 NetworkPolicy"]));
  });

  it.each(builtIns.map((b) => [`${b.meta.kind} ${b.name}`, b.mode, b] as const))(
    "%s (%s) is valid against the Kubernetes OpenAPI schema",
    async (_, __, { meta, inputs }) => {
      expect(await builtInProblems({ ...inputs, ...meta })).toEqual([]);
    },
  );
});
