import type { AwsCredentials, AwsOutput, Invoker } from '../aws/invoker';
import type { ScriptContext } from '../model/handlers';

export interface ContextOptions {
  invoker: Invoker;
  credentials?: AwsCredentials;
  region: string;
  account: string;
  partition?: string;
  executionId: string;
  now?: () => Date;
  /** Called before each call (the local engine's policy check and call log hook in here). */
  beforeCall?: (service: string, operation: string, input: Record<string, unknown>) => void;
}

/** The context a script handler runs with: every call signed as the automation's role. */
export function scriptContext(o: ContextOptions): ScriptContext {
  return {
    region: o.region,
    account: o.account,
    partition: o.partition ?? 'aws',
    executionId: o.executionId,
    now: o.now ?? (() => new Date()),
    async aws<T = AwsOutput>(
      service: string,
      operation: string,
      input: Record<string, unknown> = {},
      options: { region?: string } = {},
    ): Promise<T> {
      o.beforeCall?.(service, operation, input);
      const region = options.region ?? o.region;
      const out = await o.invoker.call({ service, operation, input, region, account: o.account, credentials: o.credentials });
      return out as T;
    },
  };
}

/** The account id inside a role ARN (`arn:aws:iam::123456789012:role/x`). */
export function accountOfRoleArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(arn)?.[1];
}

/** The partition of an ARN. */
export function partitionOfArn(arn: string): string {
  return /^arn:(aws[a-z-]*):/.exec(arn)?.[1] ?? 'aws';
}
