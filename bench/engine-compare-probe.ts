import { createRequire } from 'node:module';

/**
 * One fresh process of the engine comparison (bench/engine-compare.ts starts it from build/, so
 * both sides load as plain JavaScript). It reads a ProbeInput on stdin and writes a ProbeOutput on
 * stdout. In this one process: load hubfix's engine and cdk-ssm-documents (timed, the order given),
 * run each side's first execution of a document it has never seen (cold: parse, compile or build
 * the construct, run), then, when asked, steady-state executions of that same document, the two
 * sides alternating in short slices so that the machine's noise falls on both alike.
 *
 * Both sides run the same document text with the same parameters, and every AWS request of either
 * is answered by one CannedAnswers table: the same lookup (by service, operation and input), the
 * same response object, no copy — so neither side pays for a mock the other does not. Every
 * execution must succeed; the cold run and the last warm run of each side are checked for the
 * number of AWS calls, the steps run and the last output.
 */

/** A canned AWS answer: `operation` in PascalCase, `input` exactly as the request carries it. */
export interface CannedAnswer {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  answer: Record<string, unknown>;
}

/**
 * The AWS answers both sides get: looked up by service, operation (either side's casing) and the
 * request's input as JSON, returned as the same object every time. Counts the calls it answers.
 */
export class CannedAnswers {
  calls = 0;
  private readonly byRequest = new Map<string, Record<string, unknown>>();
  constructor(answers: readonly CannedAnswer[]) {
    for (const a of answers) this.byRequest.set(CannedAnswers.key(a.service, a.operation, a.input), a.answer);
  }
  private static key(service: string, operation: string, input: unknown): string {
    return `${service.toLowerCase()} ${operation.charAt(0).toUpperCase()}${operation.slice(1)} ${JSON.stringify(input)}`;
  }
  answer(service: string, operation: string, input: unknown): Record<string, unknown> {
    const found = this.byRequest.get(CannedAnswers.key(service, operation, input));
    if (!found) throw new Error(`no canned answer for ${service} ${operation} ${JSON.stringify(input)}`);
    this.calls++;
    return found;
  }
}

export interface ProbeInput {
  /** Where bench/compare/package.json is (the simulator is resolved from there). */
  compareDir: string;
  documentJson: string;
  params: Record<string, string>;
  steps: number;
  /** The step output the checks read (`Describe49.GroupId`) and its expected value, as a list. */
  lastStep: string;
  lastOutput: string;
  expected: string[];
  answers: CannedAnswer[];
  /** False when the simulator cannot express the case: it is run once, and must fail, to say why. */
  simulatorComparable: boolean;
  hubfixFirst: boolean;
  /** Steady-state time per side (0: cold only). */
  warmMs: number;
}

export interface Warm {
  executions: number;
  ms: number;
}

/** A side's first execution: preparing the document (parse and compile, or build the construct), then running it. */
export interface Cold {
  prepareMs: number;
  /** The part of prepareMs spent in the simulator's first `new Stack()` (aws-cdk-lib finishes loading there). */
  stackMs?: number;
  runMs: number;
}

export interface ProbeOutput {
  loadMs: { hubfix: number; simulator: number };
  cold: { hubfix: Cold; simulator?: Cold };
  warm?: { hubfix: Warm; simulator?: Warm };
  /** Why the simulator could not run the case (when simulatorComparable is false). */
  simulatorFailure?: string;
}

