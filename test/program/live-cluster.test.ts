/**
 * A `pulumi up` against a cluster that already runs, proved on the recorded
 * graph of a three-control-plane cluster: what a replaced VM replaces with
 * it, that no resource may power-cycle or reboot a node, and that the gate in
 * front of the Kubernetes layers does not wait for workers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

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
/** What Proxmox deletes with a VM, or what must run again for a new one: its firewall, and its first start after it. */
const firewallTypes: string[] = [types.firewallIpset, types.firewallRules, types.firewallOptions, types.vmStart];
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
    expect(replacedWith(run, vm!.urn).map((r) => r.type)).toContain(types.apply);
    expect(replacedWith(run, vm!.urn).map((r) => r.type)).not.toContain(types.bootstrap);
    expect(run.one(types.bootstrap).replaceWith).toEqual([]);
  });

  it("replacing any control plane's VM replaces only that node's config apply and VM firewall", () => {
    for (const node of ["talos-cp-1", "talos-cp-2", "talos-cp-3"]) {
      const firewall = run.registrations.filter((r) => firewallTypes.includes(r.type) && r.name.startsWith(`pve-${node}-`));
      expect(firewall, node).toHaveLength(4);
      expect(
        replacedWith(run, vmOf(run, node)!.urn)
          .map((r) => r.urn)
          .sort(),
      ).toEqual([applyOf(run, node)?.urn, ...firewall.map((r) => r.urn)].sort());
    }
  });

  it("a replaced VM is deleted before its replacement is created: the new one takes the same VM id, MAC and address", () => {
    // Proxmox refuses a second VM with the same id (proxmox/qemu-server src/PVE/API2/Qemu.pm create_vm,
    // create_and_lock_config), and neither bpg nor pulumi-proxmoxve asks for delete-before-replace, so the engine
    // would create first (pulumi/pulumi v3.207.0 pkg/resource/deploy/step_generator.go: diff.DeleteBeforeReplace
    // unless the deleteBeforeReplace option overrides it) and the rebuild of a node would fail.
    for (const vm of run.ofType(types.vm)) expect(vm.engineOptions, vm.name).toContain("deleteBeforeReplace");
  });

  it("a replaced VM gets its firewall again: Proxmox deletes a VM's firewall config with the VM", () => {
    // proxmox/qemu-server src/PVE/API2/Qemu.pm destroy_vm: PVE::Firewall::remove_vmfw_conf($vmid). The firewall
    // resources take their inputs from the config, not the VM (dependsOn only), so without replaceWith the engine
    // keeps them as they are and the new VM boots into maintenance mode unfiltered.
    for (const r of run.registrations.filter((x) => firewallTypes.includes(x.type))) {
      const node = r.name.replace(/^pve-/, "").replace(/-(ipfilter|rules|firewall|start)$/, "");
      expect(r.replaceWith, r.name).toEqual([vmOf(run, node)?.urn]);
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
  }, 30_000);
});

describe("the single control plane", async () => {
  const run = await runExample({ settings: singleNodeSettings() });

  it("a whole-run `up --replace` of its VM re-applies the config and firewall but never replaces the Bootstrap", () => {
    // The new VM's etcd must come back from a snapshot with `talosctl bootstrap --recover-from`, which Talos refuses
    // once a plain Bootstrap has started an empty etcd ("etcd data directory is not empty", siderolabs/talos v1.13.9
    // internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go); the run waits in the health check instead.
    const vm = run.one(types.vm);
    expect(
      replacedWith(run, vm.urn)
        .map((r) => r.type)
        .sort(),
    ).toEqual([types.apply, types.firewallIpset, types.firewallRules, types.firewallOptions, types.vmStart].sort());
    expect(run.one(types.bootstrap).replaceWith).toEqual([]);
  });

  it("the rebuilt node's run waits for its etcd in the health check, after the Bootstrap and the new config apply", () => {
    const [health] = run.invokes.filter((i) => i.token === invokes.health);
    expect(health).toBeDefined();
    expect(health!.seq).toBeGreaterThan(run.one(types.bootstrap).doneSeq);
    expect(health!.seq).toBeGreaterThan(run.one(types.apply).doneSeq);
    expect(run.one(types.kubeconfig).seq).toBeGreaterThan(health!.doneSeq);
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

describe("the rebuild procedure the docs and the plan give", () => {
  it("replaces a VM in a run that also reaches what is replaced with it (no --target without --target-dependents)", () => {
    // A resource outside --target gets a same step without a diff (pulumi/pulumi v3.207.0
    // pkg/resource/deploy/step_generator.go, "not being in target group"), and replaceWith is only checked in that
    // diff: `pulumi up --target <vm> --replace <vm>` would leave the new VM without its Talos config and firewall,
    // and the next `up` would see nothing to do.
    const root = join(__dirname, "..", "..");
    for (const file of ["README.md", "docs/operations.md", "docs/disaster-recovery.md", "scripts/plan/impact.ts"]) {
      const text = readFileSync(join(root, file), "utf8");
      const commands = text.match(/pulumi up [^`\n]*--replace[^`\n]*/g) ?? [];
      for (const command of commands) {
        if (command.includes("--target")) expect(command, file).toContain("--target-dependents");
      }
    }
  });

  it("resizes the disk in its own up: with cores or memory pending, the provider refuses the disk resize", () => {
    // bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go vmUpdate: a cores or memory change sets
    // rebootRequired; with reboot_after_update false the disk step is then blockedByPolicy and fails with
    // "cannot resize disks while the VM is running ..." (rebootAfterUpdateDisabledError("resize disks")).
    const text = readFileSync(join(__dirname, "..", "..", "docs", "operations.md"), "utf8").replace(/\s+/g, " ");
    const resizing = text.slice(text.indexOf("## Resizing a node"), text.indexOf("## Where the state lives"));
    expect(resizing).toContain("cannot resize disks while the VM is running");
    expect(resizing).toMatch(/`diskGiB` in its own `pulumi up`/);
    // The same vmUpdate refuses disk and TPM state moves to another datastore while reboots are off.
    expect(resizing).toContain("cannot add, remove, or update the TPM device while the VM is running");
  });
});
