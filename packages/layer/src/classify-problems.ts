import { type CertType, mangleUnitName } from '@tls-client/protocol';
import type { RawProblem } from './check-provider-data.js';
import type { Problem, StoredRequest } from './state.js';

/** What {@link classifyProblem} needs to know about this unit; internal. */
export interface ClassifyContext {
  unitName: string;
  requests: readonly StoredRequest[];
  /** Whether the deprecated global client paths (`clientCertificatePath`, `clientKeyPath`) are set. */
  globalClientPaths: boolean;
}

const SUFFIX_TYPES: readonly [string, CertType][] = [
  ['.server.cert', 'server'],
  ['.server.key', 'server'],
  ['.processed_requests', 'server'],
  ['.processed_client_requests', 'client'],
  ['.processed_application_requests', 'application'],
  ['.processed_intermediate_requests', 'intermediate'],
];

/**
 * Whether a problem concerns data this unit asked for. The CA and the chain always matter; an answer
 * matters when it is for a type and common name we requested (`app_data` stands for any request of
 * its type); the global client certificate matters when it could be used (deprecated paths, or a
 * client request). Pure.
 */
export function isRequested(problem: RawProblem, context: ClassifyContext): boolean {
  const { requests } = context;
  if (problem.key === 'client.cert' || problem.key === 'client.key' || problem.commonName === '(global)') {
    return context.globalClientPaths || requests.some((r) => r.type === 'client');
  }
  let type = problem.type;
  if (type === undefined && problem.key !== undefined) {
    const prefix = mangleUnitName(context.unitName);
    type = SUFFIX_TYPES.find(([suffix]) => problem.key === `${prefix}${suffix}`)?.[1];
  }
  // The CA, the chain, or a key we cannot place: it matters.
  if (type === undefined) return true;
  const ofType = requests.filter((r) => r.type === type);
  const cn = problem.commonName;
  if (cn === undefined || cn === 'app_data' || type === 'application') return ofType.length > 0;
  return ofType.some((r) => r.commonName === cn);
}

/** Adds `requested` and `severity` to a problem. */
export function classifyProblem(problem: RawProblem, context: ClassifyContext): Problem {
  const requested = isRequested(problem, context);
  const out: Problem = {
    code: problem.code,
    severity: requested ? 'error' : 'warning',
    requested,
    message: problem.message,
  };
  if (problem.key !== undefined) out.key = problem.key;
  if (problem.commonName !== undefined) out.commonName = problem.commonName;
  if (problem.type !== undefined) out.type = problem.type;
  return out;
}
