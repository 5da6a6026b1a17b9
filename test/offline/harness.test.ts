/**
 * offline/harness.ts records what the engine would receive: run on small
 * programs whose registrations, invokes, reads and outputs are known.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

import { plainStrings, type Program, runFailingProgram, runProgram, unwrapSecrets } from "../../offline/harness";

const thing = "test:index:Thing";
class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(thing, name, props, opts);
  }
}
const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A parent component, a child with a secret input and an explicit dependency, an invoke and a read-back. */
const program: Program = async () => {
  const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
  const first = new Thing("first", { size: 1 }, { parent, protect: true, ignoreChanges: ["size"] });
  const second = new Thing(
    "second",
    { password: pulumi.secret("hunter2-hunter2"), nested: { plain: "visible", hidden: pulumi.secret("x") }, from: first.id },
    { parent, dependsOn: [first] },
  );
  new Thing("existing", {}, { id: "existing-id" });
  const fn = (await pulumi.runtime.invoke("test:index:fn", { question: "life" })) as Record<string, unknown>;
  return { answer: pulumi.output(fn["answer"] as number), token: pulumi.secret(second.id), parentUrn: parent.urn };
};
const overrides = { "test:index:fn": () => ({ answer: 42 }) };

describe("runProgram", async () => {
  const run = await runProgram({ config: {}, secretKeys: [], program, overrides });

  it("records each registration with its parent, dependencies, options and secret paths", () => {
    const first = run.one(thing, "first");
    const second = run.one(thing, "second");
    const parentUrn = run.one("test:index:Parent").urn;
    expect(first).toMatchObject({ custom: true, parent: parentUrn, protect: true, ignoreChanges: ["size"], inputs: { size: 1 } });
    expect(second.dependencies).toContain(first.urn);
    expect(second.propertyDependencies["from"]).toEqual([first.urn]);
    expect(second.inputs).toMatchObject({ password: "hunter2-hunter2", nested: { plain: "visible", hidden: "x" }, from: "first-id" });
    expect(second.secretPaths.sort()).toEqual(["nested.hidden", "password"]);
    expect(plainStrings(second.rawInputs)).not.toContain("hunter2-hunter2");
    expect(run.byUrn(second.urn)).toBe(second);
    expect(second.seq).toBeGreaterThan(first.seq);
  });

  it("records invokes with their arguments, and read-backs of existing resources", () => {
    expect(run.invokes.map((i) => [i.token, i.args])).toEqual([["test:index:fn", { question: "life" }]]);
    expect(run.reads).toEqual([{ type: thing, name: "existing", id: "existing-id" }]);
  });

  it("resolves stack outputs with their secret and known flags", () => {
    expect(run.outputs["answer"]).toEqual({ value: 42, known: true, secret: false });
    expect(run.outputs["token"]).toMatchObject({ value: "second-id", secret: true });
  });

  it("one() insists on exactly one match (a read-back is not a registration)", () => {
    expect(() => run.one(thing)).toThrow(/expected one test:index:Thing, found 2/);
  });

  it("in preview, a new resource's id is unknown", async () => {
    const preview = await runProgram({ config: {}, secretKeys: [], program, overrides, preview: true });
    expect(preview.one(thing, "second").inputs["from"]).toBe(unknown);
    expect(preview.outputs["token"]?.known).toBe(false);
  });
});

describe("runFailingProgram", () => {
  it("returns the program's error and what was registered before it", async () => {
    const failing: Program = () => {
      new Thing("before", {});
      return Promise.reject(new Error("config is wrong"));
    };
    const { error, registrations } = await runFailingProgram({ config: {}, secretKeys: [], program: failing });
    expect((error as Error).message).toBe("config is wrong");
    expect(registrations.map((r) => r.name)).toEqual(["before"]);
  });

  it("complains when the program succeeds", async () => {
    await expect(runFailingProgram({ config: {}, secretKeys: [], program, overrides })).rejects.toThrow(
      /succeeded where a failure was expected/,
    );
  });
});

describe("unwrapSecrets", () => {
  it("unwraps nested markers and names their paths", () => {
    const marker = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
    const paths: string[] = [];
    expect(unwrapSecrets({ a: [1, marker("s")], b: marker({ c: "d" }) }, "", paths)).toEqual({ a: [1, "s"], b: { c: "d" } });
    expect(paths).toEqual(["a[1]", "b"]);
  });
});
