import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { compileAll } from '../../src/compiler';

/**
 * A stand-in for the three AWS endpoints the step runner's first plan step of
 * Hubfix-IAM-PasswordPolicy reaches, spoken in their real protocols (SSM JSON 1.1, STS and IAM
 * query/XML), so that a fresh `node` loading the built step-runner bundle can be pointed at it
 * with AWS_ENDPOINT_URL and run a script step end to end: the execution check, the role
 * assumption and the handler's own call. Each request is recorded as `service:Operation`.
 */

export const STUB_ACCOUNT = '111111111111';
export const STUB_EXECUTION = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
export const STUB_DOCUMENT = 'Hubfix-IAM-PasswordPolicy';
export const STUB_ROLE = `arn:aws:iam::${STUB_ACCOUNT}:role/hubfix-IAM-PasswordPolicy`;
export const STUB_FUNCTION_ARN = `arn:aws:lambda:us-east-1:${STUB_ACCOUNT}:function:hubfix-step-runner`;
const INPUT = { MinimumPasswordLength: 14, PasswordReusePrevention: 24, MaxPasswordAgeDays: 90, HardExpiry: 'Keep' };

/** The payload SSM sends the step runner for the document's Plan step. */
export const STUB_EVENT = { handler: 'iamPasswordPolicy.plan', roleArn: STUB_ROLE, executionId: STUB_EXECUTION, input: INPUT };

/** The step an execution is at, as the stand-in's GetAutomationExecution tells it. */
export interface StubStep {
  step: string;
  event: { handler: string; roleArn: string; executionId: string; input: Record<string, unknown> };
  parameters: Record<string, string[]>;
}

const PLAN: StubStep = { step: 'Plan', event: STUB_EVENT, parameters: { AutomationAssumeRole: [STUB_ROLE], FindingId: ['finding-1'] } };

function executionRecord(at: StubStep) {
  return {
    AutomationExecution: {
      AutomationExecutionId: STUB_EXECUTION,
      DocumentName: STUB_DOCUMENT,
      AutomationExecutionStatus: 'InProgress',
      CurrentStepName: at.step,
      Parameters: at.parameters,
      StepExecutions: [
        {
          StepName: at.step,
          Action: 'aws:invokeLambdaFunction',
          StepStatus: 'InProgress',
          Inputs: { FunctionName: 'hubfix-step-runner', InputPayload: JSON.stringify(at.event) },
        },
      ],
    },
  };
}

