import { MockInvoker } from '../src/aws/mock-invoker';
import { VirtualClock } from '../src/engine/clock';
import { runAutomation } from '../src/engine/engine';
import type { AutomationDocument, DocumentStep } from '../src/model/document';
import type { BenchResult } from './types';

/**
 * Engine throughput: a 50-step native document (aws:executeAwsApi steps, each with a Selector
 * output feeding the next step's input) against a mock table, on the virtual clock. Whole
 * executions are run back to back for a fixed time; steps per second is what is reported.
 */

const STEPS = 50;
const TARGET = 50000;

/**
 * How the chain's steps select their output. Default: the plain path `$.SecurityGroups[0].GroupId`
 * into a String, the document's role assumed, the last output declared as the document's output.
 * A StringList output is handed whole to the next step's GroupIds.
 */
export interface ChainShape {
  selector?: string;
  type?: 'String' | 'StringList';
  assumeRole?: boolean;
  documentOutputs?: boolean;
}

export function chainOutputName(shape: ChainShape = {}): string {
  return shape.type === 'StringList' ? 'GroupIds' : 'GroupId';
}

export function benchDocument(steps = STEPS, shape: ChainShape = {}): AutomationDocument {
  const selector = shape.selector ?? '$.SecurityGroups[0].GroupId';
  const type = shape.type ?? 'String';
  const out = chainOutputName(shape);
  const mainSteps: DocumentStep[] = [];
  for (let i = 0; i < steps; i++) {
    const previous = `{{ Describe${i - 1}.${out} }}`;
    mainSteps.push({
      name: `Describe${i}`,
      action: 'aws:executeAwsApi',
      inputs: {
        Service: 'ec2',
        Api: 'DescribeSecurityGroups',
        GroupIds: i === 0 ? ['{{ GroupId }}'] : type === 'StringList' ? previous : [previous],
      },
      outputs: [{ Name: out, Selector: selector, Type: type }],
    });
  }
  const parameters: AutomationDocument['parameters'] = {
    GroupId: { type: 'String', allowedPattern: '^sg-[0-9a-f]{8,17}$' },
  };
  const document: AutomationDocument = { schemaVersion: '0.3', parameters, mainSteps };
  if (shape.assumeRole ?? true) {
    document.assumeRole = '{{ AutomationAssumeRole }}';
    document.parameters = {
      AutomationAssumeRole: { type: 'String', allowedPattern: '^arn:aws:iam::\\d{12}:role/[\\w+=,.@-]+$' },
      ...parameters,
    };
  }
  if (shape.documentOutputs ?? true) document.outputs = [`Describe${steps - 1}.${out}`];
  return document;
}

export async function benchEngine(durationMs = 2000): Promise<BenchResult[]> {
  const document = benchDocument();
  const doc = {
    name: 'Bench-Engine',
    document,
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ec2:DescribeSecurityGroups'], Resource: ['*'] }] },
  };
  const invoker = new MockInvoker({
    mocks: [
      {
        service: 'ec2',
        operation: 'DescribeSecurityGroups',
        input: { GroupIds: ['sg-0123456789abcdef0'] },
        output: { SecurityGroups: [{ GroupId: 'sg-0123456789abcdef0', GroupName: 'default', IpPermissions: [] }] },
      },
    ],
  });
  const params = { AutomationAssumeRole: 'arn:aws:iam::111122223333:role/Bench', GroupId: 'sg-0123456789abcdef0' };
  const clock = new VirtualClock();
  const run = async () => {
    const r = await runAutomation(doc, params, { invoker, clock, region: 'us-east-1' });
    if (r.status !== 'Success') throw new Error(`bench execution ended ${r.status}: ${r.record.FailureMessage}`);
    invoker.calls.length = 0;
  };
  for (let i = 0; i < 50; i++) await run(); // warm up
  let executions = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 20; i++) await run();
    executions += 20;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const stepsPerSecond = Math.round((executions * STEPS) / (elapsed / 1000));
  return [
    {
      name: `engine throughput (${STEPS}-step executeAwsApi document, mock table, virtual clock)`,
      value: stepsPerSecond,
      unit: 'steps/s',
      target: `>= ${TARGET} steps/s`,
      ok: stepsPerSecond >= TARGET,
    },
  ];
}

if (require.main === module) {
  benchEngine().then(
    (results) => {
      for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'MISS'}  ${r.name}: ${r.value} ${r.unit}  (target ${r.target})\n`);
    },
    (err) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
