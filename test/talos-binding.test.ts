// Checks the local @pulumiverse/talos binding (packages/pulumi-talos) against the provider schema it
// mirrors (pulumiverse/pulumi-talos v0.8.1, packages/pulumi-talos/schema/pulumi-talos-schema.json).
//
// Names are derived from the binding itself, not restated here:
//   - tokens: the type each class registers with the (mocked) engine, the token each invoke calls;
//   - argument names: the properties the constructors/invokes read from a recording Proxy, the keys they
//     register/send, and the members of the exported `*Args` / `*OutputArgs` / `*Result` interfaces and
//     `types.input` / `types.output` interfaces (parsed from src/ with the TypeScript compiler API);
//   - secrets: `additionalSecretOutputs` and `pulumi.secret`-wrapped inputs as the Resource constructor
//     receives them (captured through the `transformations` resource option).

import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";
import * as ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

// ---------------------------------------------------------------------------------------------------
// Schema and package metadata
// ---------------------------------------------------------------------------------------------------

interface SchemaProperty {
  type?: string;
  $ref?: string;
  secret?: boolean;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
}

interface SchemaObject {
  properties?: Record<string, SchemaProperty>;
  required?: string[];
}

interface SchemaResource {
  properties: Record<string, SchemaProperty>;
  inputProperties?: Record<string, SchemaProperty>;
}

interface SchemaFunction {
  inputs?: SchemaObject;
  outputs: SchemaObject;
}

interface Schema {
  name: string;
  pluginDownloadURL: string;
  resources: Record<string, SchemaResource>;
  functions: Record<string, SchemaFunction>;
  types: Record<string, SchemaObject>;
}

const repoRoot = path.resolve(__dirname, "..");
const pkgDir = path.join(repoRoot, "packages", "pulumi-talos");
const srcDir = path.join(pkgDir, "src");
const schema = JSON.parse(fs.readFileSync(path.join(pkgDir, "schema", "pulumi-talos-schema.json"), "utf8")) as Schema;
const pkgJson = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as {
  name: string;
  version: string;
  main: string;
  pulumi?: unknown;
};

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();
const keysOf = (props: Record<string, SchemaProperty> | undefined): string[] => sorted(Object.keys(props ?? {}));
const secretKeysOf = (props: Record<string, SchemaProperty> | undefined): string[] =>
  sorted(
    Object.entries(props ?? {})
      .filter(([, p]) => p.secret === true)
      .map(([k]) => k),
  );

/** Narrows a lookup that the test expects to succeed. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new Error(`missing ${what}`);
  }
  return value;
}

const schemaResource = (token: string): SchemaResource => must(schema.resources[token], `schema resource ${token}`);
const schemaFunction = (token: string): SchemaFunction => must(schema.functions[token], `schema function ${token}`);
const schemaType = (token: string): SchemaObject => must(schema.types[token], `schema type ${token}`);

/** `#/types/<token>`; the schema also has `#types/<token>` (missing slash) in the `generated:*` types. */
function refToken(ref: string): string {
  const match = /^#\/?types\/(.+)$/.exec(ref);
  if (!match) {
    throw new Error(`unexpected $ref ${ref}`);
  }
  return must(match[1], `token in ${ref}`);
}

function refsOf(prop: SchemaProperty): string[] {
  const out: string[] = [];
  if (prop.$ref !== undefined && prop.$ref.includes("types/")) {
    out.push(refToken(prop.$ref));
  }
  if (prop.items) {
    out.push(...refsOf(prop.items));
  }
  if (prop.additionalProperties) {
    out.push(...refsOf(prop.additionalProperties));
  }
  return out;
}

