/** The Flux and External Secrets layers as registered, in both 1Password modes. */
import { describe, expect, it } from "vitest";

import { versions } from "../../components/lib/versions";
import { connectSecrets, generateKnownHosts, generateSecrets, singleNodeSettings } from "../../offline/fixtures";
import { Graph, providerUrn } from "../../offline/graph";
import { runExample, types } from "../support/program";
import { crdValidator } from "../support/schemas";

describe("Flux layer", async () => {
  const run = await runExample();
  const kubernetes = run.one(types.kubernetesProvider);

  it("installs everything through the provider built from the Talos kubeconfig", () => {
    const kubernetesResources = run.registrations.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kubernetesResources.length).toBeGreaterThan(8);
    for (const r of kubernetesResources) expect(providerUrn(r.provider), r.name).toBe(kubernetes.urn);
  });

  it("stores the age key as a secret under a key ending in .agekey, in flux-system", () => {
    const secret = run.one(types.secret, "sops-age");
    expect(secret.inputs["metadata"]).toMatchObject({ name: "sops-age", namespace: "flux-system" });
    expect(secret.inputs["stringData"]).toEqual({ "age.agekey": run.secrets.sopsAgeKey });
    expect(secret.secretPaths).toContain("stringData");
  });

  it("pins the flux-operator chart and waits for it", () => {
    expect(run.one(types.release, "flux-operator").inputs).toMatchObject({
      chart: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator",
      version: versions.fluxOperatorChart,
      namespace: "flux-system",
      skipAwait: false,
      createNamespace: false,
    });
  });

  it("keeps Flux in the cluster if Pulumi ever deletes or replaces its objects", () => {
    for (const r of [run.one(types.fluxInstance), run.one(types.release, "flux-operator"), run.one(types.namespace, "flux-namespace")]) {
      expect(r.retainOnDelete, r.name).toBe(true);
    }
  });

  it("creates no Git credentials for a public repository", () => {
    expect(run.ofType(types.secret).some((s) => s.name.includes("git"))).toBe(false);
    expect((run.one(types.fluxInstance).inputs["spec"] as { sync: object }).sync).not.toHaveProperty("pullSecret");
  });

  it("with a Git token, creates the pull secret first and points the sync at it", async () => {
    const secrets = await generateSecrets();
    const { onePasswordServiceAccountToken: _unused, fluxSshKey: _noKey, onePasswordBackupToken: _noBackup, ...withToken } = secrets;
    const other = await runExample({ secrets: withToken });
    const credentials = other.one(types.secret, "git-credentials");
    expect(credentials.inputs["stringData"]).toEqual({ username: "git", password: secrets.fluxGitToken });
    expect(credentials.secretPaths).toContain("stringData");
    const instance = other.one(types.fluxInstance);
    expect((instance.inputs["spec"] as { sync: object }).sync).toMatchObject({ pullSecret: "flux-git-credentials" });
    expect(Graph.of(other).waitsFor(instance, credentials)).toBe(true);
  });
});

describe("Flux over SSH", async () => {
  const secrets = await generateSecrets();
  const settings = singleNodeSettings();
  const knownHosts = generateKnownHosts("git.example.lan");
  settings["flux"] = { url: "ssh://git@git.example.lan/homelab/gitops.git", knownHosts };
  const run = await runExample({ settings, secrets: { ...connectSecrets(secrets), fluxSshKey: secrets.fluxSshKey } });

  it("gives source-controller the deploy key and the host keys, as a secret, before the instance", () => {
    const credentials = run.one(types.secret, "git-credentials");
    expect(credentials.inputs["stringData"]).toEqual({ identity: secrets.fluxSshKey, known_hosts: knownHosts });
    expect(credentials.secretPaths).toContain("stringData");
    const instance = run.one(types.fluxInstance);
    expect((instance.inputs["spec"] as { sync: object }).sync).toMatchObject({
      url: "ssh://git@git.example.lan/homelab/gitops.git",
      pullSecret: "flux-git-credentials",
    });
    expect(Graph.of(run).waitsFor(instance, credentials)).toBe(true);
  });

  it("the instance it registers validates against the FluxInstance CRD", () => {
    expect(crdValidator("fluxinstance.crd.yaml", "v1")(run.one(types.fluxInstance).inputs)).toEqual([]);
  });
});

