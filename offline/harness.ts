/**
 * Runs the real program (index.ts) under Pulumi's mock runtime and records
 * what the engine would see: every registration with its parent, dependencies,
 * property dependencies, provider, options and inputs (and which inputs are
 * secret), every invoke, and the stack outputs.
 */
import { resolve } from "node:path";

import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as state from "@pulumi/pulumi/runtime/state";

import { type Behaviour, behaviours, importCheckFailures } from "./mocks";

const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const sigKey = "4dabf18193072939515e22adb298388d";
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface Registration {
  /** Order in which the SDK sent the registration (after its dependencies resolved). */
  seq: number;
  /** Order in which the registration's response came back. */
  doneSeq: number;
  type: string;
  name: string;
  urn: string;
  parent: string;
  custom: boolean;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** Provider reference (`urn::id`), empty for the default provider. */
  provider: string;
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Inputs as sent, with secret markers intact. */
  rawInputs: Record<string, unknown>;
  /** Dotted paths of input values sent as secrets. */
  secretPaths: string[];
  protect: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  replaceWith: string[];
  /** The `import` option: the id of an existing resource to adopt; empty when none. */
  importId: string;
  additionalSecretOutputs: string[];
  /** Names of the resource options set that need engine support (protect, replaceWith, deletedWith, …). */
  engineOptions: string[];
  /** Outputs the mock returned for this resource. */
  state: Record<string, unknown>;
}

export interface InvokeRecord {
  seq: number;
  doneSeq: number;
  token: string;
  args: Record<string, unknown>;
}

/** A `Resource.get` read-back: the engine asks the provider for an existing resource's state. */
export interface ReadRecord {
  type: string;
  name: string;
  id: string;
}

export interface StackOutput {
  value: unknown;
  secret: boolean;
  known: boolean;
}

export interface ProgramRun {
  registrations: Registration[];
  invokes: InvokeRecord[];
  reads: ReadRecord[];
  outputs: Record<string, StackOutput>;
  /** Every registration of a type token. */
  ofType(type: string): Registration[];
  /** The single registration of a type (optionally whose name ends with `suffix`); throws otherwise. */
  one(type: string, suffix?: string): Registration;
  byUrn(urn: string): Registration;
}

export interface RunOptions {
  config: Record<string, string>;
  secretKeys: string[];
  preview?: boolean;
  /** With preview: the stack is already deployed (see MockOptions.deployed). */
  deployed?: boolean;
  /** Per-token overrides of the default mock behaviour. */
  overrides?: Partial<Record<string, Behaviour>>;
  /** Seed of provider-generated values; runs with the same seed share "state". */
  seed?: string;
  /** The program to evaluate; index.ts when absent. */
  program?: Program;
}

type Struct = { toJavaScript(): Record<string, unknown> };
type ListValue = { getUrnsList(): string[] };
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(callback: (value: ListValue, key: string) => void): void };
  getProvider(): string;
  getObject(): Struct;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
  getReplaceWithList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletebeforereplace(): boolean;
  getDeletedwith(): string;
  getReplaceonchangesList(): string[];
  getHidediffsList(): string[];
  getReplacementTrigger(): unknown;
  getImportid(): string;
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}

/** The engine-level resource options a registration sets, by their SDK names. */
function engineOptionsOf(req: RegisterRequest): string[] {
  const timeouts = req.getCustomtimeouts();
  const set: [string, boolean][] = [
    ["protect", req.getProtect()],
    ["ignoreChanges", req.getIgnorechangesList().length > 0],
    ["additionalSecretOutputs", req.getAdditionalsecretoutputsList().length > 0],
    ["retainOnDelete", req.getRetainondelete()],
    ["replaceWith", req.getReplaceWithList().length > 0],
    ["deleteBeforeReplace", req.getDeletebeforereplace()],
    ["deletedWith", req.getDeletedwith() !== ""],
    ["replaceOnChanges", req.getReplaceonchangesList().length > 0],
    ["hideDiffs", req.getHidediffsList().length > 0],
    ["replacementTrigger", req.getReplacementTrigger() !== undefined],
    ["import", req.getImportid() !== ""],
    ["customTimeouts", timeouts !== undefined && [timeouts.getCreate(), timeouts.getUpdate(), timeouts.getDelete()].some((t) => t !== "")],
  ];
  return set.filter(([, on]) => on).map(([name]) => name);
}
interface ReadRequest {
  getType(): string;
  getName(): string;
  getId(): string;
}
interface InvokeRequest {
  getTok(): string;
  getArgs(): Struct;
}
type Callback = (err: unknown, response: unknown) => void;

function isSecretMarker(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[sigKey] === secretSig;
}

/** Unwraps secret markers and collects the paths where they were. */
export function unwrapSecrets(value: unknown, path = "", found: string[] = []): unknown {
  if (isSecretMarker(value)) {
    found.push(path);
    return unwrapSecrets(value.value, path, []);
  }
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, found));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, found)]));
  }
  return value;
}

