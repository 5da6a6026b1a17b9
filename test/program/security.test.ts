/**
 * The in-cluster hardening as registered: Pod Security `restricted` on every
 * namespace the program creates (and the charts' pods meeting it), the
 * NetworkPolicy that leaves Connect to ESO alone, the store's namespace
 * conditions and ESO's PushSecret and RBAC settings. See docs/security.md.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { defaultStoreNamespaceLabel } from "../../components/config/schema";
import { fluxOperatorValues } from "../../components/flux/documents";
import { connectValues, externalSecretsValues } from "../../components/secrets/documents";
import { Graph } from "../../offline/graph";
import { deepMerge, isPlainObject, type Plain } from "../../offline/merge";
import { manifests, parseYamlFiles } from "../gitops/manifests";
import { runExample, types } from "../support/program";

const schemas = join(__dirname, "..", "fixtures", "schemas");
const chartDefaults = (file: string) => parseYaml(readFileSync(join(schemas, file), "utf8")) as Plain;
const object = (value: unknown): Plain => (isPlainObject(value) ? value : {});

/**
 * What the Pod Security `restricted` standard refuses
 * (kubernetes.io/docs/concepts/security/pod-security-standards), for one pod
 * security context and one container security context.
 */
function restrictedViolations(pod: Plain, container: Plain, hostNetwork = false): string[] {
  const problems: string[] = [];
  if (hostNetwork) problems.push("hostNetwork");
  if (container["privileged"] === true) problems.push("privileged");
  if (container["allowPrivilegeEscalation"] !== false) problems.push("allowPrivilegeEscalation not false");
  const drop = object(container["capabilities"])["drop"];
  if (!Array.isArray(drop) || !drop.includes("ALL")) problems.push("capabilities not dropping ALL");
  if (container["runAsNonRoot"] !== true && pod["runAsNonRoot"] !== true) problems.push("runAsNonRoot not true");
  if (container["runAsUser"] === 0 || pod["runAsUser"] === 0) problems.push("runAsUser 0");
  const seccomp = object(container["seccompProfile"])["type"] ?? object(pod["seccompProfile"])["type"];
  if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push("no RuntimeDefault seccomp profile");
  return problems;
}

describe("Pod Security", async () => {
  const run = await runExample();

  it("labels every namespace the program creates to enforce, audit and warn at restricted", () => {
    const namespaces = run.ofType(types.namespace);
    expect(namespaces.map((n) => object(n.inputs["metadata"])["name"]).sort()).toEqual([
      "external-secrets",
      "flux-system",
      "onepassword-connect",
    ]);
    for (const namespace of namespaces) {
      expect(object(namespace.inputs["metadata"])["labels"], namespace.name).toEqual({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest",
      });
    }
  });

  it("the ESO controller, webhook and cert controller meet restricted (chart 2.9.0 defaults with our values)", () => {
    const values = deepMerge(chartDefaults("eso-chart.values.yaml"), externalSecretsValues());
    for (const part of [values, object(values["webhook"]), object(values["certController"])]) {
      expect(
        restrictedViolations(object(part["podSecurityContext"]), object(part["securityContext"]), part["hostNetwork"] === true),
      ).toEqual([]);
    }
  });

  it("the Connect API and sync containers meet restricted (chart 2.4.1 defaults with our values)", () => {
    const connect = object(deepMerge(chartDefaults("onepassword-connect.values.yaml"), connectValues())["connect"]);
    for (const container of [object(connect["api"]), object(connect["sync"])]) {
      expect(restrictedViolations(object(connect["podSecurityContext"]), object(container["securityContext"]))).toEqual([]);
    }
  });

  it("flux-operator meets restricted with our values (Flux's own controllers set theirs)", () => {
    const values = fluxOperatorValues();
    expect(restrictedViolations({}, object(values["securityContext"]), values["hostNetwork"] === true)).toEqual([]);
  });

  it("the check can fail: a chart's root container is refused", () => {
    expect(restrictedViolations({}, { allowPrivilegeEscalation: true, runAsUser: 0 })).toEqual([
      "allowPrivilegeEscalation not false",
      "capabilities not dropping ALL",
      "runAsNonRoot not true",
      "runAsUser 0",
      "no RuntimeDefault seccomp profile",
    ]);
  });
});

describe("who reaches 1Password", async () => {
  const run = await runExample();

  it("Connect accepts its API port from the ESO controller pods only, in place before the server starts", () => {
    const policy = run.one("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(policy.inputs["metadata"]).toMatchObject({ namespace: "onepassword-connect" });
    expect(policy.inputs["spec"]).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "external-secrets" } },
              podSelector: {
                matchLabels: { "app.kubernetes.io/name": "external-secrets", "app.kubernetes.io/instance": "external-secrets" },
              },
            },
          ],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ],
    });
    expect(Graph.of(run).waitsFor(run.one(types.release, "connect"), policy)).toBe(true);
  });

  it("the ESO release's pod labels are the ones the policy admits (chart selector labels of release external-secrets)", () => {
    expect(run.one(types.release, "external-secrets").inputs["name"]).toBe("external-secrets");
  });

  it("the store serves only namespaces carrying the opt-in label", () => {
    expect(object(run.one(types.clusterSecretStore).inputs["spec"])["conditions"]).toEqual([
      { namespaceSelector: { matchLabels: { "homelab.secrets/onepassword": "allowed" } } },
    ]);
  });

  it("ESO runs without PushSecret processing and without aggregating into view/edit/admin", () => {
    expect(run.one(types.release, "external-secrets").inputs["values"]).toMatchObject({
      processPushSecret: false,
      processClusterPushSecret: false,
      rbac: { aggregateToView: false, aggregateToEdit: false, aggregateToAdmin: false },
    });
  });

  it("Flux restricts its namespace with network policies, which the CNI now enforces", () => {
    expect(object(run.one(types.fluxInstance).inputs["spec"])["cluster"]).toMatchObject({ networkPolicy: true });
  });
});

describe("the GitOps template and the store's namespace conditions", () => {
  const objects = manifests(parseYamlFiles()).map((m) => m.object);

  it("every namespace with an ExternalSecret on the onepassword store carries the store's default label", () => {
    const users = new Set(
      objects
        .filter((o) => o["kind"] === "ExternalSecret")
        .filter((o) => object(object(o["spec"])["secretStoreRef"])["name"] === "onepassword")
        .map((o) => String(object(o["metadata"])["namespace"])),
    );
    expect(users.size).toBeGreaterThan(0);
    for (const namespace of users) {
      const declared = objects.find((o) => o["kind"] === "Namespace" && object(o["metadata"])["name"] === namespace);
      expect(object(object(declared?.["metadata"])["labels"]), namespace).toMatchObject(defaultStoreNamespaceLabel);
    }
  });
});
