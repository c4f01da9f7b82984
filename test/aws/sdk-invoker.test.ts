import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import * as sinon from 'sinon';
import type { AwsServiceError } from '../../src/aws/invoker';
import { SdkInvoker, toJsonShape } from '../../src/aws/sdk-invoker';

async function rejection(p: Promise<unknown>): Promise<AwsServiceError> {
  try {
    await p;
  } catch (err) {
    return err as AwsServiceError;
  }
  throw new Error('expected a rejection');
}

describe('SdkInvoker', () => {
  afterEach(() => sinon.restore());

  it("dispatches (service, operation) to the service client's <Operation>Command and strips $metadata", async () => {
    const send = sinon
      .stub(IAMClient.prototype, 'send')
      .resolves({ $metadata: { httpStatusCode: 200 }, PasswordPolicy: { MinimumPasswordLength: 14 } } as never);
    const inv = new SdkInvoker({ credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const out = await inv.call({ service: 'iam', operation: 'GetAccountPasswordPolicy', input: {}, region: 'us-east-1' });
    expect(out).to.deep.equal({ PasswordPolicy: { MinimumPasswordLength: 14 } });
    const command = send.firstCall.args[0] as { constructor: { name: string }; input: unknown };
    expect(command.constructor.name).to.equal('GetAccountPasswordPolicyCommand');
    expect(command.input).to.deep.equal({});
  });

  it('turns dates into ISO 8601 strings, as a JSON answer has them', async () => {
    sinon.stub(IAMClient.prototype, 'send').resolves({ User: { UserName: 'a', CreateDate: new Date(Date.UTC(2024, 4, 1)) } } as never);
    const out = await new SdkInvoker().call({
      service: 'iam',
      operation: 'GetUser',
      input: { UserName: 'a' },
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    expect(out).to.deep.equal({ User: { UserName: 'a', CreateDate: '2024-05-01T00:00:00.000Z' } });
  });

  it('keeps one client per service, Region and credentials', async () => {
    const send = sinon.stub(IAMClient.prototype, 'send').resolves({} as never);
    const inv = new SdkInvoker();
    const creds = { accessKeyId: 'k1', secretAccessKey: 's' };
    await inv.call({ service: 'iam', operation: 'GetUser', input: {}, region: 'us-east-1', credentials: creds });
    await inv.call({ service: 'iam', operation: 'ListUsers', input: {}, region: 'us-east-1', credentials: creds });
    await inv.call({
      service: 'iam',
      operation: 'GetUser',
      input: {},
      region: 'us-east-1',
      credentials: { accessKeyId: 'k2', secretAccessKey: 's' },
    });
    const clients = new Set(send.getCalls().map((c) => c.thisValue));
    expect(clients.size).to.equal(2);
  });

  it('passes the credentials, the Region and an endpoint override (path-style for s3) to the client', async () => {
    const configs: Array<Record<string, unknown>> = [];
    const load = (pkg: string) => {
      class FakeClient {
        constructor(config: Record<string, unknown>) {
          configs.push({ pkg, ...config });
        }
        async send() {
          return { ok: true };
        }
      }
      class ListBucketsCommand {
        constructor(readonly input: unknown) {}
      }
      return { FakeClient, ListBucketsCommand };
    };
    const inv = new SdkInvoker({ endpoint: 'http://127.0.0.1:5000', load });
    const creds = { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'T' };
    expect(await inv.call({ service: 's3', operation: 'ListBuckets', input: {}, region: 'eu-west-1', credentials: creds })).to.deep.equal({
      ok: true,
    });
    expect(configs).to.deep.equal([
      {
        pkg: '@aws-sdk/client-s3',
        region: 'eu-west-1',
        credentials: creds,
        endpoint: 'http://127.0.0.1:5000',
        forcePathStyle: true,
        // the SDK's standard retry is the one retry layer
        maxAttempts: 3,
        retryMode: 'standard',
      },
    ]);
  });

  it('an unknown service or operation is an AwsServiceError with a clear message', async () => {
    const inv = new SdkInvoker();
    const svc = await rejection(inv.call({ service: 'rds', operation: 'DescribeDBInstances', input: {}, region: 'us-east-1' }));
    expect(svc.code).to.equal('UnknownService');
    expect(svc.message).to.match(/unknown service "rds"/);
    const op = await rejection(inv.call({ service: 'iam', operation: 'GetPasswordPolicyPlease', input: {}, region: 'us-east-1' }));
    expect(op.code).to.equal('UnknownOperation');
    expect(op.message).to.equal('iam has no operation GetPasswordPolicyPlease (no GetPasswordPolicyPleaseCommand in @aws-sdk/client-iam)');
  });

  it('lets AWS errors through with their code', async () => {
    const err = Object.assign(new Error('The user with name x cannot be found.'), { name: 'NoSuchEntityException' });
    sinon.stub(IAMClient.prototype, 'send').rejects(err);
    const got = await rejection(
      new SdkInvoker().call({
        service: 'iam',
        operation: 'GetUser',
        input: { UserName: 'x' },
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
    );
    expect(got.name).to.equal('NoSuchEntityException');
  });

  it('sends a Lambda payload as bytes and returns it as text', async () => {
    const send = sinon
      .stub(LambdaClient.prototype, 'send')
      .resolves({ StatusCode: 200, Payload: new TextEncoder().encode('{"a":1}') } as never);
    const out = await new SdkInvoker().call({
      service: 'lambda',
      operation: 'Invoke',
      input: { FunctionName: 'f', Payload: '{"x":2}' },
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    expect(out).to.deep.equal({ StatusCode: 200, Payload: '{"a":1}' });
    const sent = (send.firstCall.args[0] as { input: { Payload: Uint8Array } }).input.Payload;
    expect(Buffer.from(sent).toString('utf8')).to.equal('{"x":2}');
  });

  it('toJsonShape: blobs become base64, undefined fields go', () => {
    expect(toJsonShape({ b: new Uint8Array([104, 105]), u: undefined, l: [new Date(0)] })).to.deep.equal({
      b: 'aGk=',
      l: ['1970-01-01T00:00:00.000Z'],
    });
  });

  it('keeps a bounded number of clients: 2,000 credential rotations keep at most 64', async () => {
    sinon.stub(IAMClient.prototype, 'send').resolves({} as never);
    const inv = new SdkInvoker();
    for (let n = 0; n < 2000; n++)
      await inv.call({
        service: 'iam',
        operation: 'GetUser',
        input: {},
        region: 'us-east-1',
        credentials: { accessKeyId: `k${n}`, secretAccessKey: 's' },
      });
    expect(inv.clientCount).to.equal(64);
  });

  describe('faults, against a local HTTP server', () => {
    let server: Server;
    let requests = 0;
    let answer: 'throttle' | 'hang' = 'throttle';
    before(async () => {
      server = createServer((req, res) => {
        requests++;
        req.resume();
        if (answer === 'hang') return; // never answers
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const endpoint = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = (inv: SdkInvoker) =>
      rejection(
        inv.call({ service: 'ssm', operation: 'GetAutomationExecution', input: { AutomationExecutionId: 'x' }, region: 'us-east-1' }),
      );

    it('throttling is retried in one layer, the SDK standard retry: 3 requests per throttled call', async function () {
      this.timeout(20_000);
      requests = 0;
      answer = 'throttle';
      const err = await call(new SdkInvoker({ endpoint: endpoint(), credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }));
      expect(err.name).to.equal('ThrottlingException');
      expect(requests).to.equal(3);
    });

    it('a hung request fails as TimeoutError at the call deadline instead of holding the caller', async function () {
      this.timeout(20_000);
      requests = 0;
      answer = 'hang';
      const t0 = Date.now();
      const err = await call(
        new SdkInvoker({
          endpoint: endpoint(),
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
          requestTimeoutMs: 200,
          maxAttempts: 2,
        }),
      );
      expect(err.name).to.equal('TimeoutError');
      expect(requests).to.equal(1);
      expect(Date.now() - t0).to.be.below(5_000);
    });
  });
});
