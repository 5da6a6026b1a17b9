/** offline/mocks.ts: the provider stand-ins the offline evaluation rests on. */
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";

import { behaviours, renderMachineConfiguration } from "../../offline/mocks";

const machineSecrets = {
  cluster: { id: "cluster-id", secret: "cluster-secret" },
  secrets: { bootstrapToken: "abcdef.0123456789abcdef" },
  trustdinfo: { token: "trustd.token" },
  certs: {
    etcd: { cert: "etcd-crt", key: "etcd-key" },
    k8s: { cert: "k8s-crt", key: "k8s-key" },
    k8sAggregator: { cert: "aggregator-crt", key: "aggregator-key" },
    k8sServiceaccount: { key: "sa-key" },
    os: { cert: "os-crt", key: "os-key" },
  },
};
const inputs = (machineType: string, configPatches: string[] = []) => ({
  machineType,
  machineSecrets,
  clusterName: "homelab",
  clusterEndpoint: "https://192.168.10.40:6443",
  talosVersion: "v1.13.9",
  kubernetesVersion: "1.36.3",
  configPatches,
});
const documents = (config: string) => parseAllDocuments(config).map((d) => d.toJS() as Record<string, unknown>);
/** The value at a dotted path. */
const at = (doc: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], doc);

describe("renderMachineConfiguration", () => {
  it("sets the Kubernetes images and machine token as Talos generates them (init.go, worker.go)", () => {
    const [controlPlane] = documents(renderMachineConfiguration(inputs("controlplane")));
    expect(at(controlPlane, "machine.kubelet.image")).toBe("ghcr.io/siderolabs/kubelet:v1.36.3");
    expect(at(controlPlane, "cluster.apiServer.image")).toBe("registry.k8s.io/kube-apiserver:v1.36.3");
    expect(at(controlPlane, "cluster.scheduler.image")).toBe("registry.k8s.io/kube-scheduler:v1.36.3");
    expect(at(controlPlane, "machine.token")).toBe("trustd.token");
    const [worker] = documents(renderMachineConfiguration(inputs("worker")));
    expect(at(worker, "machine.kubelet.image")).toBe("ghcr.io/siderolabs/kubelet:v1.36.3");
    expect(at(worker, "cluster.apiServer")).toBeUndefined();
  });

  it("merges patches: the main document deeply, typed documents by kind and name, new ones appended", () => {
    const patches = [
      stringify({ machine: { install: { image: "factory.talos.dev/metal-installer-secureboot/x:v1.13.9" } } }),
      `${stringify({ apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: "talos-cp-1" })}---\n${stringify({ apiVersion: "v1alpha1", kind: "VolumeConfig", name: "STATE" })}`,
    ];
    const [main, hostname, volume] = documents(renderMachineConfiguration(inputs("controlplane", patches)));
    expect(at(main, "machine.install")).toEqual({ disk: "/dev/sda", image: "factory.talos.dev/metal-installer-secureboot/x:v1.13.9" });
    expect(hostname).toEqual({ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable", hostname: "talos-cp-1" });
    expect(volume).toMatchObject({ kind: "VolumeConfig", name: "STATE" });
  });

  it("carries the bundle's CAs and service-account key: keys on control planes, only CA certificates on workers", () => {
    const [controlPlane] = documents(renderMachineConfiguration(inputs("controlplane")));
    expect(at(controlPlane, "machine.ca")).toEqual({ crt: "os-crt", key: "os-key" });
    expect(at(controlPlane, "cluster.ca")).toEqual({ crt: "k8s-crt", key: "k8s-key" });
    expect(at(controlPlane, "cluster.aggregatorCA")).toEqual({ crt: "aggregator-crt", key: "aggregator-key" });
    expect(at(controlPlane, "cluster.serviceAccount")).toEqual({ key: "sa-key" });
    expect(at(controlPlane, "cluster.etcd.ca")).toEqual({ crt: "etcd-crt", key: "etcd-key" });
    const [worker] = documents(renderMachineConfiguration(inputs("worker")));
    expect(at(worker, "machine.ca")).toEqual({ crt: "os-crt" });
    expect(at(worker, "cluster.ca")).toEqual({ crt: "k8s-crt" });
    expect(at(worker, "cluster.serviceAccount")).toBeUndefined();
  });

  it("depends only on its inputs: the same inputs render the same config", () => {
    expect(renderMachineConfiguration(inputs("worker"))).toBe(renderMachineConfiguration(inputs("worker")));
  });
});

describe("behaviours", () => {
  const args = { type: "talos:imageFactory/schematic:Schematic", name: "s", inputs: { schematic: "doc" }, provider: "", id: undefined };

  it("a never-deployed preview gets an unknown id and its inputs back", async () => {
    expect(await behaviours({ preview: true, overrides: {} }).newResource(args)).toEqual({ id: undefined, state: { schematic: "doc" } });
  });

  it("a deployed stack's preview and an update get the provider's outputs", async () => {
    for (const mocks of [behaviours({ preview: true, deployed: true, overrides: {} }), behaviours({ preview: false, overrides: {} })]) {
      const { id, state } = await mocks.newResource(args);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(state).toMatchObject({ schematic: "doc" });
    }
  });

  it("the same seed gives the same generated values, another seed others", async () => {
    const secrets = { ...args, type: "talos:machine/secrets:Secrets" };
    const one = await behaviours({ preview: false, overrides: {}, seed: "a" }).newResource(secrets);
    const again = await behaviours({ preview: false, overrides: {}, seed: "a" }).newResource(secrets);
    const other = await behaviours({ preview: false, overrides: {}, seed: "b" }).newResource(secrets);
    expect(again.state["machineSecrets"]).toEqual(one.state["machineSecrets"]);
    expect(other.state["machineSecrets"]).not.toEqual(one.state["machineSecrets"]);
  });

  it("an invoke without a mock is an error, not a silent empty answer", async () => {
    await expect(
      behaviours({ preview: false, overrides: {} }).call({ token: "proxmoxve:index/getVm:getVm", inputs: {}, provider: "" }),
    ).rejects.toThrow("no mock for invoke proxmoxve:index/getVm:getVm");
  });
});
