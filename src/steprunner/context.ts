import type { AwsCredentials, AwsOutput, Invoker } from '../aws/invoker';
import type { CallOptions, ExecutionFacts, ScriptContext } from '../model/handlers';

export interface ContextOptions {
  invoker: Invoker;
  credentials?: AwsCredentials;
  region: string;
  account: string;
  partition?: string;
  executionId: string;
  execution?: ExecutionFacts;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
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
    ...(o.execution ? { execution: o.execution } : {}),
    now: o.now ?? (() => new Date()),
    sleep: o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    async aws<T = AwsOutput>(
      service: string,
      operation: string,
      input: Record<string, unknown> = {},
      options: CallOptions = {},
    ): Promise<T> {
      o.beforeCall?.(service, operation, input);
      const region = options.region ?? o.region;
      const as = options.as;
      const out = await o.invoker.call({
        service,
        operation,
        input,
        region,
        account: as?.account ?? o.account,
        credentials: as?.credentials ?? o.credentials,
      });
      return out as T;
    },
  };
}
