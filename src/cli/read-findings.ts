import { errorCode, errorMessage, hasErrorCode, type Invoker } from '../aws/invoker';
import { UsageError } from './errors';
import type { Filters } from './filters';

/**
 * GetFindings with filters, every page (100 findings a page, Security Hub's maximum). A filter
 * Security Hub rejects (InvalidInputException) is the operator's mistake: a UsageError (exit 2);
 * any other failure is a UsageError with exit 1 naming the call and the Region.
 */
export async function readFindings(
  invoker: Invoker,
  region: string,
  filters: Filters,
  onPage?: (count: number) => void,
): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let token: string | undefined;
  do {
    let page: Record<string, unknown>;
    try {
      page = await invoker.call({
        service: 'securityhub',
        operation: 'GetFindings',
        region,
        input: { Filters: filters, MaxResults: 100, ...(token ? { NextToken: token } : {}) },
      });
    } catch (err) {
      if (hasErrorCode(err, 'InvalidInput')) throw new UsageError(`Security Hub rejected the filters: ${errorMessage(err)}`);
      throw new UsageError(`GetFindings in ${region} failed: ${errorCode(err)}: ${errorMessage(err)}`, 1);
    }
    const findings = Array.isArray(page.Findings) ? (page.Findings as Array<Record<string, unknown>>) : [];
    out.push(...findings);
    onPage?.(out.length);
    token = typeof page.NextToken === 'string' && page.NextToken ? page.NextToken : undefined;
  } while (token);
  return out;
}