const ASSUME_ROLE = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIASTUB</AccessKeyId><SecretAccessKey>stub-secret</SecretAccessKey><SessionToken>stub-token</SessionToken>
<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROASTUB:hubfix-${STUB_EXECUTION}</AssumedRoleId><Arn>arn:aws:sts::${STUB_ACCOUNT}:assumed-role/hubfix-IAM-PasswordPolicy/hubfix-${STUB_EXECUTION}</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></AssumeRoleResponse>`;

const PASSWORD_POLICY = `<GetAccountPasswordPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountPasswordPolicyResult>
<PasswordPolicy><MinimumPasswordLength>8</MinimumPasswordLength><RequireSymbols>false</RequireSymbols><RequireNumbers>true</RequireNumbers>
<RequireUppercaseCharacters>false</RequireUppercaseCharacters><RequireLowercaseCharacters>true</RequireLowercaseCharacters>
<AllowUsersToChangePassword>true</AllowUsersToChangePassword><ExpirePasswords>false</ExpirePasswords></PasswordPolicy>
</GetAccountPasswordPolicyResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></GetAccountPasswordPolicyResponse>`;

/**
 * The Finalize step of the same document, as SSM resolves it, and the finding it records on (an IAM.15
 * finding of the stand-in's account, as Security Hub sends it): the finalizer reads it, checks it
 * belongs to this run by the catalog, and writes its note (no topic: nothing published).
 */
export function finalizeScenario(): { at: StubStep; finding: Record<string, string> } {
  const fixture = path.join(__dirname, '..', 'fixtures', 'events', 'imported-consolidated-iam15.json');
  const event = JSON.parse(fs.readFileSync(fixture, 'utf8').replaceAll('111122223333', STUB_ACCOUNT)) as {
    detail: { findings: Array<Record<string, string>> };
  };
  const finding = event.detail.findings[0];
  const step = compileAll()
    .find((c) => c.name === STUB_DOCUMENT)
    ?.document.mainSteps.find((s) => s.name === 'Finalize');
  if (!step) throw new Error(`${STUB_DOCUMENT} has no Finalize step`);
  const values: Record<string, unknown> = {
    'automation:EXECUTION_ID': STUB_EXECUTION,
    FindingId: finding.Id,
    FindingProductArn: finding.ProductArn,
    NotificationTopicArn: '',
    DryRun: false,
  };
  const resolve = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = /^\{\{ ([\w:]+) \}\}$/.exec(v);
      return m && m[1] in values ? values[m[1]] : v;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  const input = resolve((step.inputs as { InputPayload: { input: unknown } }).InputPayload.input) as Record<string, unknown>;
  return {
    at: {
      step: 'Finalize',
      event: { handler: 'hubfix.finalize', roleArn: STUB_ROLE, executionId: STUB_EXECUTION, input },
      parameters: {
        AutomationAssumeRole: [STUB_ROLE],
        FindingId: [finding.Id],
        FindingProductArn: [finding.ProductArn],
        DryRun: ['false'],
        NotificationTopicArn: [''],
      },
    },
    finding,
  };
}

export interface StubAws {
  url: string;
  requests: string[];
  /** The body of each request, in order (what the step runner sent). */
  bodies: string[];
  close(): Promise<void>;
}

/**
 * `at`: the step the execution is at (default: Plan). `finding`: what Security Hub holds (GetFindings
 * answers with it; BatchUpdateFindings processes it).
 */
export async function startStubAws(options: { at?: StubStep; finding?: Record<string, unknown> } = {}): Promise<StubAws> {
  const requests: string[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      bodies.push(body);
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = new URLSearchParams(body).get('Action') ?? '';
      const answer = (status: number, type: string, text: string) => {
        res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': 'stub' });
        res.end(text);
      };
      if (target === 'AmazonSSM.GetAutomationExecution') {
        requests.push('ssm:GetAutomationExecution');
        answer(200, 'application/x-amz-json-1.1', JSON.stringify(executionRecord(options.at ?? PLAN)));
      } else if (action === 'AssumeRole') {
        requests.push('sts:AssumeRole');
        answer(200, 'text/xml', ASSUME_ROLE);
      } else if (action === 'GetAccountPasswordPolicy') {
        requests.push('iam:GetAccountPasswordPolicy');
        answer(200, 'text/xml', PASSWORD_POLICY);
      } else if (options.finding && req.method === 'POST' && req.url === '/findings') {
        requests.push('securityhub:GetFindings');
        answer(200, 'application/json', JSON.stringify({ Findings: [options.finding] }));
      } else if (options.finding && req.method === 'PATCH' && req.url === '/findings/batchupdate') {
        requests.push('securityhub:BatchUpdateFindings');
        const { Id, ProductArn } = options.finding;
        answer(200, 'application/json', JSON.stringify({ ProcessedFindings: [{ Id, ProductArn }], UnprocessedFindings: [] }));
      } else {
        requests.push(`unexpected:${target || action || req.url}`);
        answer(400, 'application/x-amz-json-1.1', JSON.stringify({ __type: 'UnknownOperationException', message: 'not stubbed' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The environment a fresh process runs the step-runner bundle with: every endpoint is the stub. */
export function stubEnvironment(stub: StubAws): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: stub.url,
    AWS_ACCESS_KEY_ID: 'AKIASTUBRUNNER',
    AWS_SECRET_ACCESS_KEY: 'stub',
  };
}