/**
 * What the engine does with `additionalSecretOutputs` before it answers the program: an output that is not
 * secret at its top level is wrapped as a secret whole, whatever secrets it already holds inside
 * (pulumi/pulumi v3.248.0 pkg/resource/deploy/step_executor.go: `if v, has := newState.Outputs[k]; has &&
 * !v.IsSecret() { newState.Outputs[k] = resource.MakeSecret(v) }`). The Node SDK does not lift the secrets
 * nested in such a value (runtime/rpc.js deserializeProperty, secret case), so the program then sees a secret
 * marker object in place of the value: a real run of the program showed it.
 */
function markAdditionalSecretOutputs(response: { getObject(): Struct; setObject(value: Struct): void }, keys: string[]): void {
  if (keys.length === 0) return;
  const object = response.getObject().toJavaScript();
  let changed = false;
  for (const key of keys) {
    if (!(key in object) || isSecretMarker(object[key])) continue;
    object[key] = { [sigKey]: secretSig, value: object[key] };
    changed = true;
  }
  if (!changed) return;
  const struct = response.getObject().constructor as unknown as { fromJavaScript(value: Record<string, unknown>): Struct };
  response.setObject(struct.fromJavaScript(object));
}

/** Every plain (non-secret) string in a value as sent to the engine. */
export function plainStrings(value: unknown): string[] {
  if (isSecretMarker(value)) return [];
  if (typeof value === "string") return value === unknownValue ? [] : [value];
  if (Array.isArray(value)) return value.flatMap(plainStrings);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(plainStrings);
  return [];
}

/** Wraps the mock monitor's RPCs so every registration and invoke is recorded, then handled as usual. */
class Recorder {
  private seq = 0;
  readonly registrations: Registration[] = [];
  readonly invokes: InvokeRecord[] = [];
  readonly reads: ReadRecord[] = [];
  /**
   * Imported resources the provider's Check refused. The engine stops the run
   * on the first ("resource … is invalid"); the mock lets the program finish
   * (a failed registration would leave every output of it rejected and
   * unhandled) and fails the run afterwards.
   */
  readonly invalid: string[] = [];

  constructor(monitor: MockMonitor) {
    const register = monitor.registerResource.bind(monitor);
    const invoke = monitor.invoke.bind(monitor);
    const read = monitor.readResource.bind(monitor);
    monitor.registerResource = (req: RegisterRequest, callback: Callback) => {
      const recorded = this.recordRegistration(req, callback);
      const registration = this.registrations[this.registrations.length - 1] as Registration;
      const failures = importCheckFailures(registration.type, registration.importId, registration.inputs, registration.ignoreChanges);
      if (failures.length > 0)
        this.invalid.push(`${registration.type} resource '${registration.name}' is invalid after its import: ${failures.join("; ")}`);
      return register(req, recorded);
    };
    monitor.invoke = (req: InvokeRequest, callback: Callback) => invoke(req, this.recordInvoke(req, callback));
    monitor.readResource = (req: ReadRequest, callback: Callback) => {
      this.reads.push({ type: req.getType(), name: req.getName(), id: req.getId() });
      return read(req, callback);
    };
  }