describe("ESO never waits for the user's repository", async () => {
  const run = await runExample();
  const graph = Graph.of(run);
  const esoRelease = run.one(types.release, "external-secrets");
  const before = [...graph.ancestors(esoRelease.urn)].map((urn) => run.registrations.find((r) => r.urn === urn)!);

  it("waits for the Flux install and the sops-age Secret", () => {
    expect(graph.waitsFor(esoRelease, run.one(types.release, "flux-operator"))).toBe(true);
    expect(graph.waitsFor(esoRelease, run.one(types.secret, "sops-age"))).toBe(true);
    expect(graph.waitsFor(esoRelease, run.one(types.fluxInstance))).toBe(true);
  });

  it("and on nothing whose readiness depends on the repository's content", () => {
    // The only object before ESO that Flux reconciles from the repository is the FluxInstance's sync; the
    // instance is awaited, so it must not health-check it (spec.wait false), and no Flux source or
    // Kustomization of Pulumi's own may come before ESO.
    const fluxKinds = before.filter((r) => /:(source|kustomize)\.toolkit\.fluxcd\.io\//.test(r.type));
    expect(fluxKinds).toEqual([]);
    const instances = before.filter((r) => r.type === types.fluxInstance);
    expect(instances).toHaveLength(1);
    for (const instance of instances) expect((instance.inputs["spec"] as { wait?: boolean }).wait).toBe(false);
  });

  it("reports the sync instead, as a stack output", () => {
    expect(run.outputs["fluxSync"]).toMatchObject({
      value: { url: "https://github.com/example/homelab-gitops.git", ref: "refs/heads/main", path: "clusters/homelab" },
      secret: false,
    });
  });
});

describe("External Secrets layer", async () => {
  const run = await runExample();

  it("pins ESO with its CRDs and waits for it", () => {
    expect(run.one(types.release, "external-secrets").inputs).toMatchObject({
      chart: "external-secrets",
      version: versions.externalSecretsChart,
      repositoryOpts: { repo: "https://charts.external-secrets.io" },
      namespace: "external-secrets",
      values: { installCRDs: true },
      skipAwait: false,
    });
  });

  it("gives Connect its credentials file (base64 once, as Secret data) and ESO the token, both secret", () => {
    const credentials = run.one(types.secret, "connect-credentials");
    expect(credentials.inputs["data"]).toEqual({ "1password-credentials.json": run.secrets.onePasswordCredentials });
    expect(credentials.secretPaths).toContain("data");
    const token = run.one(types.secret, "eso-token");
    expect(token.inputs["stringData"]).toEqual({ token: run.secrets.onePasswordConnectToken });
    expect(token.inputs["metadata"]).toMatchObject({ namespace: "external-secrets" });
  });

  it("pins the Connect chart, with the operator off and no credentials in its values", () => {
    const connect = run.one(types.release, "connect");
    expect(connect.inputs).toMatchObject({
      chart: "connect",
      version: versions.onePasswordConnectChart,
      repositoryOpts: { repo: "https://1password.github.io/connect-helm-charts" },
      namespace: "onepassword-connect",
      values: { operator: { create: false }, connect: { credentialsName: "op-credentials" } },
    });
    expect(JSON.stringify(connect.inputs["values"])).not.toContain(String(run.secrets.onePasswordCredentials));
  });

  it("the store reads the configured vaults in order, and waits until Ready", () => {
    const store = run.one(types.clusterSecretStore);
    expect(store.inputs["metadata"]).toMatchObject({ name: "onepassword", annotations: { "pulumi.com/waitFor": "condition=Ready" } });
    expect(store.inputs["spec"]).toMatchObject({ provider: { onepassword: { vaults: { homelab: 1, shared: 2 } } } });
  });

  it("in SDK mode: no Connect server, the service-account token, a single-vault SDK store", async () => {
    const secrets = await generateSecrets();
    const settings = singleNodeSettings();
    settings["onePassword"] = { mode: "sdk", vault: "homelab" };
    const sdk = await runExample({
      settings,
      secrets: {
        proxmoxApiToken: secrets.proxmoxApiToken,
        sopsAgeKey: secrets.sopsAgeKey,
        onePasswordServiceAccountToken: secrets.onePasswordServiceAccountToken,
      },
    });
    expect(
      sdk
        .ofType(types.release)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["eso-external-secrets", "flux-operator"]);
    expect(sdk.ofType(types.secret).some((s) => s.name.includes("connect"))).toBe(false);
    expect(sdk.one(types.secret, "eso-token").inputs["stringData"]).toEqual({ token: secrets.onePasswordServiceAccountToken });
    const store = sdk.one(types.clusterSecretStore);
    expect(store.inputs["spec"]).toMatchObject({ provider: { onepasswordSDK: { vault: "homelab" } } });
    expect(Graph.of(sdk).waitsFor(store, sdk.one(types.release, "external-secrets"))).toBe(true);
  });
});
