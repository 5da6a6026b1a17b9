/**
 * A `pulumi up` against a cluster that already runs, proved on the recorded
 * graph of a three-control-plane cluster: what a replaced VM replaces with
 * it, that no resource may power-cycle or reboot a node, and that the gate in
 * front of the Kubernetes layers does not wait for workers.
 */
import { describe, expect, it } from "vitest";

import { multiNodeSettings, type Settings, singleNodeSettings } from "../../offline/fixtures";
import type { ProgramRun, Registration } from "../../offline/harness";
import { invokes, runExample, types } from "../support/program";

/** Everything the engine replaces when `urn` is replaced: the closure over `replaceWith`. */
function replacedWith(run: ProgramRun, urn: string): Registration[] {
  const replaced = new Set([urn]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of run.registrations) {
      if (!replaced.has(r.urn) && r.replaceWith.some((u) => replaced.has(u))) {
        replaced.add(r.urn);
        grew = true;
      }
    }
  }
  replaced.delete(urn);
  return run.registrations.filter((r) => replaced.has(r.urn));
}

const vmOf = (run: ProgramRun, node: string) => run.ofType(types.vm).find((v) => v.inputs["name"] === node);
const applyOf = (run: ProgramRun, node: string) => run.ofType(types.apply).find((a) => a.name === `talos-${node}`);

describe("a live cluster with three control planes", async () => {
  const run = await runExample({ settings: multiNodeSettings(3) });

  it("replacing the first control plane's VM re-applies its config but never re-runs the etcd bootstrap", () => {
    // Talos refuses a second bootstrap once etcd has data ("etcd data directory is not empty",
    // siderolabs/talos v1.13.9 v1alpha1_server.go Bootstrap) and the provider retries that until its
    // timeout (terraform-provider-talos v0.11.0 talos_machine_bootstrap_resource.go); the new VM joins
    // the etcd that talos-cp-2 and talos-cp-3 keep running.
    const vm = vmOf(run, "talos-cp-1");
    expect(vm).toBeDefined();
    expect(replacedWith(run, vm!.urn).map((r) => r.name)).toEqual(["talos-talos-cp-1"]);
    expect(run.one(types.bootstrap).replaceWith).toEqual([]);
  });

  it("replacing any control plane's VM replaces only that node's config apply", () => {
    for (const node of ["talos-cp-1", "talos-cp-2", "talos-cp-3"]) {
      expect(replacedWith(run, vmOf(run, node)!.urn).map((r) => r.urn)).toEqual([applyOf(run, node)?.urn]);
    }
  });

  it("no VM may be stopped and started by the provider to apply an update", () => {
    // bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go: reboot_after_update defaults to
    // true, and vmUpdate then stops and starts a VM whose cores or memory change cannot be hot-plugged.
    const vms = run.ofType(types.vm);
    expect(vms).toHaveLength(3);
    for (const vm of vms) expect(vm.inputs["rebootAfterUpdate"], vm.name).toBe(false);
  });

  it("no config apply may reboot a node: a change that needs a reboot fails instead of rebooting", () => {
    // siderolabs/talos v1.13.9 v1alpha1_server.go ApplyConfiguration: NO_REBOOT returns InvalidArgument when
    // CanApplyImmediate fails (outside maintenance mode), which the provider does not retry.
    const applies = run.ofType(types.apply);
    expect(applies).toHaveLength(3);
    for (const apply of applies) expect(apply.inputs["applyMode"], apply.name).toBe("no_reboot");
  });

  it("a cores and memory edit of all three control planes touches only the VMs, none of which may power-cycle", async () => {
    const seed = "resize";
    const resized: Settings = multiNodeSettings(3);
    resized["nodes"] = (resized["nodes"] as Record<string, unknown>[]).map((n) => ({ ...n, cores: 6, memoryMiB: 16384 }));
    const before = await runExample({ seed, secrets: run.secrets, settings: multiNodeSettings(3) });
    const after = await runExample({ seed, secrets: run.secrets, settings: resized });
    const old = new Map(before.registrations.map((r) => [r.urn, JSON.stringify(r.rawInputs)]));
    const changed = after.registrations.filter((r) => old.get(r.urn) !== JSON.stringify(r.rawInputs));
    expect(changed.map((r) => r.type)).toEqual([types.vm, types.vm, types.vm]);
    for (const vm of changed) expect(vm.inputs["rebootAfterUpdate"]).toBe(false);
  });
});

describe("the single control plane", async () => {
  const run = await runExample({ settings: singleNodeSettings() });

  it("a new VM for it is a new, empty etcd: bootstrap is replaced with it", () => {
    const vm = run.one(types.vm);
    expect(
      replacedWith(run, vm.urn)
        .map((r) => r.type)
        .sort(),
    ).toEqual([types.apply, types.bootstrap].sort());
  });
});

describe("the health gate of a cluster of control planes only", async () => {
  const run = await runExample({ settings: singleNodeSettings() });

  it("also runs the Kubernetes-level checks, which then concern control planes only", () => {
    const [health] = run.invokes.filter((i) => i.token === invokes.health);
    expect(health?.args).toMatchObject({ controlPlaneNodes: ["192.168.10.41"], workerNodes: [], skipKubernetesChecks: false });
  });
});

describe("the health gate in front of the Kubernetes layers", async () => {
  const slowWorker = 300;
  const run = await runExample({
    settings: multiNodeSettings(5),
    overrides: {
      // A worker whose apply takes long (slow, or down and retried) must not hold the later layers.
      [types.apply]: async (inputs) => {
        if (inputs["node"] === "192.168.10.44") await new Promise((resolve) => setTimeout(resolve, slowWorker));
        return { machineConfiguration: inputs["machineConfigurationInput"] };
      },
    },
  });
  const [health] = run.invokes.filter((i) => i.token === invokes.health);

  it("with workers, checks the control planes at the Talos level only: etcd, apid, kubelet", () => {
    expect(health?.args).toMatchObject({
      controlPlaneNodes: ["192.168.10.41", "192.168.10.42", "192.168.10.43"],
      workerNodes: [],
      skipKubernetesChecks: true,
      endpoints: ["192.168.10.41", "192.168.10.42", "192.168.10.43"],
    });
  });

  it("waits for every control plane's config apply, and for no worker's", () => {
    const slow = run.ofType(types.apply).find((a) => a.inputs["node"] === "192.168.10.44");
    expect(slow).toBeDefined();
    for (const apply of run.ofType(types.apply).filter((a) => a.name.includes("-cp-"))) {
      expect(health!.seq, apply.name).toBeGreaterThan(apply.doneSeq);
    }
    expect(health!.seq).toBeLessThan(slow!.doneSeq);
    expect(run.one(types.kubeconfig).seq).toBeLessThan(slow!.doneSeq);
  });
});
