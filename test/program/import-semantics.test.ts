/**
 * The mock reproduces what the engine does with a resource registered with
 * the `import` option (pulumi/pulumi v3.248.0 pkg/resource/deploy/step_generator.go,
 * continueStepsFromImport): ignored inputs are reset to the imported state,
 * then the provider's Check runs and an invalid resource stops the run.
 */
import * as talos from "@pulumiverse/talos";
import { describe, expect, it } from "vitest";

import { adoptedBootstrapId } from "../../components/talos";
import { runProgram } from "../../offline/harness";
import { importCheckFailures } from "../../offline/mocks";

const clientConfiguration = { caCertificate: "ca", clientCertificate: "crt", clientKey: "key" };
const bootstrapType = "talos:machine/bootstrap:Bootstrap";

const adopt = (ignoreChanges: string[]) => () => {
  const bootstrap = new talos.machine.Bootstrap(
    "talos-bootstrap",
    { clientConfiguration, node: "10.0.0.11", endpoint: "10.0.0.11" },
    { import: adoptedBootstrapId, ignoreChanges },
  );
  return Promise.resolve({ id: bootstrap.id });
};

describe("the engine's import semantics in the mock", () => {
  it("ignoring node and clientConfiguration on an imported Bootstrap resets them to the imported nulls, which Check refuses", () => {
    expect(
      importCheckFailures(bootstrapType, adoptedBootstrapId, { clientConfiguration, node: "n", endpoint: "n" }, [
        "node",
        "clientConfiguration",
      ]),
    ).toEqual([
      "Missing Configuration for Required Attribute: Must set a configuration value for the node attribute",
      "Missing client configuration: Exactly one of client_configuration or client_configuration_wo must be set",
    ]);
  });

  it("an imported Bootstrap with the program's inputs passes Check; so does any resource that is not imported", () => {
    expect(importCheckFailures(bootstrapType, adoptedBootstrapId, { clientConfiguration, node: "n", endpoint: "n" }, [])).toEqual([]);
    expect(importCheckFailures(bootstrapType, "", {}, ["node", "clientConfiguration"])).toEqual([]);
  });

  it("a program adopting the bootstrap with those ignoreChanges fails the run, as the real engine does", async () => {
    await expect(
      runProgram({ config: {}, secretKeys: [], program: adopt(["node", "endpoint", "clientConfiguration", "timeouts"]) }),
    ).rejects.toThrow(/is invalid after its import: .*Exactly one of client_configuration or client_configuration_wo must be set/);
  });

  it("the same adoption without ignoreChanges runs", async () => {
    const run = await runProgram({ config: {}, secretKeys: [], program: adopt([]) });
    expect(run.one(bootstrapType).importId).toBe(adoptedBootstrapId);
  });
});
