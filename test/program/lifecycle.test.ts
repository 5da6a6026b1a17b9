/**
 * Running the program again, months apart: version upgrades are updates, never
 * replacements of what holds data; a fresh stack with the same config builds
 * the same graph (disaster recovery).
 */
import { describe, expect, it } from "vitest";

import { versions } from "../../components/lib/versions";
import { connectSecrets, generateSecrets, multiNodeSettings, type Settings, singleNodeSettings } from "../../offline/fixtures";
import { Graph } from "../../offline/graph";
import type { ProgramRun, Registration } from "../../offline/harness";
import { runExample, types } from "../support/program";

/** For each resource (by URN) the top-level inputs that differ between two runs. */
function changedInputs(before: ProgramRun, after: ProgramRun): Record<string, string[]> {
  const old = new Map(before.registrations.map((r) => [r.urn, r]));
  const changes: Record<string, string[]> = {};
  for (const r of after.registrations) {
    const previous = old.get(r.urn);
    if (!previous) {
      changes[r.urn] = ["<new>"];
      continue;
    }
    const keys = new Set([...Object.keys(r.rawInputs), ...Object.keys(previous.rawInputs)]);
    const changed = [...keys].filter((k) => JSON.stringify(r.rawInputs[k]) !== JSON.stringify(previous.rawInputs[k])).sort();
    if (changed.length > 0) changes[r.urn] = changed;
  }
  for (const urn of old.keys()) if (!after.registrations.some((r) => r.urn === urn)) changes[urn] = ["<removed>"];
  return changes;
}

const withCluster = (patch: Record<string, unknown>, base: Settings = singleNodeSettings()): Settings => ({
  ...base,
  cluster: { ...(base["cluster"] as object), ...patch },
});

describe("upgrading Talos and Kubernetes", async () => {
  const secrets = connectSecrets(await generateSecrets());
  const seed = "existing-stack";
  // From the previous patch releases to the pins: an upgrade inside the supported range.
  const previousPatch = (version: string) => version.replace(/(\d+)$/, (patch) => String(Math.max(0, Number(patch) - 1)));
  const before = await runExample({
    seed,
    secrets,
    settings: withCluster({ talosVersion: previousPatch(versions.talos), kubernetesVersion: previousPatch(versions.kubernetes) }),
  });
  const after = await runExample({
    seed,
    secrets,
    settings: withCluster({ talosVersion: versions.talos, kubernetesVersion: versions.kubernetes }),
  });
  const changes = changedInputs(before, after);
  const urn = (run: ProgramRun, type: string) => run.one(type).urn;

  it("changes only the ISO, the VM's CD-ROM, the Talos contract on the (ignored) secrets, and the applied config", () => {
    expect(changes).toEqual({
      [urn(after, types.iso)]: ["fileName", "url"],
      [urn(after, types.vm)]: ["cdrom"],
      [urn(after, types.secrets)]: ["talosVersion"],
      [urn(after, types.apply)]: ["machineConfigurationInput"],
    });
  });

  it("the one change to the machine secrets is one they ignore, so the PKI stays", () => {
    expect(after.one(types.secrets).ignoreChanges).toContain("talosVersion");
    expect(after.one(types.secrets).protect).toBe(true);
  });

  it("the VM keeps its EFI disk, TPM state, disk and identity; only the installation media moves", () => {
    const vm = (run: ProgramRun) => run.one(types.vm).inputs;
    for (const key of ["vmId", "efiDisk", "tpmState", "disks", "bios", "machine", "networkDevices"])
      expect(vm(after)[key], key).toEqual(vm(before)[key]);
    expect(after.one(types.vm).protect).toBe(true);
  });

  it("bootstrap and the Kubernetes layers are untouched", () => {
    for (const type of [types.bootstrap, types.kubeconfig, types.fluxInstance, types.clusterSecretStore]) {
      expect(changes[urn(after, type)], type).toBeUndefined();
    }
  });
});

describe("routine changes leave what holds data alone", async () => {
  const secrets = connectSecrets(await generateSecrets());
  const seed = "growing-stack";

  it("adding worker nodes creates their VMs and applies without touching the existing VMs or secrets", async () => {
    const three = multiNodeSettings(3);
    const five = multiNodeSettings(5);
    const before = await runExample({ seed, secrets, settings: three });
    const after = await runExample({ seed, secrets, settings: five });
    const changes = changedInputs(before, after);
    for (const vm of before.ofType(types.vm)) expect(changes[vm.urn], vm.name).toBeUndefined();
    expect(changes[before.one(types.secrets).urn]).toBeUndefined();
    expect(changes[before.one(types.bootstrap).urn]).toBeUndefined();
    const created = Object.entries(changes)
      .filter(([, c]) => c[0] === "<new>")
      .map(([u]) => after.byUrn(u).type)
      .sort();
    const perNode = [types.apply, types.vm, types.firewallOptions, types.firewallIpset, types.firewallRules, types.vmStart];
    expect(created).toEqual([...perNode, ...perNode].sort());
  }, 30_000);
});

describe("disaster recovery: a fresh stack with the same config", async () => {
  const secrets = connectSecrets(await generateSecrets());
  const original = await runExample({ seed: "original", secrets });
  const rebuilt = await runExample({ seed: "rebuilt-from-scratch", secrets });
  const shape = (run: ProgramRun) => {
    const graph = Graph.of(run);
    const label = (r: Registration) => `${r.type}::${r.name}`;
    return run.registrations
      .map(
        (r) =>
          `${label(r)} <- ${[...(graph.edges.get(r.urn) ?? [])]
            .map((u) => label(run.byUrn(u)))
            .sort()
            .join(", ")}`,
      )
      .sort();
  };

  it("registers the same resources with the same dependencies", () => {
    expect(shape(rebuilt)).toEqual(shape(original));
  });

  it("gets new machine secrets (a new cluster PKI) but the same cluster identity for Kubernetes", () => {
    expect(rebuilt.one(types.secrets).state["machineSecrets"]).not.toEqual(original.one(types.secrets).state["machineSecrets"]);
    expect(rebuilt.one(types.kubernetesProvider).inputs["clusterIdentifier"]).toBe(
      original.one(types.kubernetesProvider).inputs["clusterIdentifier"],
    );
  });
});