  private recordRegistration(req: RegisterRequest, callback: Callback): Callback {
    const rawInputs = req.getObject().toJavaScript();
    const secretPaths: string[] = [];
    const inputs = unwrapSecrets(rawInputs, "", secretPaths) as Record<string, unknown>;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const registration: Registration = {
      seq: ++this.seq,
      doneSeq: 0,
      type: req.getType(),
      name: req.getName(),
      urn: "",
      parent: req.getParent(),
      custom: req.getCustom(),
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      provider: req.getProvider(),
      inputs,
      rawInputs,
      secretPaths,
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      ignoreChanges: req.getIgnorechangesList(),
      replaceWith: req.getReplaceWithList(),
      importId: req.getImportid(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      engineOptions: engineOptionsOf(req),
      state: {},
    };
    this.registrations.push(registration);
    return (err, response) => {
      registration.doneSeq = ++this.seq;
      const r = response as { getUrn(): string; getObject(): Struct; setObject(value: Struct): void } | undefined;
      if (r) {
        markAdditionalSecretOutputs(r, registration.additionalSecretOutputs);
        registration.urn = r.getUrn();
        registration.state = unwrapSecrets(r.getObject().toJavaScript()) as Record<string, unknown>;
      }
      callback(err, response);
    };
  }

  private recordInvoke(req: InvokeRequest, callback: Callback): Callback {
    const record: InvokeRecord = {
      seq: ++this.seq,
      doneSeq: 0,
      token: req.getTok(),
      args: unwrapSecrets(req.getArgs().toJavaScript()) as Record<string, unknown>,
    };
    this.invokes.push(record);
    return (err, response) => {
      record.doneSeq = ++this.seq;
      callback(err, response);
    };
  }
}

interface OutputInternals {
  promise(): Promise<unknown>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
}

export type Program = () => Promise<Record<string, pulumi.Output<unknown>>>;

async function loadProgram(): Promise<Program> {
  // Under a CommonJS TypeScript hook (tsx, as `npm run plan` runs), require keeps the SDKs on Node's own
  // loader; anywhere else (vitest) the ESM import.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the only way to see a CommonJS .ts hook
  const commonJs = typeof require === "function" && ".ts" in require.extensions;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const mod = (commonJs ? require("../index") : await import("../index.js")) as unknown as { default?: Program } & Program;
  return typeof mod.default === "function" ? mod.default : mod;
}

/** The project directory, where Pulumi.yaml is. */
const projectDirectory = resolve(__dirname, "..");

/**
 * Gives the mock runtime the project directory the engine would: the language
 * host passes it as --root-directory (@pulumi/pulumi cmd/run/index.js), while
 * the mock runtime keeps the placeholder "rootDirectory" (runtime/state.js),
 * against which a relative flux.localCheckout would not resolve.
 */
function setRootDirectory(dir: string): void {
  const { getStore } = state as unknown as { getStore?: () => { settings: { options: { rootDirectory?: string } } } };
  if (getStore === undefined) throw new Error("@pulumi/pulumi no longer exports runtime/state getStore");
  getStore().settings.options.rootDirectory = dir;
}

/** Waits until no registration or invoke is in flight. */
async function settle(): Promise<void> {
  const runtime = pulumi.runtime as typeof pulumi.runtime & { waitForRPCs?: () => Promise<void> };
  if (runtime.waitForRPCs === undefined) throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs");
  await runtime.waitForRPCs();
}

async function start(options: RunOptions): Promise<{ recorder: Recorder; program: Program }> {
  const preview = options.preview ?? false;
  const mocks = behaviours({
    preview,
    deployed: options.deployed ?? false,
    overrides: options.overrides ?? {},
    ...(options.seed ? { seed: options.seed } : {}),
  });
  await pulumi.runtime.setMocks(mocks, "homelab", "homelab", preview);
  setRootDirectory(projectDirectory);
  const recorder = new Recorder(pulumi.runtime.getMonitor() as unknown as MockMonitor);
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);
  return { recorder, program: options.program ?? (await loadProgram()) };
}

/**
 * Pulumi captures a stack trace for every resource (its source position) and
 * every RPC promise (`debuggablePromise`); with source maps on, as tsx turns them
 * on, mapping those frames costs more than the evaluation itself, and the mock
 * runtime never reads a source position. Off while the program runs.
 */
async function withoutSourceMaps<T>(work: () => Promise<T>): Promise<T> {
  const enabled = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    return await work();
  } finally {
    process.setSourceMapsEnabled(enabled);
  }
}

/** Evaluates index.ts once with the given config; rejects with the program's error. */
export function runProgram(options: RunOptions): Promise<ProgramRun> {
  return withoutSourceMaps(() => evaluate(options));
}

async function evaluate(options: RunOptions): Promise<ProgramRun> {
  const { recorder, program } = await start(options);
  const exported = await program();
  await settle();
  if (recorder.invalid.length > 0) throw new Error(recorder.invalid.join("\n"));
  const outputs: Record<string, StackOutput> = {};
  for (const [key, output] of Object.entries(exported)) {
    const o = output as unknown as OutputInternals;
    outputs[key] = { value: await o.promise(), known: await o.isKnown, secret: await o.isSecret };
  }
  await settle();

  const registrations = recorder.registrations;
  return {
    registrations,
    invokes: recorder.invokes,
    reads: recorder.reads,
    outputs,
    ofType: (type) => registrations.filter((r) => r.type === type),
    one: (type, suffix) => {
      const found = registrations.filter((r) => r.type === type && (suffix === undefined || r.name.endsWith(suffix)));
      if (found.length !== 1) throw new Error(`expected one ${type}${suffix ? ` named *${suffix}` : ""}, found ${found.length}`);
      return found[0] as Registration;
    },
    byUrn: (urn) => {
      const found = registrations.find((r) => r.urn === urn);
      if (!found) throw new Error(`no registration with urn ${urn}`);
      return found;
    },
  };
}

/** Evaluates index.ts expecting it to fail; returns the error and whatever was registered before it. */
export async function runFailingProgram(options: RunOptions): Promise<{ error: unknown; registrations: Registration[] }> {
  const { recorder, program } = await start(options);
  try {
    await program();
  } catch (error) {
    await settle();
    return { error, registrations: recorder.registrations };
  }
  await settle();
  if (recorder.invalid.length > 0) return { error: new Error(recorder.invalid.join("\n")), registrations: recorder.registrations };
  throw new Error("the program succeeded where a failure was expected");
}