/** Transitive closure of the object types referenced by the given properties. */
function referencedTypes(props: Record<string, SchemaProperty> | undefined): Set<string> {
  const seen = new Set<string>();
  const queue = Object.values(props ?? {}).flatMap(refsOf);
  while (queue.length > 0) {
    const token = queue.pop() as string;
    if (seen.has(token)) {
      continue;
    }
    seen.add(token);
    const type = schema.types[token];
    if (type === undefined) {
      throw new Error(`schema references missing type ${token}`);
    }
    queue.push(...Object.values(type.properties ?? {}).flatMap(refsOf));
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------------
// Reading declarations out of the binding's TypeScript sources
// ---------------------------------------------------------------------------------------------------

const sourceCache = new Map<string, ts.SourceFile>();
function sourceFile(rel: string): ts.SourceFile {
  let sf = sourceCache.get(rel);
  if (sf === undefined) {
    const file = path.join(srcDir, rel);
    sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    sourceCache.set(rel, sf);
  }
  return sf;
}

function memberName(member: ts.TypeElement | ts.ClassElement, sf: ts.SourceFile): string | undefined {
  return member.name !== undefined ? member.name.getText(sf).replace(/^["']|["']$/g, "") : undefined;
}

/** Property names of a top-level interface in a source file. */
function interfaceMembers(rel: string, name: string): string[] {
  const sf = sourceFile(rel);
  const decl = sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (decl === undefined) {
    throw new Error(`interface ${name} not found in ${rel}`);
  }
  return sorted(decl.members.filter(ts.isPropertySignature).map((m) => memberName(m, sf) as string));
}

/** Instance property declarations (`declare public readonly x: pulumi.Output<...>`) of a class. */
function classOutputMembers(rel: string, name: string): string[] {
  const sf = sourceFile(rel);
  const decl = sf.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name);
  if (decl === undefined) {
    throw new Error(`class ${name} not found in ${rel}`);
  }
  return sorted(
    decl.members
      .filter(ts.isPropertyDeclaration)
      .filter((m) => !(ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static))
      .filter((m) => m.type !== undefined && m.type.getText(sf).startsWith("pulumi.Output<"))
      .map((m) => memberName(m, sf) as string),
  );
}

/** `namespace.Interface` -> property names, for src/types/{input,output}.ts. */
function namespacedInterfaces(rel: string): Map<string, string[]> {
  const sf = sourceFile(rel);
  const out = new Map<string, string[]>();
  for (const stmt of sf.statements) {
    if (!ts.isModuleDeclaration(stmt) || stmt.body === undefined || !ts.isModuleBlock(stmt.body)) {
      continue;
    }
    for (const inner of stmt.body.statements) {
      if (ts.isInterfaceDeclaration(inner)) {
        out.set(
          `${stmt.name.getText(sf)}.${inner.name.text}`,
          sorted(inner.members.filter(ts.isPropertySignature).map((m) => memberName(m, sf) as string)),
        );
      }
    }
  }
  return out;
}

/** Which schema type a `types.input` / `types.output` interface is generated from (pulumi nodejs naming). */
function schemaTypeFor(qualified: string, isInput: boolean): string {
  const [ns, ifaceName] = qualified.split(".");
  const iface = must(ifaceName, `interface name in ${qualified}`);
  const bases = [iface];
  if (isInput && iface.endsWith("Args")) {
    bases.push(iface.slice(0, -"Args".length));
  }
  const candidates = new Set<string>();
  for (const base of bases) {
    const lower = base.charAt(0).toLowerCase() + base.slice(1);
    for (const token of [`talos:${ns}/${base}:${base}`, `talos:${ns}/${lower}:${lower}`, `talos:${ns}/generated:${base}`]) {
      if (schema.types[token] !== undefined) {
        candidates.add(token);
      }
    }
  }
  if (candidates.size !== 1) {
    throw new Error(`${qualified}: expected exactly one schema type, found [${[...candidates].join(", ")}]`);
  }
  return must([...candidates][0], `schema type for ${qualified}`);
}

// ---------------------------------------------------------------------------------------------------
// Pulumi mocks that record what the binding registers and calls
// ---------------------------------------------------------------------------------------------------

interface Registration {
  type: string;
  inputs: Record<string, unknown>;
}

interface InvokeCall {
  token: string;
  inputs: Record<string, unknown>;
}

const registrations = new Map<string, Registration>();
const invokeCalls: InvokeCall[] = [];
const events: string[] = [];

/** The value the mock engine gives a resource output that has no input value. */
const mockOutputValue = (key: string): string => `out:${key}`;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const inputs = args.inputs as Record<string, unknown>;
        registrations.set(args.name, { type: args.type, inputs });
        events.push(`register:${args.name}`);
        const state: Record<string, unknown> = { ...inputs };
        for (const key of Object.keys(schema.resources[args.type]?.properties ?? {})) {
          if (state[key] === undefined) {
            state[key] = mockOutputValue(key);
          }
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        invokeCalls.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
        events.push(`call:${args.token}`);
        // Answer like the provider: every declared output, secret where the schema says so.
        const result: Record<string, unknown> = {};
        for (const [key, prop] of Object.entries(schema.functions[args.token]?.outputs.properties ?? {})) {
          result[key] = prop.secret === true ? pulumi.secret(mockOutputValue(key)) : mockOutputValue(key);
        }
        return result;
      },
    },
    "talos-binding-test",
    "test",
    false,
  );
});

