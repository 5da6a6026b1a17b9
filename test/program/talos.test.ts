/** The Talos layer as registered: secrets, rendered configs, apply, bootstrap, kubeconfig, outputs. */
import { X509Certificate } from "node:crypto";

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { supportedTalosMinors, talosDefaultKubernetes } from "../../components/lib/talos-support";
import { versions } from "../../components/lib/versions";
import { multiNodeSettings, singleNodeSettings } from "../../offline/fixtures";
import { clientCertificate } from "../../offline/mocks";
import { invokes, runExample, types } from "../support/program";
import { talosDocumentValidator } from "../support/schemas";

const documentsOf = (yaml: unknown) => parseAllDocuments(String(yaml)).map((d) => d.toJS() as Record<string, unknown>);

describe("Talos layer", async () => {
  const run = await runExample();
  const secrets = run.one(types.secrets);
  const apply = run.one(types.apply);
  const vm = run.one(types.vm);
  const machineSecrets = secrets.state["machineSecrets"] as { secrets: { secretboxEncryptionSecret: string } };

  it("generates machine secrets once, pinned to the Talos contract, protected, outputs secret", () => {
    expect(secrets.inputs).toEqual({ talosVersion: versions.talos });
    expect(secrets.protect).toBe(true);
    expect(secrets.ignoreChanges).toContain("talosVersion");
    expect(secrets.additionalSecretOutputs).toEqual([]);
  });

  it("asks for a control-plane config from the pinned versions, cluster name and endpoint, with secrets rebuilt key by key", () => {
    const [call] = run.invokes.filter((i) => i.token === invokes.machineConfiguration);
    expect(call?.args).toMatchObject({
      clusterName: "homelab",
      clusterEndpoint: "https://192.168.10.41:6443",
      machineType: "controlplane",
      talosVersion: versions.talos,
      kubernetesVersion: versions.kubernetes,
      docs: false,
      examples: false,
    });
    expect(call?.args["machineSecrets"]).toEqual(secrets.state["machineSecrets"]);
    expect((call?.args["configPatches"] as string[]).length).toBe(8);
  });

  it("sends the host firewall and NetworkPolicy enforcement in the recorded config patches", () => {
    const [call] = run.invokes.filter((i) => i.token === invokes.machineConfiguration);
    const patches = (call?.args["configPatches"] as string[]).join("\n");
    expect(patches).toMatch(/kind: NetworkDefaultActionConfig\ningress: block/);
    expect(patches).toContain("kind: NetworkRuleConfig\nname: apid-ingress");
    expect(patches).toContain("kubeNetworkPoliciesEnabled: true");
  });

  it("applies the rendered config to the node, secret, after and tied to its VM", () => {
    expect(apply.inputs["node"]).toBe("192.168.10.41");
    expect(apply.secretPaths).toContain("machineConfigurationInput");
    expect(apply.dependencies).toContain(vm.urn);
    expect(apply.replaceWith).toEqual([vm.urn]);
    expect(apply.inputs["timeouts"]).toEqual({ create: "30m", update: "30m" });
  });

  it("the rendered config validates against the schema of the pinned Talos minor and carries every patch", () => {
    const docs = documentsOf(apply.inputs["machineConfigurationInput"]);
    const validate = talosDocumentValidator();
    for (const doc of docs) expect(validate(doc), JSON.stringify(doc)).toEqual([]);
    const main = docs[0] as { machine: { install: { image: string; disk: string } }; cluster: { secretboxEncryptionSecret: string } };
    expect(main.cluster.secretboxEncryptionSecret).toBe(machineSecrets.secrets.secretboxEncryptionSecret);
    expect(docs.filter((d) => d["kind"] === "VolumeConfig").map((d) => d["name"])).toEqual(["STATE", "EPHEMERAL"]);
    const [urls] = run.invokes.filter((i) => i.token === invokes.getUrls);
    expect(main.machine.install.image).toBe(
      `factory.talos.dev/metal-installer-secureboot/${String(urls?.args["schematicId"])}:${versions.talos}`,
    );
    // The ISO the VM boots comes from the same schematic as the installer (siderolabs/talos#10378).
    expect(String(run.one(types.iso).inputs["url"])).toContain(
      `/image/${String(urls?.args["schematicId"])}/${versions.talos}/metal-amd64-secureboot.iso`,
    );
  });

  it("sets the hostname in a way Talos accepts after merging into the generated HostnameConfig", () => {
    const hostnames = documentsOf(apply.inputs["machineConfigurationInput"]).filter((d) => d["kind"] === "HostnameConfig");
    expect(hostnames).toHaveLength(1);
    // HostnameConfigV1Alpha1.Validate: a hostname is only valid beside auto "off".
    expect(hostnames[0]).toMatchObject({ hostname: "talos-cp-1", auto: "off" });
  });

  it.each(supportedTalosMinors)("with Talos %s, renders a config that minor's schema accepts, secretbox included", async (minor) => {
    const known = talosDefaultKubernetes[minor];
    expect(known, minor).toBeDefined();
    const settings = singleNodeSettings();
    settings["cluster"] = { ...(settings["cluster"] as object), talosVersion: known?.tag, kubernetesVersion: known?.kubernetes };
    const other = await runExample({ settings });
    const docs = documentsOf(other.one(types.apply).inputs["machineConfigurationInput"]);
    const validate = talosDocumentValidator(minor);
    for (const doc of docs) expect(validate(doc), `${minor}: ${JSON.stringify(doc)}`).toEqual([]);
    const secretbox = (other.one(types.secrets).state["machineSecrets"] as typeof machineSecrets).secrets.secretboxEncryptionSecret;
    expect((docs[0] as { cluster: { secretboxEncryptionSecret?: string } }).cluster.secretboxEncryptionSecret).toBe(secretbox);
  });

  it("bootstraps etcd once, on the first control plane, and never again for a new VM of it", () => {
    const bootstrap = run.one(types.bootstrap);
    expect(bootstrap.inputs).toMatchObject({ node: "192.168.10.41", endpoint: "192.168.10.41", timeouts: { create: "30m" } });
    expect(bootstrap.dependencies).toContain(apply.urn);
    // `up --replace <vm>` of the only control plane must leave etcd to `talosctl bootstrap --recover-from`, which
    // Talos refuses after a plain bootstrap (live-cluster.test.ts, single control plane).
    expect(bootstrap.replaceWith).toEqual([]);
    expect(vm.urn).not.toBe("");
  });

  it("reads the kubeconfig through the cluster endpoint, renewing its certificate three months early", () => {
    const kubeconfig = run.one(types.kubeconfig);
    expect(kubeconfig.inputs).toMatchObject({ node: "192.168.10.41", endpoint: "192.168.10.41", certificateRenewalDuration: "2160h" });
  });

  it("builds the Kubernetes provider from the kubeconfig, as a secret, with a stable cluster identity", () => {
    const provider = run.one(types.kubernetesProvider);
    expect(provider.inputs["clusterIdentifier"]).toBe("talos-homelab");
    expect(provider.secretPaths).toContain("kubeconfig");
    expect(provider.inputs["kubeconfig"]).toBe(run.one(types.kubeconfig).state["kubeconfigRaw"]);
  });

  it("exports kubeconfig and talosconfig as secrets, and the facts a person needs in the clear", () => {
    const { outputs } = run;
    expect(outputs["kubeconfig"]).toMatchObject({ secret: true, known: true });
    expect(outputs["talosconfig"]).toMatchObject({ secret: true, known: true });
    expect(String(outputs["talosconfig"]?.value)).toContain("192.168.10.41");
    expect(outputs["nodeAddresses"]).toEqual({ value: { "talos-cp-1": "192.168.10.41" }, secret: false, known: true });
    expect(outputs["talosVersion"]?.value).toBe(versions.talos);
    expect(outputs["kubernetesVersion"]?.value).toBe(versions.kubernetes);
    const expected = new Date(new X509Certificate(Buffer.from(clientCertificate().cert, "base64")).validTo).toISOString();
    expect(outputs["clientCertificateExpiry"]).toEqual({ value: expected, secret: false, known: true });
  });

  it("a second evaluation with the same config and state registers identical inputs (no spurious diff)", async () => {
    const seed = "same-state";
    const first = await runExample({ seed, secrets: run.secrets });
    const second = await runExample({ seed, secrets: run.secrets });
    const inputsByUrn = (r: typeof first) => Object.fromEntries(r.registrations.map((x) => [x.urn, x.rawInputs]));
    expect(Object.keys(inputsByUrn(second))).toEqual(Object.keys(inputsByUrn(first)));
    expect(inputsByUrn(second)).toEqual(inputsByUrn(first));
  });
});

