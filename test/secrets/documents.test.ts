import { describe, expect, it } from "vitest";

import { defaultStoreNamespaceLabel } from "../../components/config/schema";
import { clusterSecretStore, connectValues, externalSecretsValues, vaultPriorities } from "../../components/secrets/documents";
import { crdValidator, valuesValidator } from "../support/schemas";

const byLabel = { matchLabels: { ...defaultStoreNamespaceLabel } };

describe("External Secrets and 1Password documents", () => {
  const validateStore = crdValidator("eso-clustersecretstore.crd.yaml", "v1");

  it("the Connect store validates against the ESO v1 CRD and names the token Secret's namespace", () => {
    const store = clusterSecretStore({ mode: "connect", vaults: ["homelab", "shared"], allowedNamespaces: byLabel });
    expect(validateStore(store)).toEqual([]);
    expect(store).toMatchObject({ apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: "onepassword" } });
    expect(store.spec.provider).toEqual({
      onepassword: {
        connectHost: "http://onepassword-connect.onepassword-connect.svc.cluster.local:8080",
        vaults: { homelab: 1, shared: 2 },
        auth: { secretRef: { connectTokenSecretRef: { name: "onepassword-token", key: "token", namespace: "external-secrets" } } },
      },
    });
  });

  it("the SDK store validates too, with one vault, a namespaced token and a cache", () => {
    const store = clusterSecretStore({ mode: "sdk", vault: "homelab", allowedNamespaces: byLabel });
    expect(validateStore(store)).toEqual([]);
    expect(store.spec.provider).toEqual({
      onepasswordSDK: {
        vault: "homelab",
        auth: { serviceAccountSecretRef: { name: "onepassword-token", key: "token", namespace: "external-secrets" } },
        cache: { ttl: "5m", maxSize: 100 },
      },
    });
  });

  it("the CRD check rejects a store without auth (the validator can fail)", () => {
    expect(
      validateStore({
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: "x" },
        spec: { provider: { onepassword: { connectHost: "h", vaults: { a: 1 } } } },
      }),
    ).not.toEqual([]);
  });

  it("opens the store only to the allowed namespaces: by label by default, by name when listed", () => {
    const labelled = clusterSecretStore({ mode: "connect", vaults: ["homelab"], allowedNamespaces: byLabel });
    expect(labelled.spec.conditions).toEqual([{ namespaceSelector: { matchLabels: { "homelab.secrets/onepassword": "allowed" } } }]);
    const both = clusterSecretStore({
      mode: "sdk",
      vault: "homelab",
      allowedNamespaces: { matchLabels: { team: "media" }, names: ["apps", "monitoring"] },
    });
    expect(validateStore(both)).toEqual([]);
    expect(both.spec.conditions).toEqual([
      { namespaceSelector: { matchLabels: { team: "media" } } },
      { namespaces: ["apps", "monitoring"] },
    ]);
    // No condition would let every namespace read every item: never emitted.
    expect(() => clusterSecretStore({ mode: "connect", vaults: ["homelab"], allowedNamespaces: {} })).toThrow(/namespace condition/);
  });

  it("ESO processes no PushSecrets and aggregates no rights into view/edit/admin unless a feature writes", () => {
    const validate = valuesValidator("eso-chart.values.schema.json", "eso-chart.values.yaml");
    const values = externalSecretsValues();
    expect(values).toMatchObject({
      processPushSecret: false,
      processClusterPushSecret: false,
      rbac: { aggregateToView: false, aggregateToEdit: false, aggregateToAdmin: false },
    });
    const writing = externalSecretsValues({ pushSecrets: true });
    expect(writing).toMatchObject({ processPushSecret: true, processClusterPushSecret: false });
    // The chart fails on ClusterPushSecret processing without PushSecret processing (templates/_helpers.tpl, v2.9.0).
    for (const v of [values, writing]) expect(v["processClusterPushSecret"] === true && v["processPushSecret"] === false).toBe(false);
    expect(validate(values)).toEqual([]);
    expect(validate(writing)).toEqual([]);
  });

  it("gives vaults unique priorities in the listed order", () => {
    expect(vaultPriorities(["b", "a", "c"])).toEqual({ b: 1, a: 2, c: 3 });
  });

  it("ESO values validate against the chart schema and install the CRDs", () => {
    const validate = valuesValidator("eso-chart.values.schema.json", "eso-chart.values.yaml");
    expect(validate(externalSecretsValues())).toEqual([]);
    expect(externalSecretsValues()).toMatchObject({ installCRDs: true, serviceMonitor: { enabled: false } });
    expect(validate({ installCRDs: "true" })).not.toEqual([]);
  });

  it("Connect values validate, point at the pre-created credentials Secret and disable the operator", () => {
    expect(valuesValidator("onepassword-connect.values.schema.json", "onepassword-connect.values.yaml")(connectValues())).toEqual([]);
    const values = connectValues() as { connect: Record<string, unknown>; operator: Record<string, unknown> };
    expect(values.operator).toEqual({ create: false });
    expect(values.connect).toMatchObject({ credentialsName: "op-credentials", credentialsKey: "1password-credentials.json" });
    expect(values.connect).not.toHaveProperty("credentials");
    expect(values.connect).not.toHaveProperty("credentials_base64");
  });
});
