import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import {
  fluxInstance,
  fluxOperatorValues,
  fluxSyncReport,
  gitCredentialsData,
  sopsAgeSecretName,
  sopsDecryptionPatch,
} from "../../components/flux/documents";
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

  it("is named flux, pins an exact Flux release, and syncs the configured branch and path", () => {
    const instance = fluxInstance(flux, false);
    expect(instance.metadata).toMatchObject({ name: "flux", namespace: "flux-system" });
    expect(instance.metadata.annotations).toEqual({ "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "300" });
    expect(instance.spec.distribution).toEqual({ version: versions.flux, registry: "ghcr.io/fluxcd" });
    // An exact release: a semver range (2.9.x) lets the operator upgrade Flux without a reviewed change.
    expect(instance.spec.distribution.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(instance.spec.sync).toEqual({ kind: "GitRepository", url: flux.url, ref: "refs/heads/main", path: "clusters/homelab" });
    expect(fluxInstance(flux, true).spec.sync.pullSecret).toBe("flux-git-credentials");
  });

  it("asks the operator not to health-check what it applied, so Ready does not wait for the user's repository", () => {
    // flux-operator v0.58.1 api/v1/fluxinstance_types.go: `wait` defaults to true (GetWait), and
    // internal/controller/fluxinstance_controller.go then waits for every applied object, the sync
    // GitRepository and Kustomization included, before it marks the instance Ready.
    const instance = fluxInstance(flux, false);
    expect(instance.spec.wait).toBe(false);
    // The CRD has the field as a boolean that defaults to true, so leaving it out would mean waiting.
    const crd = parseYaml(readFileSync(join(__dirname, "..", "fixtures", "schemas", "fluxinstance.crd.yaml"), "utf8")) as {
      spec: {
        versions: { name: string; schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }[];
      };
    };
    const specSchema = crd.spec.versions.find((v) => v.name === "v1")?.schema.openAPIV3Schema.properties.spec.properties;
    expect(specSchema?.["wait"]).toMatchObject({ type: "boolean", default: true });
    const validate = crdValidator("fluxinstance.crd.yaml", "v1");
    expect(validate(instance)).toEqual([]);
    expect(validate({ ...instance, spec: { ...instance.spec, wait: "no" } })).not.toEqual([]);
    // Pulumi still waits for Ready (the distribution applied), for far less than the sync could take.
    expect(Number(instance.metadata.annotations?.["pulumi.com/timeoutSeconds"])).toBeLessThanOrEqual(300);
  });

  it("reports where the sync state can be read, for the same source the instance syncs", () => {
    const sshFlux = { ...flux, url: "ssh://git@git.example.lan/homelab/gitops.git", branch: "live", path: "clusters/lab" };
    expect(fluxSyncReport(sshFlux)).toEqual({
      url: sshFlux.url,
      ref: "refs/heads/live",
      path: "clusters/lab",
      kustomization: "flux-system/flux-system",
      check: "kubectl -n flux-system get fluxreport flux -o jsonpath='{.spec.sync}'",
    });
  });

  it("the pull secret holds the keys source-controller reads for each transport", () => {
    // fluxcd/pkg git/options.go (NewAuthOptions, AuthOptions.Validate): username/password for HTTPS;
    // identity and known_hosts, both required, for SSH.
    expect(gitCredentialsData({ kind: "token", token: "t0ken" })).toEqual({ username: "git", password: "t0ken" });
    expect(gitCredentialsData({ kind: "ssh", identity: "KEY", knownHosts: "host ssh-ed25519 AAAA\n" })).toEqual({
      identity: "KEY",
      known_hosts: "host ssh-ed25519 AAAA\n",
    });
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
