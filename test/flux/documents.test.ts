import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { fluxInstance, fluxOperatorValues, sopsAgeSecretName, sopsDecryptionPatch } from "../../components/flux/documents";
import { versions } from "../../components/lib/versions";
import { crdValidator, valuesValidator } from "../support/schemas";

const flux = { url: "https://github.com/example/homelab-gitops.git", branch: "main", path: "clusters/homelab" };

describe("Flux documents", () => {
  it("the FluxInstance validates against the flux-operator CRD, with and without a pull secret", () => {
    const validate = crdValidator("fluxinstance.crd.yaml", "v1");
    expect(validate(fluxInstance(flux, false))).toEqual([]);
    expect(validate(fluxInstance(flux, true))).toEqual([]);
    expect(validate({ ...fluxInstance(flux, false), spec: { sync: { kind: "GitRepository" } } })).not.toEqual([]);
  });

  it("is named flux, pins the 2.9 distribution, and syncs the configured branch and path", () => {
    const instance = fluxInstance(flux, false);
    expect(instance.metadata).toMatchObject({ name: "flux", namespace: "flux-system" });
    expect(instance.metadata.annotations).toEqual({ "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "900" });
    expect(instance.spec.distribution).toEqual({ version: `${versions.fluxMinor}.x`, registry: "ghcr.io/fluxcd" });
    expect(instance.spec.distribution.version).toBe("2.9.x");
    expect(instance.spec.sync).toEqual({ kind: "GitRepository", url: flux.url, ref: "refs/heads/main", path: "clusters/homelab" });
    expect(fluxInstance(flux, true).spec.sync.pullSecret).toBe("flux-git-credentials");
  });

  it("patches the root Kustomization to decrypt SOPS with the sops-age Secret, and the result validates", () => {
    const { target, patch } = sopsDecryptionPatch();
    expect(target).toEqual({ group: "kustomize.toolkit.fluxcd.io", kind: "Kustomization" });
    const operations = parseYaml(patch) as { op: string; path: string; value: unknown }[];
    expect(operations).toEqual([
      { op: "add", path: "/spec/decryption", value: { provider: "sops", secretRef: { name: sopsAgeSecretName } } },
    ]);
    const rootKustomization = {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "flux-system", namespace: "flux-system" },
      spec: { interval: "10m", path: "./clusters/homelab", prune: true, sourceRef: { kind: "GitRepository", name: "flux-system" } },
    };
    const patched = { ...rootKustomization, spec: { ...rootKustomization.spec, decryption: operations[0]?.value } };
    expect(crdValidator("flux-kustomization.crd.yaml", "v1")(patched)).toEqual([]);
  });

  it("the flux-operator values validate against the chart's values schema", () => {
    const validate = valuesValidator("flux-operator-chart.values.schema.json");
    expect(validate(fluxOperatorValues())).toEqual([]);
    expect(validate({ installCRDs: "yes" })).not.toEqual([]);
  });
});