describe("Talos layer with several nodes", async () => {
  const run = await runExample({ settings: multiNodeSettings(5) });

  it("applies a config to every node, each tied to its own VM, and bootstraps only the first control plane", () => {
    const applies = run.ofType(types.apply);
    expect(applies).toHaveLength(5);
    const vms = new Map(run.ofType(types.vm).map((v) => [v.inputs["name"], v.urn]));
    for (const apply of applies) {
      const name = apply.name.replace(/^talos-/, "");
      expect(apply.replaceWith).toEqual([vms.get(name)]);
    }
    expect(run.ofType(types.bootstrap)).toHaveLength(1);
    expect(run.one(types.bootstrap).inputs["node"]).toBe("192.168.10.41");
  });

  it("renders worker configs for workers and uses the VIP as the cluster endpoint", () => {
    const calls = run.invokes.filter((i) => i.token === invokes.machineConfiguration);
    expect(calls.map((c) => c.args["machineType"]).sort()).toEqual(["controlplane", "controlplane", "controlplane", "worker", "worker"]);
    for (const call of calls) expect(call.args["clusterEndpoint"]).toBe("https://192.168.10.40:6443");
    // The Talos API is asked on the first control plane, not through the VIP.
    expect(run.one(types.kubeconfig).inputs["endpoint"]).toBe("192.168.10.41");
  });

  it("keeps the secretbox key off workers, which run no API server", () => {
    const secretbox = (run.one(types.secrets).state["machineSecrets"] as { secrets: { secretboxEncryptionSecret: string } }).secrets
      .secretboxEncryptionSecret;
    for (const apply of run.ofType(types.apply)) {
      const rendered = String(apply.inputs["machineConfigurationInput"]);
      const isWorker = apply.name.includes("worker");
      expect(rendered.includes(secretbox), apply.name).toBe(!isWorker);
    }
  });

  it("gates the later layers on the health of the control planes, not the workers", () => {
    const [health] = run.invokes.filter((i) => i.token === invokes.health);
    expect(health?.args).toMatchObject({
      controlPlaneNodes: ["192.168.10.41", "192.168.10.42", "192.168.10.43"],
      workerNodes: [],
      skipKubernetesChecks: true,
    });
  });
});