/** A value as the engine received it: `pulumi.secret(...)` inputs arrive wrapped in a secret signature. */
function isWireSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

const unwrapWire = (value: unknown): unknown => (isWireSecret(value) ? value.value : value);

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise<T>((resolve) =>
    output.apply((v) => {
      resolve(v);
    }),
  );
}

/** Args object that answers every property read with a value and records which names were read. */
function recordingArgs(read: Set<string>): Record<string, unknown> {
  return new Proxy<Record<string, unknown>>(
    {},
    {
      get(_target, key) {
        if (typeof key !== "string") {
          return undefined;
        }
        read.add(key);
        return `in:${key}`;
      },
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// What the binding exposes
// ---------------------------------------------------------------------------------------------------

interface ResourceCase {
  exportPath: string;
  file: string;
  className: string;
  argsInterface: string;
  create(name: string, args: Record<string, unknown>, opts: pulumi.CustomResourceOptions): pulumi.CustomResource;
}

const resourceCases: ResourceCase[] = [
  {
    exportPath: "machine.Secrets",
    file: "machine/secrets.ts",
    className: "Secrets",
    argsInterface: "SecretsArgs",
    create: (n, a, o) => new talos.machine.Secrets(n, a, o),
  },
  {
    exportPath: "machine.ConfigurationApply",
    file: "machine/configurationApply.ts",
    className: "ConfigurationApply",
    argsInterface: "ConfigurationApplyArgs",
    create: (n, a, o) => new talos.machine.ConfigurationApply(n, a as unknown as talos.machine.ConfigurationApplyArgs, o),
  },
  {
    exportPath: "machine.Bootstrap",
    file: "machine/bootstrap.ts",
    className: "Bootstrap",
    argsInterface: "BootstrapArgs",
    create: (n, a, o) => new talos.machine.Bootstrap(n, a as unknown as talos.machine.BootstrapArgs, o),
  },
  {
    exportPath: "cluster.Kubeconfig",
    file: "cluster/kubeconfig.ts",
    className: "Kubeconfig",
    argsInterface: "KubeconfigArgs",
    create: (n, a, o) => new talos.cluster.Kubeconfig(n, a as unknown as talos.cluster.KubeconfigArgs, o),
  },
  {
    exportPath: "imagefactory.Schematic",
    file: "imagefactory/schematic.ts",
    className: "Schematic",
    argsInterface: "SchematicArgs",
    create: (n, a, o) => new talos.imagefactory.Schematic(n, a, o),
  },
];

interface InvokeCase {
  exportPath: string;
  file: string;
  argsInterface: string;
  outputArgsInterface: string;
  resultInterface: string;
  plain(args: Record<string, unknown>): Promise<object>;
  output(args: Record<string, unknown>, opts?: pulumi.InvokeOutputOptions): pulumi.Output<object>;
}

const invokeCases: InvokeCase[] = [
  {
    exportPath: "machine.getConfiguration",
    file: "machine/getConfiguration.ts",
    argsInterface: "GetConfigurationArgs",
    outputArgsInterface: "GetConfigurationOutputArgs",
    resultInterface: "GetConfigurationResult",
    plain: (a) => talos.machine.getConfiguration(a as unknown as talos.machine.GetConfigurationArgs),
    output: (a, o) => talos.machine.getConfigurationOutput(a as unknown as talos.machine.GetConfigurationOutputArgs, o),
  },
  {
    exportPath: "client.getConfiguration",
    file: "client/getConfiguration.ts",
    argsInterface: "GetConfigurationArgs",
    outputArgsInterface: "GetConfigurationOutputArgs",
    resultInterface: "GetConfigurationResult",
    plain: (a) => talos.client.getConfiguration(a as unknown as talos.client.GetConfigurationArgs),
    output: (a, o) => talos.client.getConfigurationOutput(a as unknown as talos.client.GetConfigurationOutputArgs, o),
  },
  {
    exportPath: "cluster.getHealth",
    file: "cluster/getHealth.ts",
    argsInterface: "GetHealthArgs",
    outputArgsInterface: "GetHealthOutputArgs",
    resultInterface: "GetHealthResult",
    plain: (a) => talos.cluster.getHealth(a as unknown as talos.cluster.GetHealthArgs),
    output: (a, o) => talos.cluster.getHealthOutput(a as unknown as talos.cluster.GetHealthOutputArgs, o),
  },
  {
    exportPath: "imagefactory.getUrls",
    file: "imagefactory/getUrls.ts",
    argsInterface: "GetUrlsArgs",
    outputArgsInterface: "GetUrlsOutputArgs",
    resultInterface: "GetUrlsResult",
    plain: (a) => talos.imagefactory.getUrls(a as unknown as talos.imagefactory.GetUrlsArgs),
    output: (a, o) => talos.imagefactory.getUrlsOutput(a as unknown as talos.imagefactory.GetUrlsOutputArgs, o),
  },
];

// ---------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------

describe("@pulumiverse/talos package metadata", () => {
  it("declares the v0.8.1 provider plugin like the published package", () => {
    expect(pkgJson.name).toBe("@pulumiverse/talos");
    expect(pkgJson.version).toBe("0.8.1");
    expect(pkgJson.pulumi).toEqual({
      resource: true,
      name: "talos",
      version: "0.8.1",
      server: "github://api.github.com/pulumiverse",
    });
    expect(schema.name).toBe("talos");
    expect(schema.pluginDownloadURL).toBe("github://api.github.com/pulumiverse");
  });

  it("exposes exactly the bound modules, resources and invokes (all covered below)", () => {
    const namespaces: Record<string, object> = {
      client: talos.client,
      cluster: talos.cluster,
      imagefactory: talos.imagefactory,
      machine: talos.machine,
    };
    // (the test runner's ESM/CJS interop adds a synthetic `default` export)
    const exportsOf = (mod: object): string[] => sorted(Object.keys(mod).filter((k) => k !== "default" && k !== "__esModule"));
    expect(exportsOf(talos)).toEqual(["client", "cluster", "imagefactory", "machine", "types"]);
    expect(exportsOf(talos.types)).toEqual(["input", "output"]);

    const exported: string[] = [];
    for (const [ns, mod] of Object.entries(namespaces)) {
      for (const name of exportsOf(mod)) {
        expect(typeof (mod as Record<string, unknown>)[name], `${ns}.${name}`).toBe("function");
        exported.push(`${ns}.${name}`);
      }
    }
    const covered = [...resourceCases.map((c) => c.exportPath), ...invokeCases.flatMap((c) => [c.exportPath, `${c.exportPath}Output`])];
    expect(sorted(exported)).toEqual(sorted(covered));

    for (const c of resourceCases) {
      const [ns, name] = c.exportPath.split(".") as [string, string];
      const cls = (must(namespaces[ns], ns) as Record<string, unknown>)[name] as { prototype: unknown };
      expect(cls.prototype instanceof pulumi.CustomResource, c.exportPath).toBe(true);
    }
  });
});

describe.each(resourceCases)("resource $exportPath", (c) => {
  const read = new Set<string>();
  let instance: pulumi.CustomResource;
  let seen: { type: string; props: pulumi.Inputs; opts: pulumi.CustomResourceOptions } | undefined;
  let registered: Registration;
  let token: string;
  // looked up lazily so that an unknown token fails the token test below, not the setup
  const resourceSchema = new Proxy({} as SchemaResource, {
    get: (_t, key: keyof SchemaResource) => schemaResource(token)[key],
  });

  beforeAll(async () => {
    const name = `res-${c.className}`;
    instance = c.create(name, recordingArgs(read), {
      transformations: [
        (t) => {
          seen = { type: t.type, props: t.props, opts: t.opts };
          return undefined;
        },
      ],
    });
    await valueOf(instance.urn);
    await valueOf(instance.id);
    const reg = registrations.get(name);
    if (reg === undefined) {
      throw new Error(`${c.exportPath} was not registered`);
    }
    registered = reg;
    token = reg.type;
  });

  it("registers a token that exists in the schema", () => {
    expect(Object.keys(schema.resources)).toContain(token);
    expect(seen?.type).toBe(token);
  });

  it("accepts exactly the schema's input properties", () => {
    const argsMembers = interfaceMembers(c.file, c.argsInterface);
    const schemaInputs = keysOf(resourceSchema.inputProperties);
    for (const name of [...argsMembers, ...read, ...Object.keys(registered.inputs)]) {
      expect(schemaInputs, `${c.exportPath}: '${name}' is not an input of ${token}`).toContain(name);
    }
    // The Args interface, the properties the constructor reads and what it registers all agree ...
    expect(sorted(read)).toEqual(argsMembers);
    expect(sorted(Object.keys(registered.inputs))).toEqual(argsMembers);
    // ... and cover every schema input (including the deprecated write-only *Wo ones, as published).
    expect(argsMembers).toEqual(schemaInputs);
  });

  it("exposes every schema output property as a pulumi.Output", async () => {
    const schemaOutputs = keysOf(resourceSchema.properties);
    expect(classOutputMembers(c.file, c.className)).toEqual(schemaOutputs);
    const fields = instance as unknown as Record<string, unknown>;
    for (const key of schemaOutputs) {
      const out = fields[key];
      expect(pulumi.Output.isInstance(out), `${c.exportPath}.${key}`).toBe(true);
      const expected = key in registered.inputs ? unwrapWire(registered.inputs[key]) : mockOutputValue(key);
      expect(await valueOf(out as pulumi.Output<unknown>), `${c.exportPath}.${key}`).toEqual(expected);
    }
  });

  it("marks exactly the schema's secret properties as secret", async () => {
    if (seen === undefined) {
      throw new Error("transformation did not run");
    }
    const additional = sorted(seen.opts.additionalSecretOutputs ?? []);
    const wrapped: string[] = [];
    for (const [key, value] of Object.entries(seen.props)) {
      if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) {
        wrapped.push(key);
      }
    }
    expect(additional).toEqual(secretKeysOf(resourceSchema.properties));
    expect(sorted(wrapped)).toEqual(secretKeysOf(resourceSchema.inputProperties));
    // ... and those inputs reach the engine as secrets.
    const onTheWire = Object.entries(registered.inputs)
      .filter(([, v]) => isWireSecret(v))
      .map(([k]) => k);
    expect(sorted(onTheWire)).toEqual(secretKeysOf(resourceSchema.inputProperties));
    expect(sorted([...additional, ...wrapped])).toEqual(
      sorted([...secretKeysOf(resourceSchema.properties), ...secretKeysOf(resourceSchema.inputProperties)]),
    );
  });

  it("pins the provider plugin version and download URL", () => {
    expect(seen?.opts.version).toBe("0.8.1");
    expect(seen?.opts.pluginDownloadURL).toBe(schema.pluginDownloadURL);
  });
});

describe.each(invokeCases)("invoke $exportPath", (c) => {
  async function callPlain(): Promise<{ read: string[]; call: InvokeCall; result: object }> {
    const read = new Set<string>();
    const before = invokeCalls.length;
    const result = await c.plain(recordingArgs(read));
    expect(invokeCalls.length).toBe(before + 1);
    return { read: sorted(read), call: must(invokeCalls[before], `${c.exportPath} call`), result };
  }

  async function callOutput(
    opts?: pulumi.InvokeOutputOptions,
  ): Promise<{ read: string[]; call: InvokeCall; output: pulumi.Output<object> }> {
    const read = new Set<string>();
    const before = invokeCalls.length;
    const output = c.output(recordingArgs(read), opts);
    expect(pulumi.Output.isInstance(output)).toBe(true);
    await valueOf(output);
    expect(invokeCalls.length).toBe(before + 1);
    return { read: sorted(read), call: must(invokeCalls[before], `${c.exportPath}Output call`), output };
  }

  it("calls a token that exists in the schema, with only schema inputs (promise form)", async () => {
    const { read, call, result } = await callPlain();
    expect(Object.keys(schema.functions)).toContain(call.token);
    const fn = schemaFunction(call.token);
    const schemaInputs = keysOf(fn.inputs?.properties);
    const argsMembers = interfaceMembers(c.file, c.argsInterface);
    for (const name of [...argsMembers, ...read, ...Object.keys(call.inputs)]) {
      expect(schemaInputs, `${c.exportPath}: '${name}' is not an input of ${call.token}`).toContain(name);
    }
    expect(read).toEqual(argsMembers);
    expect(sorted(Object.keys(call.inputs))).toEqual(argsMembers);
    expect(argsMembers).toEqual(schemaInputs);
    expect(interfaceMembers(c.file, c.resultInterface)).toEqual(keysOf(fn.outputs.properties));
    expect(sorted(Object.keys(result))).toEqual(keysOf(fn.outputs.properties));
  });

  it("has an Output form on the same token with the same inputs", async () => {
    const plain = await callPlain();
    const { read, call } = await callOutput();
    expect(call.token).toBe(plain.call.token);
    const argsMembers = interfaceMembers(c.file, c.outputArgsInterface);
    expect(read).toEqual(argsMembers);
    expect(sorted(Object.keys(call.inputs))).toEqual(argsMembers);
    expect(argsMembers).toEqual(keysOf(schemaFunction(call.token).inputs?.properties));
  });

  it("keeps provider-marked secret outputs secret (Output form uses invokeOutput)", async () => {
    const { call, output } = await callOutput();
    const fn = schemaFunction(call.token);
    // No top-level invoke input is secret in the schema, so (as published) nothing is wrapped.
    expect(secretKeysOf(fn.inputs?.properties)).toEqual([]);
    const secretOutputs = secretKeysOf(fn.outputs.properties);
    expect(await pulumi.isSecret(output)).toBe(secretOutputs.length > 0);
  });
});

describe("invoke options", () => {
  it("Output-form invokes accept InvokeOutputOptions.dependsOn and wait for it", async () => {
    const dep = new talos.machine.Bootstrap("health-dependency", { node: "10.0.0.1" });
    const before = events.length;
    const health = talos.cluster.getHealthOutput(
      {
        clientConfiguration: { caCertificate: "ca", clientCertificate: "crt", clientKey: pulumi.secret("key") },
        controlPlaneNodes: ["10.0.0.1"],
        endpoints: ["10.0.0.1"],
      },
      { dependsOn: [dep] },
    );
    expect((await valueOf(health)).id).toBe(mockOutputValue("id"));
    const tail = events.slice(before);
    expect(tail.indexOf("register:health-dependency")).toBeGreaterThanOrEqual(0);
    expect(tail.indexOf("call:talos:cluster/getHealth:getHealth")).toBeGreaterThan(tail.indexOf("register:health-dependency"));
  });
});

describe("types.input / types.output", () => {
  const inputIfaces = namespacedInterfaces("types/input.ts");
  const outputIfaces = namespacedInterfaces("types/output.ts");

  it("every interface has exactly the property names of its schema type", () => {
    for (const [ifaces, isInput] of [
      [inputIfaces, true],
      [outputIfaces, false],
    ] as const) {
      for (const [qualified, members] of ifaces) {
        const token = schemaTypeFor(qualified, isInput);
        expect(members, `${isInput ? "input" : "output"} ${qualified} vs ${token}`).toEqual(keysOf(schemaType(token).properties));
      }
    }
  });

  it("covers every object type the bound resources and invokes reference", async () => {
    // Tokens as the binding registers / calls them (fresh instances, independent of the tests above).
    const boundResources: string[] = [];
    for (const c of resourceCases) {
      const name = `types-${c.className}`;
      await valueOf(c.create(name, recordingArgs(new Set()), {}).urn);
      boundResources.push(registrations.get(name)?.type ?? `unregistered ${c.exportPath}`);
    }
    const boundFunctions: string[] = [];
    for (const c of invokeCases) {
      const before = invokeCalls.length;
      await c.plain(recordingArgs(new Set()));
      boundFunctions.push(invokeCalls[before]?.token ?? `uncalled ${c.exportPath}`);
    }
    for (const token of boundResources) {
      expect(Object.keys(schema.resources)).toContain(token);
    }
    for (const token of boundFunctions) {
      expect(Object.keys(schema.functions)).toContain(token);
    }

    const neededInputs = new Set<string>();
    const neededInvokeInputs = new Set<string>();
    const neededOutputs = new Set<string>();
    for (const token of boundResources) {
      referencedTypes(schemaResource(token).inputProperties).forEach((t) => neededInputs.add(t));
      referencedTypes(schemaResource(token).properties).forEach((t) => neededOutputs.add(t));
    }
    for (const token of boundFunctions) {
      referencedTypes(schemaFunction(token).inputs?.properties).forEach((t) => neededInvokeInputs.add(t));
      referencedTypes(schemaFunction(token).outputs.properties).forEach((t) => neededOutputs.add(t));
    }

    const inputsByType = new Map<string, string[]>();
    for (const qualified of inputIfaces.keys()) {
      const token = schemaTypeFor(qualified, true);
      inputsByType.set(token, [...(inputsByType.get(token) ?? []), must(qualified.split(".")[1], qualified)]);
    }
    const outputTypes = new Set([...outputIfaces.keys()].map((q) => schemaTypeFor(q, false)));

    for (const token of neededInputs) {
      expect(inputsByType.has(token), `types.input lacks ${token}`).toBe(true);
    }
    for (const token of neededInvokeInputs) {
      // invokes take the plain interface, Output-form invokes the `...Args` one
      const names = inputsByType.get(token) ?? [];
      expect(
        names.some((n) => !n.endsWith("Args")),
        `types.input lacks plain ${token}`,
      ).toBe(true);
      expect(
        names.some((n) => n.endsWith("Args")),
        `types.input lacks ${token} Args`,
      ).toBe(true);
    }
    for (const token of neededOutputs) {
      expect(outputTypes.has(token), `types.output lacks ${token}`).toBe(true);
    }
  });
});
