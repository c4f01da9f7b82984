import { SdkInvoker } from '../aws/sdk-invoker';
import { UsageError } from './errors';

/** The `--endpoint URL` every command that calls AWS takes: a UsageError unless it is http(s). */
export function checkedEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw new UsageError(`--endpoint ${endpoint} is not an http(s) URL`);
  return endpoint;
}

/** The SDK invoker for `--endpoint` (absent: the SDK's own endpoints). */
export function endpointInvoker(endpoint: string | undefined): SdkInvoker {
  const url = checkedEndpoint(endpoint);
  return new SdkInvoker(url ? { endpoint: url } : {});
}