interface SimResult {
  responseCode: number;
  outputs?: Record<string, unknown>;
  stackTrace?: string;
  executedSteps?: string[];
}
/** cdk-ssm-documents' IAwsInvoker (its awsApi is lowerCamelCase, its service an AwsService). */
interface SimInvoker {
  invoke(invocation: { service: { namespace: string }; awsApi: string; awsParams: Record<string, unknown> }): unknown;
}
/** The part of cdk-ssm-documents' API the comparison uses (its typings live in bench/compare/node_modules). */
interface SsmDocumentsApi {
  StringDocument: { fromJson(scope: unknown, id: string, json: string): unknown };
  Simulation: { ofAutomation(doc: unknown, props: { awsInvoker: SimInvoker }): { simulate(inputs: Record<string, unknown>): SimResult } };
  ResponseCode: { SUCCESS: number };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function same(a: unknown, b: string[]): boolean {
  return JSON.stringify(Array.isArray(a) ? a : [a]) === JSON.stringify(b);
}

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

async function main(input: ProbeInput): Promise<ProbeOutput> {
  // The simulator logs every step with console.log; the comparison measures the engines, not a terminal.
  console.log = () => {};
  const fromCompare = createRequire(`${input.compareDir}/package.json`);

  let engine!: typeof import('../src/engine/engine');
  let compile!: typeof import('../src/engine/compile');
  let clockModule!: typeof import('../src/engine/clock');
  let Stack!: new () => unknown;
  let ssm!: SsmDocumentsApi;
  const loadHubfix = () => {
    engine = require('../src/engine/engine');
    compile = require('../src/engine/compile');
    clockModule = require('../src/engine/clock');
  };
  const loadSimulator = () => {
    ({ Stack } = fromCompare('aws-cdk-lib') as { Stack: new () => unknown });
    const m = fromCompare('@cdklabs/cdk-ssm-documents') as SsmDocumentsApi;
    ssm = {
      StringDocument: m.StringDocument,
      Simulation: m.Simulation,
      ResponseCode: m.ResponseCode,
    };
  };
  const loadMs = { hubfix: 0, simulator: 0 };
  for (const side of input.hubfixFirst ? ['hubfix', 'simulator'] : ['simulator', 'hubfix']) {
    if (side === 'hubfix') loadMs.hubfix = await timed(loadHubfix);
    else loadMs.simulator = await timed(loadSimulator);
  }

  // hubfix: the document object is compiled once (runAutomation finds it compiled) and reused after.
  const hubAnswers = new CannedAnswers(input.answers);
  const invoker: import('../src/aws/invoker').Invoker = { call: async (c) => hubAnswers.answer(c.service, c.operation, c.input) };
  const clock = new clockModule.VirtualClock();
  let hubDoc!: import('../src/engine/engine').RunnableDocument;
  const hubPrepare = () => {
    hubDoc = { name: 'Bench-Compare', document: JSON.parse(input.documentJson) };
    compile.compileDocument(hubDoc.document, hubDoc.name);
  };
  const hubRun = async (check: boolean) => {
    const r = await engine.runAutomation(hubDoc, input.params, { invoker, clock, region: 'us-east-1', account: '111122223333' });
    if (r.status !== 'Success') throw new Error(`hubfix execution ended ${r.status}: ${r.record.FailureMessage}`);
    if (check) {
      const last = r.record.StepExecutions.at(-1);
      if (hubAnswers.calls !== input.steps || r.record.StepExecutions.length !== input.steps)
        throw new Error(`hubfix made ${hubAnswers.calls} calls over ${r.record.StepExecutions.length} steps, expected ${input.steps}`);
      if (last?.StepName !== input.lastStep || !same(last.Outputs?.[input.lastOutput], input.expected))
        throw new Error(`hubfix's last output is ${JSON.stringify(last?.Outputs)}, expected ${JSON.stringify(input.expected)}`);
    }
    hubAnswers.calls = 0;
  };

  // cdk-ssm-documents: the document construct (in a Stack, as its API needs) is built once and reused after.
  const simAnswers = new CannedAnswers(input.answers);
  const simInvoker: SimInvoker = { invoke: (i) => simAnswers.answer(i.service.namespace, i.awsApi, i.awsParams) };
  let simDoc: unknown;
  let stackMs = 0;
  const simPrepare = () => {
    const t = now();
    const stack = new Stack();
    stackMs = now() - t;
    simDoc = ssm.StringDocument.fromJson(stack, 'BenchCompare', input.documentJson);
  };
  const simRun = (check: boolean) => {
    const r = ssm.Simulation.ofAutomation(simDoc, { awsInvoker: simInvoker }).simulate({ ...input.params });
    if (r.responseCode !== ssm.ResponseCode.SUCCESS)
      throw new SimulatorFailed(r.stackTrace?.split('\n')[0] ?? `response code ${r.responseCode}`);
    if (check) {
      const steps = r.executedSteps?.length ?? 0;
      if (simAnswers.calls !== input.steps || steps !== input.steps)
        throw new Error(`cdk-ssm-documents made ${simAnswers.calls} calls over ${steps} steps, expected ${input.steps}`);
      const last = r.outputs?.[`${input.lastStep}.${input.lastOutput}`];
      if (!same(last, input.expected))
        throw new Error(`cdk-ssm-documents' last output is ${JSON.stringify(last)}, expected ${JSON.stringify(input.expected)}`);
    }
    simAnswers.calls = 0;
  };

  const out: ProbeOutput = { loadMs, cold: { hubfix: { prepareMs: 0, runMs: 0 } } };
  const simulatorOk = input.simulatorComparable;
  const coldSimulator = async () => {
    const prepareMs = await timed(simPrepare);
    try {
      const runMs = await timed(() => simRun(true));
      if (!input.simulatorComparable)
        throw new Error('cdk-ssm-documents ran a case the bench calls inexpressible for it; compare it instead');
      out.cold.simulator = { prepareMs, stackMs, runMs };
    } catch (err) {
      if (input.simulatorComparable || !(err instanceof SimulatorFailed)) throw err;
      out.simulatorFailure = err.message;
    }
  };
  for (const side of input.hubfixFirst ? ['hubfix', 'simulator'] : ['simulator', 'hubfix']) {
    if (side === 'hubfix') out.cold.hubfix = { prepareMs: await timed(hubPrepare), runMs: await timed(() => hubRun(true)) };
    else await coldSimulator();
  }
  if (input.warmMs <= 0) return out;

  const sides: Array<{ run: (check: boolean) => Promise<void> | void; warm: Warm }> = [{ run: hubRun, warm: { executions: 0, ms: 0 } }];
  if (simulatorOk) sides.push({ run: simRun, warm: { executions: 0, ms: 0 } });
  for (const s of sides) {
    const until = now() + Math.min(500, input.warmMs / 4);
    while (now() < until) await s.run(false); // warm up (JIT, caches)
  }
  const SLICES = 10;
  for (let slice = 0; slice < SLICES; slice++) {
    for (const s of slice % 2 === 0 ? sides : [...sides].reverse()) {
      const start = now();
      const until = start + input.warmMs / SLICES;
      let n = 0;
      do {
        await s.run(false);
        n++;
      } while (now() < until);
      s.warm.ms += now() - start;
      s.warm.executions += n;
    }
  }
  for (const s of sides) await s.run(true);
  out.warm = { hubfix: sides[0].warm };
  if (simulatorOk) out.warm.simulator = sides[1].warm;
  return out;
}

class SimulatorFailed extends Error {}

if (require.main === module) {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    text += chunk;
  });
  process.stdin.on('end', () => {
    main(JSON.parse(text) as ProbeInput).then(
      (out) => process.stdout.write(JSON.stringify(out)),
      (err) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  });
}
